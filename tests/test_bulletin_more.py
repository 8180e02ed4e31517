"""Bulletins, the rest of issue 11: supervision figures, the tables by level, industry and unit
with their charts, a figure's rows in Excel, the 项目专报, and the year-end summary from
imported ledgers alone (§6)."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from docx import Document
from openpyxl import load_workbook

from duban.bulletins.catalogue import (
    FigureContext,
    FigureQuery,
    compute,
    compute_many,
    figure_keys,
)
from duban.bulletins.lists import by_industry, by_level, by_unit
from duban.bulletins.models import Kind
from duban.bulletins.output import to_docx, to_json
from duban.bulletins.selectors import figure_rows
from duban.bulletins.services import bulletin_generate
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.ledger.models import Project, WorkItem
from duban.reporting.models import LiveProgressState, MonthlyReport
from duban.reporting.selectors.progress import COMPUTE_QUERIES, REFRESH_QUERIES
from duban.reporting.services import month_close
from duban.supervision.models import Card, Flag, Interview, Prompt
from duban.transfer.imports.service import ledger_import
from tests import factories as f
from tests import problem_factories as pf
from tests import test_bulletin_figures
from tests.layout_fixtures import Layout, write
from tests.supervision_fixtures import issued_prompt

fig = test_bulletin_figures.fig  # the shared fixture
APRIL = FigureQuery(2024, 4)


def _v(key, query=APRIL):
    return compute(key, FigureContext(query))


@pytest.fixture
def supervised(fig):
    """Two issued prompts (3 lines, one dropped) and a draft; March closed with cards; flags
    and an interview."""
    d = fig
    p1 = issued_prompt(d.unit_a, items=[d.item_a, d.task_a], number="测督提〔2024〕1号")
    p2 = issued_prompt(d.unit_b, items=[d.item_b, d.item_c], number="测督提〔2024〕2号")
    p2.lines.filter(work_item=d.item_c).update(dropped=True)
    issued_prompt(d.unit_b, items=[d.item_x], number="", state=Prompt.State.DRAFT)
    MonthlyReport.objects.update(state=MonthlyReport.State.ACCEPTED)
    month_close(period=Period(2024, 3), by=d.office)
    cards = dict(Card.objects.filter(year=2024, month=3).values_list("unit_id", "pk"))
    Card.objects.filter(unit=d.unit_a).update(colour="red")
    Card.objects.exclude(unit=d.unit_a).update(colour="green")
    open_flag = Flag.objects.create(
        target=Flag.Target.ITEM,
        unit=d.unit_b,
        work_item=d.item_b,
        state=Flag.State.OPEN,
        flagged_on=date(2024, 3, 20),
    )
    gone = Flag.objects.create(
        target=Flag.Target.UNIT,
        unit=d.unit_a,
        state=Flag.State.DELISTED,
        flagged_on=date(2024, 1, 10),
        delisted_on=date(2024, 2, 28),
    )
    Flag.objects.create(target=Flag.Target.UNIT, unit=d.unit_b, state=Flag.State.SUGGESTED)
    talk = Interview.objects.create(
        unit=d.unit_a,
        card_id=cards.get(d.unit_a.pk),
        year=2024,
        month=3,
        level=Interview.Level.LEADER_HEAD,
        because="连续红牌",
        state=Interview.State.DONE,
    )
    d.extra.update(p1=p1, p2=p2, open_flag=open_flag, gone=gone, talk=talk)
    return d


def test_supervision_figures_against_hand_counts(supervised):
    d = supervised
    prompts = _v("supervision.prompts")
    assert prompts.value.value == 2 and prompts.text == "2次"
    assert set(prompts.value.rows) == {d.extra["p1"].pk, d.extra["p2"].pk}
    assert _v("supervision.prompt_items").text == "3件"  # the dropped line does not count
    assert _v("supervision.prompts_month").value.value == 2
    assert _v("supervision.prompts", FigureQuery(2024, 3)).value.value == 0
    march = FigureQuery(2024, 3)
    assert _v("supervision.cards.red", march).value.value == 1
    assert _v("supervision.cards.red", march).text == "1张"
    assert _v("supervision.cards.green", march).value.value >= 1
    assert _v("supervision.flags", march).value.value == 2
    assert _v("supervision.flags_delisted", march).value.rows == (d.extra["gone"].pk,)
    assert _v("supervision.flags_open", march).value.rows == (d.extra["open_flag"].pk,)
    assert _v("supervision.flags_open", FigureQuery(2024, 2)).value.value == 0
    assert _v("supervision.interviews", march).value.rows == (d.extra["talk"].pk,)
    # a unit's 口径: its own prompts and cards only
    unit_a = FigureQuery(2024, 4, unit_id=d.unit_a.pk)
    assert _v("supervision.prompts", unit_a).value.rows == (d.extra["p1"].pk,)
    assert _v("supervision.cards.red", FigureQuery(2024, 3, unit_id=d.unit_b.pk)).text == "0张"


def test_rows_behind_a_figure_say_kept_codes_in_the_readers_language(supervised):
    # An interview keeps its level and month, a card its colour: the rows behind a figure say
    # them in the reader's language, not as a stored Chinese text or a code.
    d = supervised
    talk = d.extra["talk"]
    reds = list(Card.objects.filter(colour="red").values_list("pk", flat=True))
    assert reds
    for language, colour in (("zh-hans", "红牌"), ("en", "Red card")):
        with translation.override(language):
            [row] = figure_rows(
                user=d.office, row_model="supervision.interview", ids=[talk.pk]
            ).rows
            assert (row["name"], row["unit"]) == (talk.because_shown, talk.unit.name)
            cards = figure_rows(user=d.office, row_model="supervision.card", ids=reds).rows
            assert {r["unit"] for r in cards} == {colour}
            assert all(r["url"].endswith(f"/{r['id']}/") for r in cards)
            if language == "en":
                assert not re.search(r"[\u4e00-\u9fff]", row["name"]), row["name"]
            else:
                assert row["name"] == "2024年3月连续两个月黄牌"


def test_the_catalogue_reads_in_a_fixed_number_of_queries_whatever_the_data(
    supervised, django_assert_num_queries
):
    # Both runs start with no month kept by the progress core (a first computation each).
    LiveProgressState.objects.all().delete()
    with CaptureQueriesContext(connection) as before:
        compute_many(None, APRIL)
    d = supervised
    for n in range(3):  # more of everything: items, reports, problems, prompts, flags
        item = f.WorkItemFactory(lead_unit=d.unit_b, title=f"新增项目{n}")
        f.ReportFactory(work_item=item, year=2024, month=2, investment_month=Decimal(10))
        pf.ProblemFactory(work_item=item, reported_on=date(2024, 2, 1))
        issued_prompt(d.unit_b, items=[item], number=f"测督提〔2024〕{n + 5}号")
    LiveProgressState.objects.all().delete()
    with django_assert_num_queries(len(before.captured_queries)):
        compute_many(None, APRIL)


def _queries_per_figure(query: FigureQuery) -> dict[str, int]:
    """Each figure computed alone (a fresh computation: its shared reads and its own, from no
    month kept by the progress core)."""
    counts = {}
    for key in figure_keys():
        LiveProgressState.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            compute(key, FigureContext(query))
        counts[key] = len(ctx.captured_queries)
    return counts


def test_each_figure_reads_in_a_fixed_number_of_queries_whatever_the_data(supervised):
    before = _queries_per_figure(APRIL)
    # A figure is a handful of reads: the 口径's items, the progress core's loader (for
    # last year too, for 同比: 22 queries; judged and kept the first time), the year's
    # problems… never one per row.
    bound = 25 + 2 * (REFRESH_QUERIES - COMPUTE_QUERIES)
    assert max(before.values()) <= bound, max(before.items(), key=lambda kv: kv[1])
    d = supervised
    for n in range(3):  # more of everything: items, reports, problems, prompts
        item = f.WorkItemFactory(lead_unit=d.unit_b, title=f"又一项目{n}")
        f.ReportFactory(work_item=item, year=2024, month=2, investment_month=Decimal(10))
        pf.ProblemFactory(work_item=item, reported_on=date(2024, 2, 1))
        issued_prompt(d.unit_b, items=[item], number=f"测督提〔2024〕{n + 8}号")
    assert _queries_per_figure(APRIL) == before


def test_tables_by_level_industry_and_unit_add_up_to_the_totals(supervised):
    ctx = FigureContext(FigureQuery(2024, 3))
    total = compute("ledger.projects", ctx).value.value
    ytd = compute("investment.ytd", ctx).value.value
    for make in (by_level, by_industry, by_unit):
        block = make(ctx).as_json()
        figs = block["figures"]
        counts = [int(v["value"]) for k, v in figs.items() if k.endswith(".ledger.projects")]
        assert sum(counts) == total
        ytds = [Decimal(v["value"]) for k, v in figs.items() if k.endswith(".investment.ytd")]
        assert sum(ytds) == ytd
        # every figure cell of the table names its stored figure
        assert {k for row in block["cell_keys"] for k in row if k} == set(figs)
        assert block["chart"]["categories"]
        assert len(block["chart"]["series"]) == 2
    unit = by_unit(ctx).as_json()
    # ranked by completion, with the month's card
    assert unit["header"][0] == "排名" and unit["header"][-1] == "本月亮牌"
    assert [r[0] for r in unit["rows"]] == [str(n) for n in range(1, len(unit["rows"]) + 1)]
    assert {r[-1] for r in unit["rows"]} <= {"绿牌", "黄牌", "红牌", "—"}


def test_word_has_tables_and_native_charts(fig):
    b = bulletin_generate(kind=Kind.MONTHLY, year=2024, month=3, by=fig.office)
    data = to_docx(b)
    names = zipfile.ZipFile(BytesIO(data)).namelist()
    charts = [n for n in names if n.startswith("word/charts/")]
    assert len(charts) == 3  # by level, by industry, by unit
    xml = zipfile.ZipFile(BytesIO(data)).read(charts[0]).decode()
    assert "年度计划投资" in xml and "<c:barChart>" in xml
    doc = Document(BytesIO(data))  # opens again: the parts are related properly
    text = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "区发改局" in text and "排名" in text


def test_a_figures_rows_export_to_excel_with_their_shares(fig, login):
    b = bulletin_generate(kind=Kind.MONTHLY, year=2024, month=3, by=fig.office)
    client = login(fig.office)
    # a number in a table links to its rows like a number in the text
    cell = "by_level.province.investment.ytd"
    assert b.figures[cell]["rows"] == [fig.item_a.pk]
    page = client.get(f"/bulletins/{b.pk}/").content.decode()
    assert f"/bulletins/{b.pk}/figures/{cell}/" in page
    assert client.get(f"/bulletins/{b.pk}/figures/{cell}/").status_code == 200
    r = client.get(f"/bulletins/{b.pk}/figures/investment.ytd/xlsx/")
    assert r.status_code == 200
    ws = load_workbook(BytesIO(r.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    total = values[0]
    assert "合计" in total[2] and total[4] == 3500
    shares = {row[1]: row[4] for row in values[1:]}
    assert shares == {fig.item_a.pk: 1500, fig.item_b.pk: 2000}
    # a unit sees its own rows and is told how many more there are
    unit = login(fig.head_b)
    r = unit.get(f"/bulletins/{b.pk}/figures/investment.ytd/xlsx/")
    assert r.status_code == 404  # a draft is the office's own
    b.draft = False
    b.published_at = b.created_at
    b.save()
    r = unit.get(f"/bulletins/{b.pk}/figures/investment.ytd/xlsx/")
    ws = load_workbook(BytesIO(r.content)).active
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "另有1条不在您的权限范围内" in text


def test_special_report_on_one_project(fig):
    d = fig
    b = bulletin_generate(kind=Kind.PROJECT, year=2024, month=3, item=d.item_a, by=d.office)
    assert b.title == f"关于{d.item_a.title}推进情况的专报"
    data = json.loads(to_json(b))
    text = "\n".join(data["paragraphs"])
    assert "累计完成投资1500万元" in text or "累计完成投资0.15亿元" in text
    assert data["figures"][0]["rows"] and all(
        r == d.item_a.pk
        for f_ in data["figures"]
        if f_["row_model"] == "ledger.workitem"
        for r in f_["rows"]
    )
    assert "发改项目甲" in text  # the item's status line
    with pytest.raises(ApplicationError):
        bulletin_generate(kind=Kind.PROJECT, year=2024, month=3, by=d.office)


def _ledger(year: int, rows: list[list[object]]) -> Layout:
    head = [
        "序号",
        "项目名称",
        "责任单位",
        "级别",
        "项目类型",
        "总投资",
        "年度计划投资",
        f"{year}年1-12月完成投资",
        "计划开工时间",
        "实际开工时间",
    ]
    return Layout([[f"{year}年示例区重点项目台账", *[""] * (len(head) - 1)], head, *rows])


@pytest.mark.django_db
def test_year_end_summary_from_imported_ledgers_alone(tmp_path, time_machine):
    """An office that imported only its year-end ledgers (no monthly reports typed in duban)
    gets the year-end summary: the cumulative column, start dates, levels and reserve."""
    time_machine.move_to("2025-01-20 10:00:00+08:00")
    fgj = f.UnitFactory(code="fgj", name="示例区发展和改革局", short_name="发改局")
    f.UnitFactory(code="zjj", name="示例区住房和城乡建设局", short_name="住建局")
    office = f.UserFactory(role="office", unit=fgj)
    last = _ledger(
        2023,
        [
            [
                1,
                "示例甲厂房",
                "区发改局",
                "省重点",
                "产业项目",
                50000,
                10000,
                10000,
                "2023-03-01",
                "2023-03-01",
            ],
            [
                2,
                "示例乙道路",
                "区住建局",
                "市重点",
                "基础设施",
                20000,
                10000,
                10000,
                "2023-04-01",
                "2023-04-11",
            ],
        ],
    )
    this = _ledger(
        2024,
        [
            [
                1,
                "示例甲厂房",
                "区发改局",
                "省重点",
                "产业项目",
                50000,
                20000,
                20000,
                "2023-03-01",
                "2023-03-01",
            ],
            [
                2,
                "示例丙学校",
                "区住建局",
                "市重点",
                "社会民生",
                30000,
                12000,
                15000,
                "2024-04-20",
                "2024-04-01",
            ],
            [
                3,
                "示例丁园区",
                "区发改局",
                "省重点",
                "产业项目",
                40000,
                8000,
                5000,
                "2024-05-10",
                "2024-05-01",
            ],
        ],
    )
    for year, layout in ((2023, last), (2024, this)):
        content, name = write(layout, "xlsx", tmp_path)
        result = ledger_import(content=content, file_name=name, by=office, year=year)
        assert result.ok, [str(e) for e in result.errors]
    assert not MonthlyReport.objects.exclude(month=12).exists()
    b = bulletin_generate(kind=Kind.ANNUAL, year=2024, month=None, by=office)
    text = "\n".join(json.loads(to_json(b))["paragraphs"])
    # 3 projects against 2 (甲 carried over counts once in each year); 4.0亿元 against 2.0亿元
    assert "开工建设重点项目3个、完成投资4亿元，同比分别增长50%、100%" in text
    # 丙 and 丁 started in 2024 (甲 in 2023 is not a start): 19 and 9 days early
    assert "实现开工率100%" in text
    assert "项目开工时间平均提前14天" in text
    assert (
        WorkItem.objects.filter(year=2024, project__industry=Project.Industry.INDUSTRY).count() == 2
    )


# Figures over a table's groups: their grouped forms against each group's own computation.
GROUPED_KEYS = (
    "ledger.projects",
    "ledger.annual_plan",
    "investment.month",
    "investment.ytd",
    "investment.completion_pct",
    "investment.time_progress_pct",
    *[f"ledger.projects.level.{code}" for code in WorkItem.Level.values],
    *[f"ledger.projects.industry.{code}" for code in Project.Industry.values],
    "starts.planned",
    "starts.actual",
    "starts.early",
    "starts.on_time",
    "starts.late",
)


def _exactly(v):
    """A value with its provenance, each amount as written (1.50 is not 1.5 here)."""
    return (
        str(v.value),
        v.rows,
        None if v.amounts is None else tuple(map(str, v.amounts)),
        str(v.numerator),
        str(v.denominator),
        v.note,
    )


@pytest.mark.parametrize("month", [3, 4])  # March closed (its snapshot), April open
@pytest.mark.parametrize("by", ["lead_unit_id", "level", "industry"])
def test_a_figures_grouped_form_gives_each_group_what_the_group_alone_gives(supervised, month, by):
    """The tables compute each figure once over all their groups (its grouped form); each
    group's value and rows are those of the figure computed over that group's projects alone."""
    from duban.bulletins.catalogue import compute_groups, get_figure
    from duban.bulletins.figures import progress, projects

    ctx = FigureContext(FigureQuery(2024, month))
    groups: dict[object, list] = {}
    for r in projects(ctx):
        groups.setdefault(getattr(r, by), []).append(r)
    groups["nobody"] = []  # a group without rows: the value over none
    group_of = {r.id: g for g, rows in groups.items() for r in rows}
    grouped = compute_groups(GROUPED_KEYS, ctx, group_of.get, list(groups))
    assert len(groups) >= 3
    for g, rows in groups.items():
        alone = FigureContext(ctx.query)
        alone.cache["rows"] = alone.cache["projects"] = rows
        alone.cache["progress"] = progress(ctx)
        for key in GROUPED_KEYS:
            assert get_figure(key).grouped is not None
            assert _exactly(grouped[g][key]) == _exactly(alone.value(key)), (g, key)
    # The whole 口径 is the grouped form's one group.
    for key in GROUPED_KEYS:
        whole = compute_groups([key], ctx, lambda _id: 0, [0])[0][key]
        assert _exactly(whole) == _exactly(ctx.value(key)), key


def test_a_tables_figures_split_each_list_of_rows_once(supervised, monkeypatch):
    """A table's figures read the same rows by the same groups: each list of rows is split
    once for all of them (the projects for the count and the annual plan, then the completed
    and the planned amounts), whichever figure splits it first."""
    from duban.bulletins import catalogue
    from duban.bulletins.catalogue import compute_groups
    from duban.bulletins.figures import projects
    from duban.bulletins.lists import TABLE_FIGURES

    ctx = FigureContext(FigureQuery(2024, 4))
    group_of = {r.id: r.level for r in projects(ctx)}
    split_rows: list[int] = []
    real = catalogue._split

    def counted(rows, of, groups):
        split_rows.append(id(rows))
        return real(rows, of, groups)

    monkeypatch.setattr(catalogue, "_split", counted)
    levels = sorted(set(group_of.values()))
    first = compute_groups(TABLE_FIGURES, ctx, group_of.get, levels)
    assert len(split_rows) == len(set(split_rows)) == 3
    again = compute_groups(TABLE_FIGURES, ctx, group_of.get, levels)
    assert len(split_rows) == 6  # each table its own splits
    assert {g: {k: _exactly(v) for k, v in vs.items()} for g, vs in first.items()} == {
        g: {k: _exactly(v) for k, v in vs.items()} for g, vs in again.items()
    }

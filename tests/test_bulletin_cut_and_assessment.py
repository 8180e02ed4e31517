"""The unit table printed as an office prints it (the first and last units of the ranking, a
line saying how many are left out, the whole ranking online and in Excel, every number still
traced), and the assessment figures (the month's published ranking)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from docx import Document
from openpyxl import load_workbook

from duban.assessment.models import Ranking, Standing
from duban.assessment.services.scoring import ranking_publish
from duban.bulletins import lists
from duban.bulletins.catalogue import FigureContext, FigureQuery, compute
from duban.bulletins.models import Kind
from duban.bulletins.output import to_docx, to_html
from duban.bulletins.services import bulletin_generate
from duban.org.scoping import unit_with_descendants
from duban.reporting.models import MonthlyReport
from tests import factories as f
from tests import test_bulletin_figures
from tests.assessment_fixtures import JAN, january_facts

fig = test_bulletin_figures.fig  # the shared fixture
MARCH = FigureQuery(2024, 3)


@pytest.fixture
def many_units(fig):
    """Six more units, each leading one project with its own completion (10%…60%)."""
    for n in range(1, 7):
        item = f.WorkItemFactory(lead_unit=f.UnitFactory(name=f"排名单位{n}"), title=f"排名项目{n}")
        f.ReportFactory(
            work_item=item,
            year=2024,
            month=3,
            investment_month=Decimal(1200 * n),
            state=MonthlyReport.State.ACCEPTED,
        )
    return fig


def test_a_long_unit_table_prints_both_ends_and_says_how_many_are_left_out(many_units, monkeypatch):
    monkeypatch.setattr(lists, "UNIT_TABLE_EACH", 2)
    ctx = FigureContext(MARCH)
    block = lists.by_unit(ctx).as_json()
    full = block["full"]["lines"]
    assert len(full) >= 8
    ranked = [ln for ln in full if ln["values"][3] is not None]
    rates = [Decimal(ln["values"][3]) for ln in ranked]
    assert rates == sorted(rates, reverse=True)  # ranked by completion
    rows = block["rows"]
    # two first, the line, two last; their ranks are the ranking's
    assert len(rows) == 5
    assert [r[1] for r in rows[:2]] == [ln["label"] for ln in ranked[:2]]
    assert [r[1] for r in rows[3:]] == [ln["label"] for ln in ranked[-2:]]
    assert rows[3][0] == str(full.index(ranked[-2]) + 1)
    left = len(full) - 4
    assert rows[2][0].startswith(
        f"（共{len(full)}个单位，此处列出投资完成率前2名和后2名，其余{left}个"
    )
    assert block["cell_keys"][2] == []
    # every printed number is a stored figure; the left-out units are not stored as figures
    printed = {k for keys in block["cell_keys"] for k in keys if k}
    assert printed == set(block["figures"])
    assert len(printed) == 4 * 4
    # the whole ranking still adds up to the totals, each line naming its rows
    assert sum(len(ln["rows"]) for ln in full) == compute("ledger.projects", ctx).value.value
    ytd = sum(Decimal(ln["values"][2] or 0) for ln in full)
    assert ytd == compute("investment.ytd", ctx).value.value


def test_a_short_unit_table_is_printed_whole(fig):
    block = lists.by_unit(FigureContext(MARCH)).as_json()
    assert "full" not in block
    assert all(not r[0].startswith("（共") for r in block["rows"])


def test_the_whole_ranking_page_its_excel_and_a_left_out_unit_traced(
    many_units, login, monkeypatch
):
    monkeypatch.setattr(lists, "UNIT_TABLE_EACH", 2)
    d = many_units
    b = bulletin_generate(kind=Kind.MONTHLY, year=2024, month=3, by=d.office)
    block = next(x for x in b.blocks if x.get("name") == "by_unit")
    c = login(d.office)
    detail = c.get(f"/bulletins/{b.pk}/").content.decode()
    assert f"/bulletins/{b.pk}/tables/by_unit/" in detail
    page = c.get(f"/bulletins/{b.pk}/tables/by_unit/").content.decode()
    for line in block["full"]["lines"]:
        assert line["label"] in page
    # a unit left out of the printed table: its line links to the projects behind it
    printed = {r[1] for r in block["rows"]}
    left_out = next(ln for ln in block["full"]["lines"] if ln["label"] not in printed)
    rows = c.get(f"/bulletins/{b.pk}/figures/by_unit.{left_out['code']}/")
    assert rows.status_code == 200
    from duban.ledger.models import WorkItem

    titles = WorkItem.objects.filter(pk__in=left_out["rows"]).values_list("title", flat=True)
    assert all(t in rows.content.decode() for t in titles)
    xlsx = c.get(f"/bulletins/{b.pk}/tables/by_unit/xlsx/")
    sheet = load_workbook(BytesIO(xlsx.content)).active
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert left_out["label"] in cells
    assert c.get(f"/bulletins/{b.pk}/tables/nothing/").status_code == 404
    # the documents print the cut table
    word = Document(BytesIO(to_docx(b)))
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    assert any("个单位从略" in text for text in cells)
    html = to_html(b).decode()
    assert "个单位从略" in html


def test_the_standalone_page_names_at_most_so_many_rows_a_figure(fig, monkeypatch):
    from duban.bulletins import output

    monkeypatch.setattr(output, "HTML_ROWS", 1)
    b = bulletin_generate(kind=Kind.MONTHLY, year=2024, month=3, by=fig.office)
    many = next(v for v in b.figures.values() if len(v["rows"]) > 1)
    html = to_html(b).decode()
    assert f"……共{len(many['rows'])}条" in html


# -- assessment ------------------------------------------------------------------------------


@pytest.fixture
def ranked(district):
    january_facts(district)  # January closed: scored and ranked
    return district


def test_assessment_figures_say_nothing_before_the_ranking_is_published(ranked):
    ctx = FigureContext(FigureQuery(2024, 1))
    for key in ("assessment.ranked_units", "assessment.average_score", "assessment.top_score"):
        r = compute(key, ctx)
        assert r.value.value is None
        assert r.text == "2024年1月考核排名尚未公布"
    block = lists.ranking(ctx).as_json()
    assert block["rows"] == [["2024年1月考核排名尚未公布。"]]


def test_assessment_figures_of_a_published_ranking_add_up_to_their_rows(ranked):
    ranking_publish(period=JAN, by=ranked.office)
    lines = list(
        Standing.objects.filter(ranking__year=2024, ranking__month=1, span=Standing.Span.MONTH)
    )
    assert lines
    ctx = FigureContext(FigureQuery(2024, 1))
    n = compute("assessment.ranked_units", ctx)
    assert n.value.value == len(lines)
    assert set(n.value.rows) == {s.pk for s in lines}
    avg = compute("assessment.average_score", ctx)
    total = sum((s.score for s in lines), Decimal(0))
    assert avg.value.value == total / len(lines)
    assert sum(avg.value.amounts) == avg.value.numerator == total  # its rows add up
    assert avg.text.endswith("分")
    top = compute("assessment.top_score", ctx)
    assert top.value.value == max(s.score for s in lines)
    assert {s.pk for s in lines if s.score == top.value.value} == set(top.value.rows)
    low = compute("assessment.bottom_score", ctx)
    assert low.value.value == min(s.score for s in lines)
    firsts = compute("assessment.first_places", ctx)
    assert firsts.value.value == sum(1 for s in lines if s.rank == 1)
    # a unit's 口径: its own line and its sub-units' only
    unit = FigureContext(FigureQuery(2024, 1, unit_id=lines[0].unit_id))
    below = set(unit_with_descendants([lines[0].unit_id]))
    mine = {s.pk for s in lines if s.unit_id in below}
    assert set(compute("assessment.ranked_units", unit).value.rows) == mine
    assert len(mine) < len(lines)
    # the table by group: each cell a figure over the group's lines
    block = lists.ranking(ctx).as_json()
    groups = {s.group for s in lines}
    assert [r[0] for r in block["rows"]] == sorted(groups)
    counts = [int(v["value"]) for k, v in block["figures"].items() if k.endswith("ranked_units")]
    assert sum(counts) == len(lines)


def test_the_notice_states_the_ranking_and_each_number_links_to_its_units(ranked, login):
    from duban.reporting.models import MonthClose

    assert MonthClose.objects.filter(year=2024, month=1).exists()
    ranking_publish(period=JAN, by=ranked.office)
    assert Ranking.objects.get(year=2024, month=1).published_at
    b = bulletin_generate(kind=Kind.NOTICE, year=2024, month=1, by=ranked.office)
    block = next(x for x in b.blocks if "考核分组" in x.get("header", []))
    keys = [k for row in block["cell_keys"] for k in row if k]
    key = next(k for k in keys if k.endswith("assessment.ranked_units"))
    assert key in b.figures
    c = login(ranked.office)
    page = c.get(f"/bulletins/{b.pk}/figures/{key}/")
    assert page.status_code == 200
    names = set(
        Standing.objects.filter(pk__in=b.figures[key]["rows"]).values_list("unit__name", flat=True)
    )
    assert all(n in page.content.decode() for n in names)

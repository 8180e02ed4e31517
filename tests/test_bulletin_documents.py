"""Bulletins: templates with placeholders, generation stored with figures, Word/HTML/JSON,
drafts for unclosed months, the CLI (issue 11 §3–§5)."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document

from duban.bulletins.models import Bulletin, Kind
from duban.bulletins.output import libreoffice, to_docx, to_html, to_json
from duban.bulletins.services import bulletin_generate, bulletin_publish, template_save
from duban.core.errors import ApplicationError
from duban.core.events import NotificationKind
from duban.core.periods import Period
from duban.ledger.models import Project
from duban.notify.models import Notification
from duban.org.models import Responsibility
from duban.reporting.models import MonthlyReport
from duban.reporting.services import month_close
from tests import test_bulletin_figures

fig = test_bulletin_figures.fig  # the shared fixture


def _docx_text(data: bytes) -> tuple[str, str]:
    doc = Document(BytesIO(data))
    body = "\n".join(p.text for p in doc.paragraphs)
    tables = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    header = "\n".join(p.text for p in doc.sections[0].header.paragraphs)
    return body + "\n" + tables, header


def test_annual_summary_states_the_figures_as_the_office_writes_them(fig):
    b = bulletin_generate(kind=Kind.ANNUAL, year=2024, month=None, by=fig.office)
    assert b.month == 12 and b.draft  # December 2024 is not closed
    text = "\n".join(json.loads(to_json(b))["paragraphs"])
    assert "2024年，全区开工建设重点项目4个" in text
    # the two changes differ in sign: each said with what it measures (CONVENTIONS §4)
    assert "完成投资3500万元，同比重点项目数增长33.3%，累计完成投资下降72%。" in text
    assert "已谋划储备项目2个，计划总投资50亿元，其中产业项目1个，计划总投资30亿元" in text
    assert "2位区级领导包联2家企业、1个项目和1所高校及机构" in text
    stored = Bulletin.objects.get(pk=b.pk)
    assert stored.figures["ledger.projects"]["rows"] == sorted(
        [fig.item_a.pk, fig.item_b.pk, fig.item_c.pk, fig.item_x.pk]
    )


def test_annual_summary_with_no_institutions_leaves_the_clause_out(fig):
    # given: no leader liaises with an institution (its one leader now liaises with none), and
    # no reserve project is an industrial one
    Responsibility.objects.filter(unit__isnull=False).delete()
    Project.objects.filter(pk=fig.extra["r1"].pk).update(industry=Project.Industry.LIVELIHOOD)
    # when
    b = bulletin_generate(kind=Kind.ANNUAL, year=2024, month=None, by=fig.office)
    # then
    paragraphs = json.loads(to_json(b))["paragraphs"]
    text = "\n".join(paragraphs)
    assert "1位区级领导包联2家企业、1个项目，解决诉求1项" in text
    assert "已谋划储备项目2个，计划总投资50亿元。" in text
    body, _header = _docx_text(to_docx(b))
    html = to_html(b).decode()
    text_of_page, figures_of_page = html.split("<hr>")
    for written in (text, body, text_of_page):
        assert "高校及机构" not in written and "0所" not in written
        assert "其中产业项目" not in written
    # The zeros left out are still stored with the bulletin, with their (no) rows.
    stored = Bulletin.objects.get(pk=b.pk).figures
    assert stored["liaison.institutions"]["value"] == "0"
    assert stored["liaison.institutions"]["rows"] == []
    assert stored["reserve.industry.industry.projects"]["value"] == "0"
    assert 'id="fig-liaison.institutions"' in figures_of_page


def test_word_document_opens_with_its_text_tables_and_draft_mark(fig):
    b = bulletin_generate(kind=Kind.MONTHLY, year=2024, month=3, by=fig.office)
    body, header = _docx_text(to_docx(b))
    assert "2024年3月重点项目推进情况" in body
    assert "一、总体情况" in body
    assert "低于序时进度17.7个百分点" in body
    assert "省重点" in body and "7.3%" in body  # the by-level table
    assert "草稿" in header


def test_each_word_document_starts_from_the_same_blank_page():
    """Documents are copies of one blank document set up once: what one writes (its text, a
    draft mark in its headers) never shows in the next."""
    from duban.documents.gbt9704 import OfficialDocument

    def parts(data: bytes) -> dict[str, bytes]:
        """The document's parts (the zip's own dates are the time of writing)."""
        with zipfile.ZipFile(BytesIO(data)) as z:
            return {name: z.read(name) for name in z.namelist()}

    blank = parts(OfficialDocument().to_bytes())
    first = OfficialDocument()
    first.mark("草稿")
    first.title("第一份")
    first.table(["甲", "乙"], [["1", "2"]])
    body, header = _docx_text(first.to_bytes())
    assert "第一份" in body and "草稿" in header
    second = OfficialDocument()
    body, header = _docx_text(second.to_bytes())
    assert "第一份" not in body and "草稿" not in header
    assert parts(second.to_bytes()) == blank
    assert second.document.sections[0].page_width == first.document.sections[0].page_width


def test_a_closed_month_is_not_a_draft_and_can_be_published(
    fig, django_capture_on_commit_callbacks
):
    MonthlyReport.objects.update(state=MonthlyReport.State.ACCEPTED)
    month_close(period=Period(2024, 3), by=fig.office)
    b = bulletin_generate(kind=Kind.NOTICE, year=2024, month=3, by=fig.office)
    assert not b.draft
    _body, header = _docx_text(to_docx(b))
    assert "草稿" not in header
    with django_capture_on_commit_callbacks(execute=True):
        assert bulletin_publish(bulletin=b, by=fig.office).published_at is not None
    # The heads of units hear of it (notify subscribes to the event).
    heads = Notification.objects.filter(kind=NotificationKind.BULLETIN_PUBLISHED)
    assert heads.exists() and all(n.url == f"/bulletins/{b.pk}/" for n in heads)
    draft = bulletin_generate(kind=Kind.NOTICE, year=2024, month=4, by=fig.office)
    with pytest.raises(ApplicationError):
        bulletin_publish(bulletin=draft, by=fig.office)


def test_html_links_every_number_to_its_rows(fig):
    b = bulletin_generate(kind=Kind.SPECIAL, year=2024, month=3, by=fig.office)
    html = to_html(b).decode()
    assert '<a class="figure" href="#fig-starts.rate">66.7%</a>' in html
    assert 'id="fig-starts.rate"' in html
    assert '平均<a class="figure" href="#fig-starts.avg_days_early">推迟0.5天</a>' in html
    assert "草稿" in html


def test_json_schema(fig):
    b = bulletin_generate(kind=Kind.QUARTERLY, year=2024, month=2, by=fig.office)
    data = json.loads(to_json(b))
    assert data["month"] == 3  # the quarter's end
    assert set(data) >= {
        "kind",
        "title",
        "year",
        "month",
        "levels",
        "draft",
        "figures",
        "paragraphs",
    }
    for f in data["figures"]:
        assert set(f) >= {"key", "label", "definition", "value", "text", "rows", "row_model"}
        assert all(isinstance(r, int) for r in f["rows"])


def test_templates_are_editable_and_unknown_keys_refused(fig):
    template_save(
        kind=Kind.MONTHLY,
        title="{year}年{month}月简报",
        body="项目{ledger.projects}。",
        by=fig.office,
    )
    b = bulletin_generate(kind=Kind.MONTHLY, year=2024, month=3, by=fig.office)
    assert b.title == "2024年3月简报" and b.blocks[0]["parts"][1]["text"] == "4个"
    with pytest.raises(ApplicationError) as err:
        template_save(kind=Kind.MONTHLY, title="x", body="{no.such}", by=fig.office)
    assert "no.such" in str(err.value.message) and "ledger.projects" in str(err.value.message)
    with pytest.raises(ApplicationError):
        template_save(kind=Kind.MONTHLY, title="x", body="[[nothing]]", by=fig.office)
    with pytest.raises(ApplicationError):
        template_save(kind=Kind.MONTHLY, title="x", body="y", by=fig.head_a)


def test_levels_limit_the_bulletin(fig):
    b = bulletin_generate(
        kind=Kind.ANNUAL, year=2024, month=None, levels=("province", "city"), by=fig.office
    )
    assert "全区省市重点开工建设重点项目2个" in "".join(json.loads(to_json(b))["paragraphs"])


def test_cli_writes_each_format(fig, tmp_path):
    for suffix in (".json", ".docx", ".html"):
        out = tmp_path / f"b{suffix}"
        call_command(
            "bulletin",
            "monthly",
            "--period",
            "2024-03",
            "--levels",
            "省重点,市重点",
            "-o",
            str(out),
        )
        assert out.stat().st_size > 0
    data = json.loads((tmp_path / "b.json").read_text())
    assert data["levels"] == ["province", "city"] and data["draft"]
    call_command(
        "bulletin", "annual", "--period", "2024", "--unit", "a", "-o", str(tmp_path / "a.json")
    )
    assert json.loads((tmp_path / "a.json").read_text())["unit"] == "a"
    with pytest.raises(CommandError):
        call_command("bulletin", "monthly", "--period", "2024-13", "-o", str(tmp_path / "x.json"))
    with pytest.raises(CommandError):
        call_command(
            "bulletin",
            "monthly",
            "--period",
            "2024-03",
            "--levels",
            "国重点",
            "-o",
            str(tmp_path / "x.json"),
        )
    if libreoffice() is None:
        with pytest.raises(CommandError, match="LibreOffice"):
            call_command(
                "bulletin", "monthly", "--period", "2024-03", "-o", str(tmp_path / "x.pdf")
            )


def test_documents_list_at_most_the_limit_and_say_how_many(fig, monkeypatch):
    from duban.bulletins import lists
    from duban.bulletins.catalogue import FigureContext, FigureQuery

    ctx = FigureContext(FigureQuery(2024, 3))
    full = [lists.red_items(ctx), lists.yellow_items(ctx)]
    block = max(full, key=lambda b: len(b.row_ids))
    assert len(block.row_ids) >= 1
    monkeypatch.setattr(lists, "LIST_LIMIT", 0)
    cut = lists.red_items(ctx) if block is full[0] else lists.yellow_items(ctx)
    assert cut.row_ids == block.row_ids  # every row still behind the list
    assert cut.lines == (
        (f"（共{len(block.row_ids)}项，此处列出前0项，完整名单见网页版明细。）", "", ""),
    )


def test_the_offices_way_of_writing_figures_is_a_setting(fig, settings):
    # given: an office that keeps the trailing zeros (46.20亿元) and writes growth as 倍
    settings.DUBAN_FIGURES_DROP_ZEROS = False
    settings.DUBAN_FIGURES_TIMES_FROM_100 = True
    b = bulletin_generate(kind=Kind.ANNUAL, year=2024, month=None, by=fig.office)
    text = "\n".join(json.loads(to_json(b))["paragraphs"])
    # then: the text, the stored figures and the Word document all write them so
    assert "计划总投资50.00亿元，其中产业项目1个，计划总投资30.00亿元" in text
    assert "同比重点项目数增长33.3%，累计完成投资下降72.0%" in text
    assert Bulletin.objects.get(pk=b.pk).figures["reserve.total_investment"]["text"] == (
        "50.00亿元"
    )
    assert "计划总投资50.00亿元" in _docx_text(to_docx(b))[0]
    # and the default drops them again once the setting is back
    settings.DUBAN_FIGURES_DROP_ZEROS = True
    again = bulletin_generate(kind=Kind.ANNUAL, year=2024, month=None, by=fig.office)
    assert "计划总投资50亿元" in "\n".join(json.loads(to_json(again))["paragraphs"])


def test_without_last_years_ledger_the_summary_leaves_out_the_comparison(fig):
    # given: 2023's ledger in duban, none for 2022
    b = bulletin_generate(kind=Kind.ANNUAL, year=2023, month=None, by=fig.office)
    text = "\n".join(json.loads(to_json(b))["paragraphs"])
    # then: the sentence ends at the year's figures, never inventing a change or saying
    # "同比无2022年台账"; the stored figure says why there is none
    first = text.splitlines()[0]
    assert "同比" not in first and "完成投资" in first
    assert b.figures["yoy.projects"]["text"] == "无2022年台账，不计算同比"

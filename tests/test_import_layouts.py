"""Layouts that real published files have, in every format offices send them."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from duban.ledger.models import Project, WorkItem
from duban.org.models import Unit, User
from duban.reporting.models import MonthlyReport
from duban.sheets.errors import SheetFileError
from duban.sheets.html import MAX_CELLS, html_tables
from duban.sheets.reader import workbook_read
from duban.sheets.tables import workbook_load
from duban.transfer.imports.service import ledger_import
from tests import factories as f
from tests.layout_fixtures import (
    FORMATS,
    cumulative,
    grouped,
    reserve_without_units,
    stacked,
    write,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return {
        code: f.UnitFactory(code=code, name=name, short_name=short)
        for code, name, short in (
            ("fgj", "示例区发展和改革局", "发改局"),
            ("zjj", "示例区住房和城乡建设局", "住建局"),
            ("jyj", "示例区教育局", "教育局"),
        )
    }


@pytest.fixture
def office(units):
    return f.UserFactory(role=User.Role.OFFICE, unit=units["fgj"])


def run(content: bytes, name: str, office, **kwargs):
    return ledger_import(content=content, file_name=name, by=office, **kwargs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_group_labels_outside_the_name_column_and_a_notes_row(fmt, office, tmp_path):
    content, name = write(grouped(), fmt, tmp_path)
    result = run(content, name, office)
    assert result.ok and result.applied, [str(e) for e in result.errors]
    assert result.counts()["create"] == 3
    assert result.book.tables[0].title == "2024年示例区重点项目推进情况表(截至3月底)"
    assert [g for _r, g in result.book.tables[0].groups] == ["在建一批", "一 农林水利"]
    reservoir = WorkItem.objects.get(title="示例丙水库")
    assert reservoir.annual_plan == Decimal("600")
    assert reservoir.reports.get(month=3).investment_month == Decimal("100")


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_tables_on_one_sheet(fmt, office, tmp_path):
    content, name = write(stacked(), fmt, tmp_path)
    result = run(content, name, office)
    assert result.ok and result.applied, [str(e) for e in result.errors]
    first, second = result.book.tables
    assert [r.values["name"] for r in first.rows] == ["示例甲厂房", "示例乙道路"]
    assert second.title == "2024年示例区储备项目清单"
    reserve = Project.objects.get(name="示例储备丁")
    assert reserve.total_investment == Decimal("15000")  # 1.5 亿元, from its own unit row
    assert reserve.stage == Project.Stage.RESERVE


@pytest.mark.parametrize("fmt", FORMATS)
def test_cumulative_without_month_is_since_start_and_category_is_industry(fmt, office, tmp_path):
    content, name = write(cumulative(), fmt, tmp_path)
    result = run(content, name, office)
    assert result.ok and result.applied, [str(e) for e in result.errors]
    assert not [w for w in result.warnings if "建设性质" in w.reason]
    plant = WorkItem.objects.get(title="示例甲厂房")
    # no report this year: all of it lies before the year
    assert plant.prior_cumulative == Decimal("1800")
    assert MonthlyReport.objects.count() == 0
    industries = dict(Project.objects.values_list("name", "industry"))
    assert industries == {
        "示例甲厂房": Project.Industry.INDUSTRY,
        "示例乙道路": Project.Industry.INFRASTRUCTURE,
        "示例丙学校": Project.Industry.LIVELIHOOD,
    }


def test_since_start_is_prior_plus_the_year(office, tmp_path):
    # given March's 300 counted for 示例甲厂房 (1-3月 stays the year to date)
    content, name = write(grouped(), "xlsx", tmp_path)
    assert run(content, name, office).applied
    # when a table says 累计完成投资 1800 for it
    content, name = write(cumulative(), "xlsx", tmp_path)
    result = run(content, name, office)
    # then the years before are 1800 − 300
    assert result.ok
    assert WorkItem.objects.get(title="示例甲厂房").prior_cumulative == Decimal("1500")


def test_year_parent_cumulative_is_the_year_to_date(office):
    from duban.sheets.aliases import alias_table, column_meaning

    table = alias_table({})
    assert column_meaning(["2024年度", "累计完成投资"], table).field == "ytd_investment"
    assert column_meaning(["累计完成投资"], table).field == "since_start"
    assert column_meaning(["开工以来累计完成投资"], table).field == "since_start"
    assert column_meaning(["1-3月累计完成投资"], table).month == 3


def test_completed_above_total_warns_unless_yuan_typed_as_wan(office, tmp_path):
    content, name = write(cumulative(total=1500), "xlsx", tmp_path)
    stale = run(content, name, office, dry_run=True)
    assert stale.ok
    assert any(w.row == 3 and "总投资可能需要更新" in w.reason for w in stale.warnings)
    content, name = write(cumulative(total=1.2), "xlsx", tmp_path)
    slip = run(content, name, office, dry_run=True)
    assert not slip.ok
    assert "元" in slip.errors[0].reason and slip.errors[0].row == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_reserve_list_without_unit_column(fmt, office, units, tmp_path):
    content, name = write(reserve_without_units(), fmt, tmp_path)
    result = run(content, name, office)
    assert result.ok and result.applied and result.unassigned == 2
    assert set(WorkItem.objects.values_list("lead_unit__code", flat=True)) == {"unassigned"}
    assert Unit.objects.get(code="unassigned").assessed is False


def test_html_table_bounds_what_a_hostile_file_costs():
    huge = b"<html><table><tr>" + b'<td colspan="100000" rowspan="100000">x</td>' * 60
    with pytest.raises(SheetFileError, match="太大"):
        html_tables(huge + b"</tr></table></html>")
    assert MAX_CELLS < 200 * 200 * 60
    nested = b"<table><tr><td><table><tr><td>inner</td></tr></table></td><td>2</td></tr></table>"
    [(_name, grid, _merged)] = html_tables(nested)
    assert grid == [["inner", 2]]


def test_html_in_gbk_and_utf8_reads(office):
    page = "<html><body><table><tr><td>序号</td><td>项目名称</td><td>责任单位</td></tr>"
    page += "<tr><td>1</td><td>示例甲</td><td>发改局</td></tr></table></body></html>"
    for encoded in (
        page.encode("utf-8"),
        b"\xef\xbb\xbf" + page.encode("utf-8"),
        page.replace("<html>", '<html><meta charset="gbk">').encode("gbk"),
    ):
        book = workbook_read(encoded, file_name="导出.xls")
        assert book.kind == "html"
        assert book.sheets[0].rows[1][1] == "示例甲"


def test_et_file_that_calamine_reads(office):
    data = Path(__file__).parent / "data" / "ledger.xls"
    book = workbook_load(data.read_bytes(), file_name="台账.et", aliases={})
    assert book.tables and book.tables[0].rows


def test_header_repeated_on_every_page_continues_the_table(office, tmp_path):
    from tests.layout_fixtures import HEADER, Layout

    rows = [
        ["2024年示例区重点项目推进情况表（截至3月底）", "", "", "", "", "", ""],
        ["单位：亿元", "", "", "", "", "", ""],
        HEADER,
        [1, "示例甲厂房", "区发改局", 0.5, 0.1, 0.03, "主体施工"],
        HEADER,
        [2, "示例乙道路", "区住建局", 0.8, 0.2, 0.05, "路基施工"],
    ]
    content, name = write(Layout(rows), "xlsx", tmp_path)
    result = run(content, name, office)
    assert result.ok and result.applied, [str(e) for e in result.errors]
    assert [t.year for t in result.book.tables] == [2024, 2024]
    road = WorkItem.objects.get(title="示例乙道路")
    assert road.annual_plan == Decimal("2000")  # still 亿元
    assert road.reports.get(month=3).investment_month == Decimal("500")

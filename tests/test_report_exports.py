"""The month's reports in the office layout, and the leader's-scope ledger export (CLI)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from duban.core.periods import Period
from duban.reporting.models import MonthlyReport
from duban.transfer.report_exports import reports_export
from tests import factories as f

S = MonthlyReport.State
MARCH = Period(2024, 3)


@pytest.fixture
def reported(district):
    """item_a: Feb 800 submitted, March 1200 draft; item_b: March 300 submitted; others none."""
    f.ReportFactory(work_item=district.item_a, month=2, investment_month=Decimal("800"))
    f.ReportFactory(
        work_item=district.item_a,
        month=3,
        investment_month=Decimal("1200"),
        state=S.DRAFT,
        progress_text="=SUM(A1:A9)",
    )
    f.ReportFactory(work_item=district.item_b, month=3, investment_month=Decimal("300"))
    return district


def _rows(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows(min_row=1)]


def test_reports_export_district_wide_has_the_office_layout(reported):
    d = reported
    # when
    wb = load_workbook(BytesIO(reports_export(period=MARCH)))
    # then
    ws = wb["3月项目月报"]
    assert ws["A1"].value == "2024年3月重点项目推进情况月报"
    assert "A1:N1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "填报单位：区重点项目推进办公室" and ws["N2"].value == "单位：万元"
    assert ws["E3"].value == "2024年" and ws["F4"].value == "3月完成投资"
    assert ws["G4"].value == "1-3月累计完成投资"
    # 合计 of real values: the month's figures as written; the year to date counts only
    # submitted and accepted reports (the progress core): item_a's March draft is not in it
    total = ws[5]
    assert total[2].value == "合计"
    assert total[5].value == Decimal("1500") and total[6].value == Decimal("1100")
    by_name = {r[2]: r for r in _rows(ws) if r[2]}
    row_a = by_name[d.item_a.project.name]
    assert (row_a[5], row_a[6], row_a[13]) == (Decimal("1200"), Decimal("800"), "草稿")
    assert by_name[d.item_x.project.name][13] == "未报"
    # a text starting with = is text, never a formula
    formula_cell = next(c for c in ws["K"] if c.value == "=SUM(A1:A9)")
    assert formula_cell.data_type == "s"
    # tasks on their own sheet
    assert "优化营商环境" in {c.value for c in wb["3月工作月报"]["B"]}


def test_reports_export_of_one_unit_holds_only_its_items(reported):
    d = reported
    wb = load_workbook(BytesIO(reports_export(period=MARCH, unit=d.unit_b)))
    names = {c.value for c in wb.worksheets[0]["C"]}
    assert d.item_b.project.name in names and d.item_a.project.name not in names
    assert wb.worksheets[0]["A2"].value == "填报单位：区住建局"


def test_cli_export_reports_office_layout_and_fill_workbook(reported, tmp_path):
    out = tmp_path / "月报.xlsx"
    # the office layout, district-wide
    call_command("export", "reports", "--period", "2024-03", "--layout", "office", "-o", str(out))
    assert load_workbook(out).worksheets[0]["A1"].value == "2024年3月重点项目推进情况月报"
    # the fill-in workbook needs a unit
    with pytest.raises(CommandError) as e:
        call_command("export", "reports", "--period", "2024-03", "-o", str(out))
    assert e.value.returncode == 2
    call_command("export", "reports", "--period", "2024-03", "--unit", "a", "-o", str(out))
    assert load_workbook(out)["_duban"]["B1"].value == "a"
    with pytest.raises(CommandError) as e:
        call_command(
            "export", "reports", "--period", "2024-3x", "--layout", "office", "-o", str(out)
        )
    assert e.value.returncode == 2


def test_cli_export_ledger_for_a_leaders_scope(reported, tmp_path):
    d = reported
    out = tmp_path / "台账.xlsx"
    # the leader is in charge of unit a: unit a's items and those it co-operates on
    call_command("export", "ledger", "--year", "2024", "--user", "leader", "-o", str(out))
    names = {c.value for c in load_workbook(out).worksheets[0]["C"]}
    assert d.item_a.project.name in names and d.item_b.project.name in names
    assert d.item_c.project.name not in names and d.item_x.project.name not in names
    with pytest.raises(CommandError) as e:
        call_command("export", "ledger", "--year", "2024", "--user", "nobody", "-o", str(out))
    assert e.value.returncode == 2

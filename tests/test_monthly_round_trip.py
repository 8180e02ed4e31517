"""The monthly round trip: download the unit's workbook, fill it offline, upload it back."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from duban.core.periods import Period
from duban.reporting.models import MonthClose, MonthlyReport
from duban.transfer.imports.monthly import monthly_import, monthly_target, monthly_workbook
from tests import factories as f

MARCH = Period(2024, 3)


def fill(content: bytes, **cells) -> bytes:
    wb = load_workbook(BytesIO(content))
    ws = wb["3月月报"]
    for ref, value in cells.items():
        ws[ref] = value
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_workbook_lists_the_units_items_with_last_month_beside(district):
    # given February counted for item_a
    f.ReportFactory(
        work_item=district.item_a,
        month=2,
        investment_month=Decimal("800"),
        progress_text="基础施工",
    )
    # when
    wb = load_workbook(BytesIO(monthly_workbook(unit=district.unit_a, period=MARCH)))
    # then
    ws = wb["3月月报"]
    assert ws["A5"].value == district.item_a.pk
    assert ws["C5"].value == "发改项目甲"
    assert ws["F3"].value == "1-2月累计完成投资" and ws["F5"].value == Decimal("800")
    assert ws["G5"].value == "基础施工"
    assert ws.protection.sheet is True
    assert ws["A5"].protection.locked and not ws["H5"].protection.locked
    assert wb["_duban"].sheet_state == "hidden"


def test_filled_workbook_saves_drafts_or_submits(district):
    content = fill(monthly_workbook(unit=district.unit_a, period=MARCH), H5=1234.5, I5="主体封顶")
    # when the reporter uploads it as drafts
    result = monthly_import(
        content=content,
        file_name="m.xlsx",
        by=district.reporter_a,
        unit=district.unit_a,
        period=MARCH,
    )
    # then
    assert result.errors == [] and result.saved == 1
    report = MonthlyReport.objects.get(work_item=district.item_a, month=3)
    assert (report.state, report.investment_month, report.progress_text) == (
        "draft",
        Decimal("1234.5"),
        "主体封顶",
    )
    # when the head uploads it again, submitting
    result = monthly_import(
        content=content,
        file_name="m.xlsx",
        by=district.head_a,
        unit=district.unit_a,
        period=MARCH,
        submit=True,
    )
    report.refresh_from_db()
    assert result.submitted == 1
    assert report.state == MonthlyReport.State.SUBMITTED


def test_file_for_another_unit_or_period_or_closed_month_is_refused(district):
    content = monthly_workbook(unit=district.unit_b, period=MARCH)
    other_unit = monthly_import(
        content=content,
        file_name="m.xlsx",
        by=district.reporter_a,
        unit=district.unit_a,
        period=MARCH,
    )
    assert "不是区发改局的" in str(other_unit.errors[0])
    other_period = monthly_import(
        content=content,
        file_name="m.xlsx",
        by=district.reporter_b,
        unit=district.unit_b,
        period=Period(2024, 2),
    )
    assert "不是2024年2月的" in str(other_period.errors[0])
    MonthClose.objects.create(year=2024, month=3, closed_by=district.office)
    closed = monthly_import(
        content=content,
        file_name="m.xlsx",
        by=district.reporter_b,
        unit=district.unit_b,
        period=MARCH,
    )
    assert "已关账" in str(closed.errors[0])
    assert not MonthlyReport.objects.exists()


def test_a_bad_row_writes_nothing(district):
    content = fill(
        monthly_workbook(unit=district.unit_b, period=MARCH),
        H5=100,
        I5="施工",
        A6=district.item_a.pk,
        H6=50,
    )
    result = monthly_import(
        content=content,
        file_name="m.xlsx",
        by=district.reporter_b,
        unit=district.unit_b,
        period=MARCH,
    )
    assert [e.cell_ref for e in result.errors] == ["A6"]
    assert "不属于本单位" in result.errors[0].reason
    assert not MonthlyReport.objects.exists()


def test_cli_reports_round_trip(district, tmp_path):
    out = tmp_path / "march.xlsx"
    call_command("export", "reports", "--period", "2024-03", "--unit", "a", "-o", str(out))
    out.write_bytes(fill(out.read_bytes(), H5=10, I5="开工准备"))
    assert monthly_target(out.read_bytes(), file_name=out.name) == (district.unit_a, MARCH)
    call_command("import", "reports", str(out), "--user", "reporter_a")
    assert MonthlyReport.objects.get(
        work_item=district.item_a, month=3
    ).investment_month == Decimal("10")
    with pytest.raises(CommandError) as e:
        call_command("export", "reports", "--period", "2024-13", "--unit", "a", "-o", str(out))
    assert e.value.returncode == 2

"""A closed month's figures in a ledger: skipped and listed by default; corrections through
reporting's report_correct when the office ticks it (the closed snapshot stays)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.org.models import Unit, User
from duban.reporting.models import MonthClose, MonthlyReport, ReportCorrection
from duban.transfer.imports.service import ledger_import
from tests import factories as f
from tests.layout_fixtures import monthly_plan, write
from tests.sheets_fixtures import ROWS, ledger_book, to_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    for name in ["区发改局", "区教育局", "区工信局", "区住建局", "区商务局", "新华街道"]:
        f.UnitFactory(name=name)
    return f.UserFactory(role=User.Role.OFFICE, unit=Unit.objects.get(name="区发改局"))


def run(content: bytes, by, **kwargs):
    return ledger_import(content=content, file_name="台账.xlsx", by=by, **kwargs)


def march_closed_with_new_figure(office) -> MonthlyReport:
    """March's figures imported, March closed, then a ledger with a new March figure for the
    first row (8200.5 → 9999)."""
    assert run(to_bytes(ledger_book()), office).applied
    MonthClose.objects.create(year=2024, month=3, closed_by=office)
    return MonthlyReport.objects.get(work_item__title="智能制造产业园", month=3)


def changed_rows() -> bytes:
    rows = [list(r) for r in ROWS]
    rows[0][6] = 9999
    return to_bytes(ledger_book(rows=rows))


def test_closed_month_figure_imports_as_a_correction_when_the_office_ticks_it(office):
    report = march_closed_with_new_figure(office)
    # when: a dry run first
    preview = run(changed_rows(), office, correct_closed=True, dry_run=True)
    # then the row says what it will correct and from when it counts; nothing written
    assert preview.ok
    row = next(r for r in preview.rows if r.row == 7)
    assert row.action == "update"
    assert any("更正" in c and "8200.5 → 9999" in c and "2024年4月" in c for c in row.changes)
    assert not ReportCorrection.objects.exists()
    # when: for real
    result = run(changed_rows(), office, correct_closed=True)
    # then one correction through report_correct: the report holds the new figure, counted
    # from April; the other rows' figures are the same, so no other correction
    assert result.applied, [str(e) for e in result.errors]
    correction = ReportCorrection.objects.get()
    assert correction.report_id == report.pk and correction.by == office
    assert (correction.counted_from_year, correction.counted_from_month) == (2024, 4)
    assert "台账" in correction.reason
    report.refresh_from_db()
    assert report.investment_month == Decimal("9999")
    assert any(w.row == 7 and "按更正导入" in w.reason for w in result.warnings)
    # and importing the same file again corrects nothing more
    again = run(changed_rows(), office, correct_closed=True)
    assert again.applied and ReportCorrection.objects.count() == 1


def test_closed_month_figures_are_skipped_and_listed_by_default(office):
    report = march_closed_with_new_figure(office)
    result = run(changed_rows(), office)
    assert result.applied
    report.refresh_from_db()
    assert report.investment_month == Decimal("8200.5")
    assert not ReportCorrection.objects.exists()
    assert any(w.row == 7 and "已关账" in w.reason for w in result.warnings)


def test_closed_month_without_a_submitted_report_is_skipped_with_a_row_message(office):
    # given March closed before any report: nothing to correct
    MonthClose.objects.create(year=2024, month=3, closed_by=office)
    result = run(to_bytes(ledger_book()), office, correct_closed=True)
    assert result.applied
    assert MonthlyReport.objects.count() == 0 and not ReportCorrection.objects.exists()
    skipped = [w for w in result.warnings if "没有已报送的月报可更正" in w.reason]
    assert len(skipped) == len(ROWS)


def test_month_columns_of_a_closed_month_are_corrected_too(office, tmp_path):
    # given January's figure imported from month columns, then January closed
    content, name = write(monthly_plan(), "xlsx", tmp_path)
    assert ledger_import(content=content, file_name=name, by=office).applied
    item = WorkItem.objects.get(title="示例甲厂房")
    january = MonthlyReport.objects.get(work_item=item, month=1)
    MonthClose.objects.create(year=2024, month=1, closed_by=office)
    plans = [
        [1, "示例甲厂房", "区发改局", 1200, *[100] * 12, 777, 110, 100],
        [2, "示例乙道路", "区住建局", 2400, *[200] * 12, 150, 0, 250],
    ]
    changed, name = write(monthly_plan(plans=plans), "xlsx", tmp_path)
    # when
    result = ledger_import(content=changed, file_name=name, by=office, correct_closed=True)
    # then
    assert result.applied, [str(e) for e in result.errors]
    january.refresh_from_db()
    assert january.investment_month == Decimal("777")
    correction = ReportCorrection.objects.get(report=january)
    assert (correction.counted_from_year, correction.counted_from_month) == (2024, 2)


def test_only_the_office_may_import_corrections(office):
    reporter = f.UserFactory(role=User.Role.REPORTER, unit=Unit.objects.get(name="区发改局"))
    with pytest.raises(ApplicationError):
        run(to_bytes(ledger_book()), reporter, correct_closed=True)
    with pytest.raises(ApplicationError):
        run(to_bytes(ledger_book()), None, correct_closed=True)
    assert Period(2024, 3)  # nothing else to assert: refused before reading the file


def test_cli_corrects_a_closed_month_only_for_an_office_user(office, tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    march_closed_with_new_figure(office)
    path = tmp_path / "台账.xlsx"
    path.write_bytes(changed_rows())
    # without an office user: refused as misuse, nothing written
    with pytest.raises(CommandError) as refused:
        call_command("import", "ledger", str(path), "--correct-closed", stdout=StringIO())
    assert refused.value.returncode == 2
    assert not ReportCorrection.objects.exists()
    # with one: the correction is written
    out = StringIO()
    call_command(
        "import", "ledger", str(path), "--correct-closed", "--user", office.username, stdout=out
    )
    assert "导入完成" in out.getvalue()
    assert ReportCorrection.objects.get().report.investment_month == Decimal("9999")


def test_the_upload_page_offers_corrections_and_carries_the_choice_to_confirm(office, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    march_closed_with_new_figure(office)
    client = login(office)
    page = client.get("/ledger/import/")
    assert 'name="correct_closed"' in page.content.decode()
    response = client.post(
        "/ledger/import/",
        {"file": SimpleUploadedFile("台账.xlsx", changed_rows()), "correct_closed": "on"},
    )
    assert "8200.5 → 9999" in response.content.decode() and not ReportCorrection.objects.exists()
    confirm = response.context["confirm"]
    fields = {k: v for k, v in confirm.initial.items() if v not in (None, False)}
    assert fields["correct_closed"] is True
    assert client.post("/ledger/import/confirm/", fields).status_code == 302
    assert ReportCorrection.objects.get().report.investment_month == Decimal("9999")

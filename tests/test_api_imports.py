"""/api/v1/ledger-imports, /ledger-export, /monthly-workbook: the same services as the pages."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from duban.core.periods import Period
from duban.ledger.imports.monthly import monthly_workbook
from duban.ledger.models import LedgerImport, Project
from duban.org.services import api_token_create
from duban.reporting.models import MonthClose, MonthlyReport
from tests import factories as f
from tests.sheets_fixtures import ledger_book, to_bytes

MARCH = Period(2024, 3)


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


@pytest.fixture
def units(district):
    for name in ("区商务局", "新华街道"):
        f.UnitFactory(name=name)
    return district


def post_ledger(client: Client, content: bytes, **data):
    return client.post(
        "/api/v1/ledger-imports", {"file": SimpleUploadedFile("台账.xlsx", content), **data}
    )


def fill(content: bytes, **cells) -> bytes:
    wb = load_workbook(BytesIO(content))
    for ref, value in cells.items():
        wb["3月月报"][ref] = value
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def post_monthly(client: Client, content: bytes, **data):
    return client.post(
        "/api/v1/monthly-workbook", {"file": SimpleUploadedFile("月报.xlsx", content), **data}
    )


# ledger imports


def test_api_ledger_import_dry_run_previews_then_imports(units):
    client = api(units.office)
    content = to_bytes(ledger_book())
    # when: a dry run
    response = post_ledger(client, content, dry_run="true")
    # then: the preview, nothing written
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["dry_run"] is True and body["applied"] is False
    assert body["year"] == 2024 and body["counts"]["create"] == len(body["rows"]) > 0
    assert Project.objects.filter(name="智能制造产业园").count() == 0
    # when: for real
    response = post_ledger(client, content)
    # then
    assert response.status_code == 200, response.content
    assert response.json()["applied"] is True
    assert Project.objects.filter(name="智能制造产业园").count() == 1


def test_api_ledger_import_with_errors_answers_422_and_writes_nothing(district):
    # given: 区商务局 and 新华街道 don't exist
    response = post_ledger(api(district.office), to_bytes(ledger_book()))
    # then
    assert response.status_code == 422
    body = response.json()
    assert "未导入任何数据" in body["detail"]
    assert body["result"]["applied"] is False and body["result"]["errors"]
    assert "区商务局" in body["result"]["missing_units"]
    assert Project.objects.filter(name="智能制造产业园").count() == 0


def test_api_ledger_import_of_a_non_spreadsheet_answers_422(district):
    response = post_ledger(api(district.office), b"plain text")
    assert response.status_code == 422
    assert response.json()["result"]["errors"][0]["message"]


def test_api_ledger_import_is_for_the_office_only(district):
    content = to_bytes(ledger_book())
    for user in (district.head_a, district.leader, district.reporter_b):
        assert post_ledger(api(user), content).status_code == 403
        assert api(user).get("/api/v1/ledger-imports").status_code == 403
    assert not LedgerImport.objects.exists()


def test_api_ledger_import_history_lists_the_imports(units):
    client = api(units.office)
    post_ledger(client, to_bytes(ledger_book()), dry_run="true")
    # when
    response = client.get("/api/v1/ledger-imports")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    record = body["items"][0]
    assert record["outcome"] == "preview" and record["by"]["username"] == "office"
    assert client.get("/api/v1/ledger-imports", {"page_size": 0}).status_code == 422


# ledger export


def test_api_ledger_export_is_the_office_layout_in_scope(district):
    # when the office exports unit b
    response = api(district.office).get(
        "/api/v1/ledger-export", {"year": 2024, "unit": district.unit_b.pk}
    )
    # then
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).worksheets[0]
    a, b, c = (i.project.name for i in (district.item_a, district.item_b, district.item_c))
    names = {cell.value for cell in ws["C"]}
    assert {b, c} <= names and a not in names
    # when reporter a exports without a unit: only what unit a sees (its own and co-operated)
    response = api(district.reporter_a).get("/api/v1/ledger-export", {"year": 2024})
    names = {cell.value for cell in load_workbook(BytesIO(response.content)).worksheets[0]["C"]}
    assert a in names and b in names and c not in names


def test_api_ledger_export_of_an_out_of_scope_unit_is_404(district):
    response = api(district.reporter_b).get(
        "/api/v1/ledger-export", {"year": 2024, "unit": district.unit_a.pk}
    )
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}
    assert (
        api(district.office).get("/api/v1/ledger-export", {"year": 2024, "unit": 99999}).status_code
        == 404
    )


def test_api_ledger_export_needs_a_year(district):
    response = api(district.office).get("/api/v1/ledger-export")
    assert response.status_code == 422


def test_api_reports_export_is_scoped(district):
    # the office, one unit
    response = api(district.office).get(
        "/api/v1/reports-export", {"period": "2024-03", "unit": district.unit_b.pk}
    )
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).worksheets[0]
    assert (
        ws["A1"].value == "2024年3月重点项目推进情况月报" and ws["A2"].value == "填报单位：区住建局"
    )
    # reporter b, without a unit: only unit b's items
    response = api(district.reporter_b).get("/api/v1/reports-export", {"period": "2024-03"})
    names = {cell.value for cell in load_workbook(BytesIO(response.content)).worksheets[0]["C"]}
    assert district.item_b.project.name in names and district.item_a.project.name not in names
    # another unit: 404; a bad period: 422
    assert (
        api(district.reporter_b).get(
            "/api/v1/reports-export", {"period": "2024-03", "unit": district.unit_a.pk}
        )
    ).status_code == 404
    assert (
        api(district.office).get("/api/v1/reports-export", {"period": "03-2024"}).status_code == 422
    )


# monthly workbook


def test_api_monthly_workbook_download_defaults_to_own_unit_and_reporting_period(district):
    response = api(district.reporter_a).get("/api/v1/monthly-workbook")
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    assert wb["_duban"]["B1"].value == "a" and wb["_duban"]["B2"].value == "2024-03"
    assert wb["3月月报"]["C5"].value == "发改项目甲"


def test_api_monthly_workbook_download_scope_and_role(district):
    # another unit: 404; a leader: 403; the office without a unit: 422
    assert (
        api(district.reporter_a).get("/api/v1/monthly-workbook", {"unit": district.unit_b.pk})
    ).status_code == 404
    assert api(district.leader).get("/api/v1/monthly-workbook").status_code == 403
    assert api(district.office).get("/api/v1/monthly-workbook").status_code == 422
    office = api(district.office).get("/api/v1/monthly-workbook", {"unit": district.unit_b.pk})
    assert office.status_code == 200


def test_api_monthly_workbook_download_refuses_a_closed_or_malformed_period(district):
    MonthClose.objects.create(year=2024, month=3, closed_by=district.office)
    client = api(district.reporter_a)
    response = client.get("/api/v1/monthly-workbook", {"period": "2024-03"})
    assert response.status_code == 422 and "已关账" in response.json()["detail"]
    assert client.get("/api/v1/monthly-workbook", {"period": "2024-13"}).status_code == 422


def test_api_monthly_workbook_upload_saves_drafts_or_submits(district):
    content = fill(monthly_workbook(unit=district.unit_a, period=MARCH), H5=1234.5, I5="主体封顶")
    # when a reporter uploads it
    response = post_monthly(api(district.reporter_a), content)
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["saved"], body["submitted"], body["period"]) == (1, 0, "2024-03")
    assert body["rows"] == [{"row": 5, "title": "发改项目甲", "created": True, "submitted": False}]
    report = MonthlyReport.objects.get(work_item=district.item_a, year=2024, month=3)
    assert (report.state, report.investment_month) == ("draft", Decimal("1234.5"))
    # when the office uploads it submitting, unit and period taken from the file
    response = post_monthly(api(district.office), content, submit="true")
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert report.state == MonthlyReport.State.SUBMITTED


def test_api_monthly_workbook_upload_with_a_bad_row_answers_422(district):
    content = fill(
        monthly_workbook(unit=district.unit_b, period=MARCH),
        H5=100,
        A6=district.item_a.pk,
        H6=50,
    )
    response = post_monthly(api(district.reporter_b), content)
    assert response.status_code == 422
    errors = response.json()["result"]["errors"]
    assert errors[0]["row"] == 6 and errors[0]["column"] == "A"
    assert not MonthlyReport.objects.exists()


def test_api_monthly_workbook_upload_refuses_another_units_file(district):
    content = fill(monthly_workbook(unit=district.unit_b, period=MARCH), H5=100)
    # a reporter of unit a uploading unit b's file (as their own unit): refused with the message
    response = post_monthly(api(district.reporter_a), content)
    assert response.status_code == 422
    assert "不是区发改局的" in response.json()["result"]["errors"][0]["message"]
    # naming unit b outright: 404; a leader: 403
    assert (
        post_monthly(api(district.reporter_a), content, unit=district.unit_b.pk).status_code == 404
    )
    assert post_monthly(api(district.leader), content).status_code == 403
    assert not MonthlyReport.objects.exists()

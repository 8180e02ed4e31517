"""/ledger/import/monthly/: a unit downloads its month's workbook and uploads it back filled."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from duban.core.periods import Period
from duban.reporting.models import MonthClose, MonthlyReport
from duban.transfer.imports.monthly import monthly_workbook

MARCH = Period(2024, 3)
URL = "/ledger/import/monthly/"


def fill(content: bytes, sheet: str = "3月月报", **cells) -> bytes:
    wb = load_workbook(BytesIO(content))
    for ref, value in cells.items():
        wb[sheet][ref] = value
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, content: bytes, *, unit, period: str = "2024-03", action: str = "draft"):
    return client.post(
        URL,
        {
            "file": SimpleUploadedFile("月报.xlsx", content),
            "unit": unit.pk,
            "period": period,
            "action": action,
        },
    )


def test_monthly_page_defaults_to_the_reporting_period_of_the_users_unit(district, login):
    # when
    response = login(district.reporter_a).get(URL)
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "区发改局" in body and "2024年3月" in body
    assert f"?unit={district.unit_a.pk}&amp;period=2024-03" in body


def test_monthly_download_is_the_units_workbook(district, login):
    # when
    response = login(district.head_a).get(
        f"{URL}download/", {"unit": district.unit_a.pk, "period": "2024-02"}
    )
    # then
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.content))
    assert wb["2月月报"]["C5"].value == "发改项目甲"
    assert wb["_duban"]["B1"].value == "a" and wb["_duban"]["B2"].value == "2024-02"


def test_monthly_upload_saves_drafts_and_lists_them(district, login):
    content = fill(monthly_workbook(unit=district.unit_a, period=MARCH), H5=1234.5, I5="主体封顶")
    # when
    response = upload(login(district.reporter_a), content, unit=district.unit_a)
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert "已保存1份月报，其中报送0份。" in body and "发改项目甲" in body and "新增" in body
    report = MonthlyReport.objects.get(work_item=district.item_a, year=2024, month=3)
    assert (report.state, report.investment_month) == ("draft", Decimal("1234.5"))


def test_monthly_upload_submits_when_asked(district, login):
    content = fill(monthly_workbook(unit=district.unit_a, period=MARCH), H5=10, I5="开工")
    # when the head submits
    response = upload(login(district.head_a), content, unit=district.unit_a, action="submit")
    # then
    assert response.status_code == 200
    report = MonthlyReport.objects.get(work_item=district.item_a, year=2024, month=3)
    assert report.state == MonthlyReport.State.SUBMITTED


def test_monthly_upload_with_errors_writes_nothing_and_offers_the_error_workbook(district, login):
    content = fill(
        monthly_workbook(unit=district.unit_b, period=MARCH),
        H5=100,
        I5="施工",
        A6=district.item_a.pk,  # another unit's item
        H6=50,
    )
    client = login(district.reporter_b)
    # when
    response = upload(client, content, unit=district.unit_b)
    # then
    body = response.content.decode()
    assert "未保存任何月报" in body and "事项编号不属于本单位本年度的台账" in body
    assert not MonthlyReport.objects.exists()
    link = response.context["errors_url_sha"]
    errors = client.get(f"{URL}{district.unit_b.pk}/{link}/errors.xlsx")
    assert errors.status_code == 200
    assert load_workbook(BytesIO(errors.content)).sheetnames[0] != "3月月报"
    # and another unit's user can't fetch it
    other = login(district.reporter_a).get(f"{URL}{district.unit_b.pk}/{link}/errors.xlsx")
    assert other.status_code == 404


def test_monthly_upload_refuses_another_units_file_or_a_closed_month(district, login):
    client = login(district.reporter_a)
    other_unit = monthly_workbook(unit=district.unit_b, period=MARCH)
    # when a reporter of unit a uploads unit b's workbook
    response = upload(client, other_unit, unit=district.unit_a)
    # then
    assert "不是区发改局的" in response.content.decode()
    # when March is closed
    MonthClose.objects.create(year=2024, month=3, closed_by=district.office)
    own = fill(monthly_workbook(unit=district.unit_a, period=MARCH), H5=1)
    response = upload(client, own, unit=district.unit_a)
    assert "已关账" in response.content.decode()
    assert not MonthlyReport.objects.exists()
    # and the closed month can't be chosen or downloaded
    assert (
        login(district.reporter_a).get(f"{URL}download/", {"period": "2024-03"}).status_code == 404
    )


def test_monthly_upload_of_a_non_spreadsheet_says_so(district, login):
    response = upload(login(district.reporter_a), b"not a workbook", unit=district.unit_a)
    assert response.status_code == 200
    assert not MonthlyReport.objects.exists()
    assert response.context["upload"].errors["file"]


def test_monthly_page_is_scoped_to_the_users_unit(district, login):
    client = login(district.reporter_a)
    # another unit's page, download or upload answers 404
    assert client.get(URL, {"unit": district.unit_b.pk}).status_code == 404
    assert client.get(f"{URL}download/", {"unit": district.unit_b.pk}).status_code == 404
    content = monthly_workbook(unit=district.unit_b, period=MARCH)
    assert upload(client, content, unit=district.unit_b).status_code == 404
    # a leader or viewer fills no unit's workbook
    assert login(district.leader).get(URL).status_code == 403
    assert login(district.viewer).get(f"{URL}download/").status_code == 403


def test_office_chooses_any_unit(district, login):
    client = login(district.office)
    # without a unit: the choice only
    response = client.get(URL)
    assert response.status_code == 200 and "请先选择单位" in response.content.decode()
    # with one
    response = client.get(f"{URL}download/", {"unit": district.unit_b.pk, "period": "2024-03"})
    assert response.status_code == 200
    assert load_workbook(BytesIO(response.content))["_duban"]["B1"].value == "b"


def test_home_links_the_monthly_page_for_reporters(district, login):
    body = login(district.reporter_a).get("/").content.decode()
    assert URL in body

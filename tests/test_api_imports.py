"""/api/v1/ledger-imports, /ledger-export, /monthly-workbook: the same services as the pages."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from duban.core.periods import Period
from duban.ledger.models import LedgerImport, Project
from duban.org.services import api_token_create
from duban.reporting.models import MonthClose, MonthlyReport
from duban.transfer.imports.monthly import monthly_workbook
from tests import factories as f
from tests.sheets_fixtures import ROWS, ledger_book, to_bytes

MARCH = Period(2024, 3)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


# error workbooks


def bad_ledger() -> bytes:
    rows = [list(r) for r in ROWS]
    rows[0][4] = "十二万"  # 总投资 of 智能制造产业园, E6
    return to_bytes(ledger_book(rows=rows, total="none"))


def comments(content: bytes) -> dict[str, str]:
    ws = load_workbook(BytesIO(content))["2024年重点项目"]
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}


def test_api_ledger_import_errors_offer_the_marked_workbook(units):
    client = api(units.office)
    # when the office uploads a file with a bad figure
    response = post_ledger(client, bad_ledger())
    # then the 422 names the error workbook
    assert response.status_code == 422
    body = response.json()
    url = f"/api/v1/ledger-imports/{body['result']['id']}/errors.xlsx"
    assert body["error_workbook"] == url
    # when it downloads it
    download = client.get(url)
    # then it is the file back with the bad cell commented
    assert download.status_code == 200, download.content
    assert download["Content-Type"] == XLSX
    assert download["Content-Disposition"] == (
        f"attachment; filename*=UTF-8''{quote('台账错误.xlsx')}"
    )
    assert list(comments(download.content)) == ["E6"]
    assert "不是数字" in comments(download.content)["E6"]
    # and downloading it is not another import in the history
    assert LedgerImport.objects.count() == 1


def test_api_ledger_import_error_workbook_checks_again_with_the_recorded_options(district):
    # given: 区商务局 and 新华街道 don't exist; one import creating them, one not
    client = api(district.office)
    created = post_ledger(client, bad_ledger(), year=2024, create_missing="true")
    refused = post_ledger(client, bad_ledger(), year=2024)
    assert created.status_code == refused.status_code == 422
    # when each error workbook is downloaded
    with_created = comments(client.get(created.json()["error_workbook"]).content)
    with_refused = comments(client.get(refused.json()["error_workbook"]).content)
    # then only the second marks the missing units as well
    assert list(with_created) == ["E6"]
    assert {"E6", "D7", "D8"} <= set(with_refused)
    assert not Project.objects.filter(name="智能制造产业园").exists()


def test_api_ledger_import_error_workbook_is_for_the_office_only(units):
    record_id = post_ledger(api(units.office), bad_ledger()).json()["result"]["id"]
    url = f"/api/v1/ledger-imports/{record_id}/errors.xlsx"
    # other roles: 403, as for the other import endpoints
    for user in (units.head_a, units.leader, units.reporter_b):
        response = api(user).get(url)
        assert response.status_code == 403
        assert response.json()["detail"] == "只有推进办可以导入台账。"
    # a missing import: 404
    missing = api(units.office).get(f"/api/v1/ledger-imports/{record_id + 100}/errors.xlsx")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}


def test_api_ledger_import_error_workbook_of_an_import_without_errors_is_404(units):
    client = api(units.office)
    record_id = post_ledger(client, to_bytes(ledger_book()), dry_run="true").json()["id"]
    # when
    response = client.get(f"/api/v1/ledger-imports/{record_id}/errors.xlsx")
    # then
    assert response.status_code == 404
    assert response.json()["detail"] == "这次导入没有错误，没有标出错误的工作簿。"


def test_api_ledger_import_error_workbook_whose_file_is_gone_is_404(units):
    client = api(units.office)
    body = post_ledger(client, bad_ledger()).json()
    (name,) = default_storage.listdir("imports")[1]
    default_storage.delete(f"imports/{name}")
    # when
    response = client.get(body["error_workbook"])
    # then
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


def test_api_ledger_import_of_a_non_spreadsheet_has_no_error_workbook(district):
    response = post_ledger(api(district.office), b"plain text")
    assert response.status_code == 422 and response.json()["error_workbook"] is None
    assert not default_storage.exists("imports")


def test_api_monthly_workbook_upload_errors_offer_the_marked_workbook(district):
    content = fill(
        monthly_workbook(unit=district.unit_b, period=MARCH),
        H5=100,
        A6=district.item_a.pk,  # another unit's item
        H6=50,
    )
    # when reporter b uploads it
    response = post_monthly(api(district.reporter_b), content)
    # then the 422 names the error workbook
    assert response.status_code == 422
    url = response.json()["error_workbook"]
    assert url.startswith(f"/api/v1/monthly-workbook/{district.unit_b.pk}/")
    assert url.endswith("/errors.xlsx")
    # which reporter b and the office may download, with the bad cell commented
    for user in (district.reporter_b, district.office):
        download = api(user).get(url)
        assert download.status_code == 200, download.content
        assert download["Content-Disposition"] == (
            f"attachment; filename*=UTF-8''{quote('区住建局月报错误.xlsx')}"
        )
        ws = load_workbook(BytesIO(download.content))["3月月报"]
        assert "事项编号不属于本单位本年度的台账" in ws["A6"].comment.text
    # another unit's reporter: 404; a leader: 403; an unknown file: 404
    assert api(district.reporter_a).get(url).status_code == 404
    assert api(district.leader).get(url).status_code == 403
    unknown = url.replace(url.split("/")[-2], "0" * 64)
    assert api(district.office).get(unknown).status_code == 404
    assert not MonthlyReport.objects.exists()


def test_api_monthly_workbook_upload_of_another_units_file_has_no_error_workbook(district):
    content = fill(monthly_workbook(unit=district.unit_b, period=MARCH), H5=100)
    response = post_monthly(api(district.reporter_a), content)
    assert response.status_code == 422 and response.json()["error_workbook"] is None


# the name choices, the file's unit and closed months, as the CLI takes them


def test_api_ledger_import_offers_candidates_then_takes_the_office_choice(units):
    from duban.org.models import NameAlias

    # given a ledger whose 区发改局 is written 发改委 (close to 区发改局, not one of its names)
    rows = [list(r) for r in ROWS]
    rows[0][3] = "发改委"
    content = to_bytes(ledger_book(rows=rows))
    client = api(units.office)
    # when: no choice
    response = post_ledger(client, content, dry_run="true")
    # then 422 with the closest units to choose from, by code
    assert response.status_code == 422
    asked = {c["name"]: c["candidates"] for c in response.json()["result"]["unit_candidates"]}
    assert "a" in asked["发改委"]
    # when: the office answers as the CLI's --alias
    response = post_ledger(client, content, alias=["发改委=a"])
    # then it imports, and the choice is remembered as an alias
    assert response.status_code == 200, response.content
    assert response.json()["learned"] == ["发改委 → 区发改局"]
    assert NameAlias.objects.get(alias="发改委").unit == units.unit_a
    assert Project.objects.get(name="智能制造产业园").work_items.get().lead_unit == units.unit_a


def test_api_ledger_import_refuses_a_malformed_or_unknown_choice(units):
    client = api(units.office)
    content = to_bytes(ledger_book())
    for alias in ("发改委", "发改委=nosuchcode", "某人=@nobody"):
        response = post_ledger(client, content, alias=[alias], dry_run="true")
        assert response.status_code == 422, alias
        assert response.json()["detail"]
    response = post_ledger(client, content, unit="没有这个单位", dry_run="true")
    assert response.status_code == 422 and "找不到单位" in response.json()["detail"]
    assert not LedgerImport.objects.exists()


def test_api_ledger_import_unit_for_a_file_without_a_lead_unit_column(units, tmp_path):
    from tests.layout_fixtures import reserve_without_units, write

    content, name = write(reserve_without_units(), "xlsx", tmp_path)
    client = api(units.office)
    preview = client.post(
        "/api/v1/ledger-imports", {"file": SimpleUploadedFile(name, content), "dry_run": "true"}
    )
    assert preview.status_code == 200 and preview.json()["unassigned"] == 2
    response = client.post(
        "/api/v1/ledger-imports", {"file": SimpleUploadedFile(name, content), "unit": "b"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["unassigned"] == 0
    reserve = Project.objects.filter(name__startswith="示例储备")
    assert reserve.count() == 2
    assert all(p.work_items.get().lead_unit == units.unit_b for p in reserve)


def test_api_ledger_import_corrects_a_closed_month_when_asked(units):
    from duban.reporting.models import ReportCorrection

    client = api(units.office)
    assert post_ledger(client, to_bytes(ledger_book())).status_code == 200
    MonthClose.objects.create(year=2024, month=3, closed_by=units.office)
    rows = [list(r) for r in ROWS]
    rows[0][6] = 9999
    content = to_bytes(ledger_book(rows=rows))
    # default: skipped, listed
    skipped = post_ledger(client, content)
    assert skipped.status_code == 200
    assert any("已关账" in w["reason"] for w in skipped.json()["warnings"])
    assert not ReportCorrection.objects.exists()
    # asked: a correction counted from April
    corrected = post_ledger(client, content, correct_closed="true")
    assert corrected.status_code == 200, corrected.content
    correction = ReportCorrection.objects.get()
    assert correction.report.investment_month == Decimal("9999")
    assert (correction.counted_from_year, correction.counted_from_month) == (2024, 4)


# problem lists


def problem_rows():
    return [
        [1, "树木移植审批未办结", "发改项目甲", "区发改局", "区住建局", "审批手续",
         "2024年2月5日", "2024年4月30日", "已对接园林部门", "否", "", "二级"],
        [2, "供热管网资金拨付滞后", "住建项目乙", "住建局", "", "资金",
         "2024-01-10", "2024-02-10", "资金已拨付到位", "是", "2024年2月8日", "区领导"],
    ]  # fmt: skip


def post_problems(client: Client, content: bytes, name: str = "问题清单.xlsx", **data):
    return client.post(
        "/api/v1/problem-imports", {"file": SimpleUploadedFile(name, content), **data}
    )


def test_api_problem_import_previews_imports_and_again_changes_nothing(district, tmp_path):
    from duban.problems.models import Problem
    from tests.layout_fixtures import problem_list, write

    content, name = write(problem_list(problem_rows()), "xlsx", tmp_path)
    client = api(district.office)
    preview = post_problems(client, content, name, dry_run="true")
    assert preview.status_code == 200, preview.content
    assert preview.json()["counts"]["create"] == 2 and not Problem.objects.exists()
    done = post_problems(client, content, name)
    assert done.status_code == 200 and done.json()["applied"] is True
    states = dict(Problem.objects.values_list("work_item__title", "state"))
    assert states == {"发改项目甲": Problem.State.ASSIGNED, "住建项目乙": Problem.State.CLOSED}
    again = post_problems(client, content, name)
    assert again.status_code == 200 and again.json()["counts"]["unchanged"] == 2
    assert Problem.objects.count() == 2


def test_api_problem_import_errors_answer_422_with_the_marked_list(district, tmp_path):
    from duban.problems.models import Problem
    from tests.layout_fixtures import problem_list, write

    rows = problem_rows()
    rows[1][10] = "2023年12月1日"  # closed before it was reported
    content, name = write(problem_list(rows), "xlsx", tmp_path)
    client = api(district.office)
    response = post_problems(client, content, name)
    assert response.status_code == 422
    body = response.json()
    assert "未导入任何问题" in body["detail"] and not Problem.objects.exists()
    assert any(e["row"] == 4 for e in body["result"]["errors"])
    download = client.get(body["error_workbook"])
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert any(c.startswith("K") or c.startswith("G") for c in comments_any(download.content))


def test_api_problem_import_scope_and_roles(district, tmp_path):
    from duban.problems.models import Problem
    from tests.layout_fixtures import problem_list, write

    content, name = write(problem_list(problem_rows()), "xlsx", tmp_path)
    # a viewer or a leader may not import problem lists
    for user in (district.viewer, district.leader):
        assert post_problems(api(user), content, name).status_code == 403
    # a unit's reporter only their unit's: 住建局's row is refused, nothing written
    response = post_problems(api(district.reporter_a), content, name)
    assert response.status_code == 422 and not Problem.objects.exists()
    own, own_name = write(problem_list(problem_rows()[:1]), "xlsx", tmp_path)
    assert post_problems(api(district.reporter_a), own, own_name).status_code == 200
    assert Problem.objects.get().reporting_unit == district.unit_a


def test_api_problem_import_takes_name_choices(district, tmp_path):
    from duban.problems.models import Problem
    from tests.layout_fixtures import problem_list, write

    rows = problem_rows()[:1]
    rows[0][3] = "发改委"
    content, name = write(problem_list(rows), "xlsx", tmp_path)
    client = api(district.office)
    asked = post_problems(client, content, name, dry_run="true")
    assert asked.status_code == 422
    assert asked.json()["result"]["unit_candidates"][0]["name"] == "发改委"
    response = post_problems(client, content, name, alias=["发改委=a"])
    assert response.status_code == 200, response.content
    assert Problem.objects.get().lead_unit == district.unit_a


def comments_any(content: bytes) -> list[str]:
    book = load_workbook(BytesIO(content))
    return [
        c.coordinate for ws in book.worksheets for row in ws.iter_rows() for c in row if c.comment
    ]

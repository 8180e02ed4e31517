"""The office's upload → preview → confirm pages and the error workbook download."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from duban.ledger.models import LedgerImport, Project
from duban.org.models import User
from tests import factories as f
from tests.sheets_fixtures import ROWS, ledger_book, to_bytes

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def office(db):
    for name in ("区发改局", "区商务局", "新华街道"):
        f.UnitFactory(name=name)
    return f.UserFactory(role=User.Role.OFFICE, username="office")


def upload(client, content: bytes, name: str = "台账.xlsx", **data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/ledger/import/", {"file": SimpleUploadedFile(name, content), **data})


def test_upload_previews_then_confirm_imports(office, login):
    client = login(office)
    # when the office uploads a ledger
    response = upload(client, to_bytes(ledger_book()))
    # then it sees the preview and nothing is written
    assert response.status_code == 200
    body = response.content.decode()
    assert "智能制造产业园" in body and "新增" in body and "确认导入" in body
    assert Project.objects.count() == 0
    # when it confirms
    confirm = response.context["confirm"]
    response = client.post(
        "/ledger/import/confirm/",
        {k: v for k, v in confirm.initial.items() if v not in (None, False)},
    )
    # then
    assert response.status_code == 302
    assert Project.objects.count() == 3
    assert LedgerImport.objects.filter(outcome="done", by=office).count() == 1
    history = client.get("/ledger/import/").content.decode()
    assert "台账.xlsx" in history


def test_errors_are_listed_and_downloadable(office, login):
    client = login(office)
    rows = [list(r) for r in ROWS]
    rows[0][4] = "十二万"
    response = upload(client, to_bytes(ledger_book(rows=rows, total="none")))
    body = response.content.decode()
    assert "未导入任何数据" in body
    assert "确认导入" not in body
    assert "第6行，E列（总投资），值“十二万”：不是数字" in body
    sha = response.context["sha"]
    download = client.get(f"/ledger/import/{sha}/errors.xlsx")
    assert download.status_code == 200
    book = load_workbook(BytesIO(download.content))
    assert "不是数字" in book["2024年重点项目"]["E6"].comment.text


def test_only_the_office_may_import(office, login):
    reporter = f.UserFactory(role=User.Role.REPORTER)
    assert login(reporter).get("/ledger/import/").status_code == 403
    assert login(office).get("/ledger/import/").status_code == 200


def test_not_a_spreadsheet_gets_a_clear_message(office, login):
    response = upload(login(office), b"%PDF-1.4 hello", name="a.pdf")
    assert "这不是电子表格文件" in response.content.decode()


def test_a_long_preview_lists_what_changes_up_to_a_limit_and_offers_every_row(
    office, login, monkeypatch
):
    from duban.transfer.views import imports

    monkeypatch.setattr(imports, "PREVIEW_ROWS", 2)
    client = login(office)
    content = to_bytes(ledger_book())
    # when a three-row ledger is previewed with a page limit of two rows
    response = upload(client, content)
    body = response.content.decode()
    # then two rows are listed, the third is counted, and the whole preview is offered
    assert [r.label for r in response.context["rows"]] == ["智能制造产业园", "冷链物流园"]
    assert "老旧小区改造" not in body
    assert "另有1行未列出" in body
    sha = response.context["sha"]
    assert f"/ledger/import/{sha}/preview.xlsx" in body
    records = LedgerImport.objects.count()
    download = client.get(f"/ledger/import/{sha}/preview.xlsx")
    assert download.status_code == 200
    ws = load_workbook(BytesIO(download.content)).active
    lines = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [(line[2], line[3]) for line in lines] == [
        ("智能制造产业园", "新增"),
        ("冷链物流园", "新增"),
        ("老旧小区改造", "新增"),
    ]
    assert LedgerImport.objects.count() == records  # downloading is not another import
    # when it has been imported and is previewed again: unchanged rows are only counted
    confirm = response.context["confirm"]
    client.post(
        "/ledger/import/confirm/",
        {k: v for k, v in confirm.initial.items() if v not in (None, False)},
    )
    again = upload(client, content)
    assert again.context["rows"] == [] and again.context["unchanged"] == 3
    assert "无变化的3行未逐行列出" in again.content.decode()


def test_the_preview_workbook_is_for_the_office_and_known_files_only(office, login):
    client = login(office)
    sha = upload(client, to_bytes(ledger_book())).context["sha"]
    reporter = f.UserFactory(role=User.Role.REPORTER)
    assert login(reporter).get(f"/ledger/import/{sha}/preview.xlsx").status_code == 403
    assert login(office).get(f"/ledger/import/{'0' * 64}/preview.xlsx").status_code == 404

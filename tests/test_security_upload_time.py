"""Time per uploaded file is bounded: a file crafted to be slow within the size, row and cell
limits is stopped at DUBAN_UPLOAD_MAX_SECONDS with a message, for the ledger, the monthly
workbook, problem lists and evidence alike (duban.core.uploads.ReadDeadline)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from duban.core import uploads
from duban.core.uploads import ReadDeadline, UploadRefusedError, evidence_kind
from duban.org.services import api_token_create
from duban.problems import services as svc
from duban.problems.models import Problem
from duban.sheets.errors import SheetFileError
from duban.sheets.reader import workbook_read
from duban.sheets.tables import workbook_load
from tests.problem_factories import AssignedProblemFactory

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"


def many_sheets_xlsx(sheets: int) -> bytes:
    """A small .xlsx (tens of KB) of `sheets` one-cell sheets: far inside the size, row and
    cell limits, yet every sheet costs a load, so the file is slow to read."""
    types = [
        f'<?xml version="1.0"?><Types xmlns="{_PKG}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
    ]
    book = [f'<?xml version="1.0"?><workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>']
    rels = [f'<?xml version="1.0"?><Relationships xmlns="{_PKG}/relationships">']
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{_NS}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>序号</t></is></c></row></sheetData></worksheet>'
    ).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for i in range(1, sheets + 1):
            types.append(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            )
            book.append(f'<sheet name="表{i}" sheetId="{i}" r:id="rId{i}"/>')
            rels.append(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
            )
            z.writestr(f"xl/worksheets/sheet{i}.xml", sheet)
        z.writestr("[Content_Types].xml", "".join(types) + "</Types>")
        z.writestr(
            "_rels/.rels",
            f'<?xml version="1.0"?><Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/workbook.xml", "".join(book) + "</sheets></workbook>")
        z.writestr("xl/_rels/workbook.xml.rels", "".join(rels) + "</Relationships>")
    return buf.getvalue()


def rows_xlsx(rows: int) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "项目名称", "年度计划投资"])
    for r in range(1, rows + 1):
        sheet.append([r, f"项目{r}", r * 10])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.fixture
def fast_clock(monkeypatch, settings) -> Iterator[None]:
    """The reading budget's clock runs ten seconds per look, against a one-second budget:
    every file is slower than its budget, deterministically."""
    settings.DUBAN_UPLOAD_MAX_SECONDS = 1
    ticks = iter(range(0, 10**9, 10))
    monkeypatch.setattr(uploads, "_now", lambda: float(next(ticks)))
    yield


def test_a_crafted_slow_workbook_is_stopped_at_its_budget(settings):
    """Real clock: a workbook of 1,500 one-cell sheets (inside every size limit) against a
    budget of 50 ms is refused with the message, not read to the end."""
    content = many_sheets_xlsx(1500)
    assert len(content) < 1024 * 1024
    settings.DUBAN_UPLOAD_MAX_SECONDS = 0.05
    with pytest.raises(SheetFileError) as refused:
        workbook_load(content, file_name="慢.xlsx")
    assert refused.value.code == "too_slow"
    assert "秒仍未完成" in str(refused.value.message)
    assert "未保存任何内容" in str(refused.value.message)


def test_reading_rows_stops_when_the_budget_is_spent(monkeypatch, settings):
    content = rows_xlsx(3000)
    settings.DUBAN_UPLOAD_MAX_SECONDS = 100
    clock = {"now": 0.0}
    monkeypatch.setattr(uploads, "_now", lambda: clock["now"])
    raw = workbook_read(content, file_name="台账.xlsx")
    read = 0
    with pytest.raises(SheetFileError) as refused:
        for _row in raw.sheets[0].iter_rows():
            read += 1
            if read == 1000:
                clock["now"] = 1000.0  # the budget runs out while the rows are read
    assert refused.value.code == "too_slow"
    assert 1000 <= read < 3001


def test_a_timeout_in_one_sheet_is_not_taken_for_a_sheet_without_a_table(fast_clock):
    with pytest.raises(SheetFileError) as refused:
        workbook_load(many_sheets_xlsx(3), file_name="慢.xlsx")
    assert refused.value.code == "too_slow"


def test_ledger_import_and_monthly_workbook_api_refuse_a_slow_file(district, fast_clock):
    content = rows_xlsx(20)
    office = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=district.office)}")
    response = office.post(
        "/api/v1/ledger-imports",
        {"file": SimpleUploadedFile("台账.xlsx", content), "year": 2024},
    )
    assert response.status_code == 422
    assert "秒仍未完成" in json.dumps(response.json(), ensure_ascii=False)
    reporter = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=district.reporter_a)}")
    response = reporter.post(
        "/api/v1/monthly-workbook", {"file": SimpleUploadedFile("月报.xlsx", content)}
    )
    assert response.status_code == 422
    assert "秒仍未完成" in json.dumps(response.json(), ensure_ascii=False)


def test_problem_list_page_refuses_a_slow_file(district, login, fast_clock):
    response = login(district.office).post(
        "/ledger/import/problems/", {"file": SimpleUploadedFile("问题清单.xlsx", rows_xlsx(20))}
    )
    assert "秒仍未完成" in response.content.decode()
    assert Problem.objects.count() == 0


def test_evidence_refuses_a_slow_file(district, fast_clock):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(UploadRefusedError) as refused:
        evidence_kind(buf.getvalue(), "情况说明.docx")
    assert refused.value.code == "too_slow"
    problem = AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    with pytest.raises(UploadRefusedError, match="秒仍未完成"):
        svc.evidence_add(
            problem=problem,
            by=district.reporter_a,
            file=ContentFile(buf.getvalue(), name="情况说明.docx"),
        )
    assert not problem.evidence.exists()


def test_the_budget_is_a_setting(settings):
    settings.DUBAN_UPLOAD_MAX_SECONDS = 7
    assert ReadDeadline().seconds == 7

"""Import messages follow the active language; the interface default (and the CLI) is Chinese."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.utils import translation
from openpyxl import load_workbook

from duban.org.models import User
from duban.transfer.imports.service import import_error_workbook, ledger_import
from tests import factories as f
from tests.sheets_fixtures import ROWS, ledger_book, to_bytes

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@pytest.fixture
def office():
    for name in ("区发改局", "区教育局", "区工信局", "区住建局", "区商务局", "新华街道"):
        f.UnitFactory(name=name)
    return f.UserFactory(role=User.Role.OFFICE)


def _bad_started_cell() -> bytes:
    rows = [list(r) for r in ROWS]
    rows[2][7] = "部分开工"  # 是否开工 of the third project: neither yes nor no
    return to_bytes(ledger_book(rows=rows))


def test_ledger_import_reasons_in_english(office):
    # given a ledger with one bad cell
    content = _bad_started_cell()
    # when it is imported with English active
    with translation.override("en"):
        result = ledger_import(content=content, file_name="ledger.xlsx", by=office)
        (error,) = result.errors
        shown = str(error)
        lines = result.summary_lines()
        book = load_workbook(BytesIO(import_error_workbook(result) or b""))
    # then the reason, the cell's description and the summary are English
    assert error.reason == "Should be yes or no (Y/N, 1/0, √ or × also work)"
    assert shown == (
        "Sheet “2024年重点项目”, row 9, column H (是否开工), value “部分开工”: "
        "Should be yes or no (Y/N, 1/0, √ or × also work)"
    )
    assert lines[-1] == f"Error: {shown}"
    assert lines[0].startswith("[New] 2024年重点项目 row 7 ")
    # and so are the error workbook's comment and listing; the sender's cells stay as sent
    comment = book["2024年重点项目"]["H9"].comment.text
    assert comment == "Error: Should be yes or no (Y/N, 1/0, √ or × also work)"
    assert book.sheetnames[0] == "Issues"
    listing = [c.value for c in book["Issues"][2]]
    assert listing[:4] == ["Error", "2024年重点项目", 9, "H"]
    assert not CJK.search(listing[-1])
    assert book["2024年重点项目"]["H9"].value == "部分开工"


def test_ledger_import_reasons_default_to_chinese(office):
    # given the same ledger, and no language activated (the CLI's case; pages default to it too)
    content = _bad_started_cell()
    # when
    result = ledger_import(content=content, file_name="台账.xlsx", by=office)
    # then
    (error,) = result.errors
    assert error.reason == "应为“是”或“否”（也可写√、×、已开工、未开工）"
    assert str(error).startswith("工作表“2024年重点项目”，第9行，H列（是否开工），值“部分开工”：")
    assert result.summary_lines()[-1] == f"错误：{error}"
    book = load_workbook(BytesIO(import_error_workbook(result) or b""))
    assert book["2024年重点项目"]["H9"].comment.text.startswith("错误：应为“是”或“否”")
    assert book.sheetnames[0] == "错误清单"


def test_change_lines_follow_the_language_of_each_import(office):
    # given a ledger imported once (Chinese), then again with a changed 年度计划投资, in English
    rows = [list(r) for r in ROWS]
    ledger_import(content=to_bytes(ledger_book(rows=rows)), file_name="a.xlsx", by=office)
    rows[0][5] = 30001  # the first project's 计划投资
    content = to_bytes(ledger_book(rows=rows))
    # when
    with translation.override("en"):
        english = ledger_import(content=content, file_name="b.xlsx", by=office, dry_run=True)
        (changed,) = [r for r in english.rows if r.action == "update"]
        english_label = changed.action_label
    chinese = ledger_import(content=content, file_name="b.xlsx", by=office, dry_run=True)
    # then each says its changes in its own language (no label remembered across imports)
    assert english_label == "Update"
    assert "Annual planned investment (10k CNY): 30000 → 30001" in changed.changes
    (changed,) = [r for r in chinese.rows if r.action == "update"]
    assert changed.action_label == "更新"
    assert "年度计划投资（万元）：30000 → 30001" in changed.changes

"""Random corruptions of a valid ledger never crash the importer nor write part of a file."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from duban.ledger.models import LedgerImport, Project, WorkItem
from duban.reporting.models import MonthlyReport
from duban.transfer.imports.service import import_error_workbook, ledger_import
from tests import factories as f
from tests.sheets_fixtures import ledger_book, to_bytes

pytestmark = pytest.mark.django_db

VALID = to_bytes(ledger_book())
cell_values = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1900, 1, 1)),
    st.sampled_from(
        ["合计", "一、", "=SUM(A1:A2)", "填表人：", "是", "√", "2024.1", "—", "序号", "项目名称"]
    ),
)


@pytest.fixture
def units():
    for name in ("区发改局", "区商务局", "新华街道"):
        f.UnitFactory(name=name)


def _counts():
    return (Project.objects.count(), WorkItem.objects.count(), MonthlyReport.objects.count())


def _check(content: bytes) -> None:
    before = _counts()
    result = ledger_import(content=content, file_name="fuzz.xlsx", by=None, year=2024)
    assert result.record is not None and result.record.pk  # recorded, whatever happened
    if result.errors:
        assert _counts() == before, "an import with errors wrote something"
        assert result.record.outcome == LedgerImport.Outcome.FAILED
        book = import_error_workbook(result)
        assert book is None or book.startswith(b"PK")
    else:
        assert result.applied
        # all or nothing: every data row that was planned is now in the ledger
        names = {r.label for r in result.rows}
        assert (
            set(WorkItem.objects.filter(title__in=names).values_list("title", flat=True)) == names
        )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12), cell_values), max_size=6))
def test_cell_corruptions(units, edits):
    wb = load_workbook(BytesIO(VALID))
    ws = wb.active
    for row, col, value in edits:
        cell = ws.cell(row=row, column=col)
        if type(cell).__name__ == "MergedCell":
            continue
        cell.value = value
    _check(to_bytes(wb))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_byte_corruptions(units, data):
    content = bytearray(VALID)
    kind = data.draw(st.sampled_from(["truncate", "flip", "garbage"]))
    if kind == "truncate":
        content = content[: data.draw(st.integers(0, len(content) - 1))]
    elif kind == "flip":
        for _ in range(data.draw(st.integers(1, 20))):
            i = data.draw(st.integers(0, len(content) - 1))
            content[i] = data.draw(st.integers(0, 255))
    else:
        content = bytearray(data.draw(st.binary(max_size=200)))
    _check(bytes(content))


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    deletes=st.lists(st.integers(1, 12), max_size=4),
    inserts=st.lists(st.integers(1, 12), max_size=3),
)
def test_row_corruptions(units, deletes, inserts):
    wb = load_workbook(BytesIO(VALID))
    ws = wb.active
    for r in deletes:
        ws.delete_rows(r)
    for r in inserts:
        ws.insert_rows(r)
    _check(to_bytes(wb))


@pytest.mark.parametrize(("value", "number_format"), [(-1e20, "yyyy-mm-dd"), (1e20, "[h]:mm:ss")])
def test_out_of_range_date_cell_is_a_clear_error(units, value, number_format):
    # given a date-formatted cell whose number no calendar holds (python-calamine panics on it)
    wb = load_workbook(BytesIO(VALID))
    wb.active["I7"] = value
    wb.active["I7"].number_format = number_format
    # when
    result = ledger_import(content=to_bytes(wb), file_name="bad.xlsx", by=None, year=2024)
    # then
    assert not result.applied and _counts() == (0, 0, 0)
    assert "无法读取的单元格" in str(result.errors[0])

"""The five lists as Excel workbooks in the office layout (CONVENTIONS §1): a merged title row,
a unit row, one header row, the data rows. User text that starts like a formula stays text."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from duban.sheets.writer import alignment_id, border_id, cell_text, cell_write, stamp

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOP = Alignment(vertical="top", wrap_text=True)


def list_workbook(
    *, title: str, unit_line: str, headers: Sequence[str], rows: Sequence[Sequence[object]]
) -> bytes:
    """One sheet: title (merged across every column), unit line, headers, rows."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = title[:31]
    width = len(headers)
    sheet.cell(row=1, column=1, value=cell_text(title)).font = Font(bold=True, size=16)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    sheet.cell(row=2, column=1, value=cell_text(unit_line))
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    for col, header in enumerate(headers, start=1):
        head = sheet.cell(row=3, column=col, value=cell_text(header))
        head.font = Font(bold=True)
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.border = BOX
    box, top = border_id(book, BOX), alignment_id(book, TOP)
    for r, row in enumerate(rows, start=4):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col)
            if isinstance(value, str):
                # The one writer's rule: text stays text (never a formula), cleaned.
                cell_write(cell, value)
            else:
                cell.value = value  # type: ignore[assignment]
            stamp(cell, border=box, alignment=top)
    for col in range(1, width + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 16
    sheet.freeze_panes = "A4"
    out = BytesIO()
    book.save(out)
    return out.getvalue()

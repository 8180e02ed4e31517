"""Write a sheet in the office layout: title, unit row, merged two-row header, 合计, groups.

User text is always written as text: a value starting with = + - @ is never a formula
(openpyxl would otherwise store "=…" as one), and carries Excel's quote prefix so that editing
the cell keeps it text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from duban.core.text import strip_controls

FORMULA_STARTS = ("=", "+", "-", "@")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(vertical="center", wrap_text=True)
CN_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class OutColumn:
    label: str
    parent: str = ""  # the merged cell above, e.g. "2024年度"
    kind: str = "text"  # text, money, pct, date, seq
    width: int = 12


@dataclass
class OutGroup:
    label: str  # "省重点项目"
    rows: list[list[Any]]


@dataclass(frozen=True)
class OfficeSheet:
    """One sheet of an office-layout workbook (see `office_sheet_write`)."""

    name: str
    title: str
    columns: Sequence[OutColumn]
    groups: Sequence[OutGroup]
    total: Sequence[Any] | None = None
    unit_text: str = "单位：万元"  # row 2's right: what the figures are counted in


def office_book(sheets: Sequence[OfficeSheet], *, reporter: str) -> bytes:
    """An .xlsx of office-layout sheets, all filed by `reporter`."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for sheet in sheets:
        office_sheet_write(
            wb.create_sheet(sheet.name),
            title=sheet.title,
            reporter=reporter,
            columns=sheet.columns,
            groups=sheet.groups,
            total=sheet.total,
            unit_text=sheet.unit_text,
        )
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def cn_numeral(n: int) -> str:
    if n <= 10:
        return CN_NUMERALS[n - 1]
    if n < 20:
        return "十" + (CN_NUMERALS[n - 11] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CN_NUMERALS[tens - 1] + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def cell_text(value: str) -> str:
    """Text a cell can hold: control characters (which .xlsx can't store) dropped."""
    return strip_controls(value)[:32767]


def cell_write(cell: Cell | MergedCell, value: Any, kind: str = "text") -> None:
    """Set a value; text is text, whatever it starts with. Empty text leaves the cell empty."""
    if value is None or value == "":
        return
    if isinstance(value, Decimal):
        cell.value = value
        cell.number_format = "#,##0.00##" if kind == "money" else "0.0"
    elif isinstance(value, date | datetime):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, str):
        value = cell_text(value)
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # type: ignore[union-attr]
    else:
        cell.value = value


def office_sheet_write(
    ws: Worksheet,
    *,
    title: str,
    reporter: str,
    columns: Sequence[OutColumn],
    groups: Sequence[OutGroup],
    total: Sequence[Any] | None,
    unit_text: str = "单位：万元",
) -> None:
    """Fill `ws`: row 1 title, row 2 reporter and unit, rows 3–4 header, then 合计 and groups."""
    width = len(columns)
    last = get_column_letter(width)
    cell_write(ws.cell(1, 1), title)
    ws.cell(1, 1).font = Font(size=16, bold=True)
    ws.cell(1, 1).alignment = _CENTER
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 30
    cell_write(ws.cell(2, 1), f"填报单位：{reporter}")
    cell_write(ws.cell(2, width), unit_text)
    _header(ws, columns)
    r = 5
    if total is not None:
        for c, value in enumerate(total, start=1):
            cell_write(ws.cell(r, c), value, columns[c - 1].kind)
            ws.cell(r, c).font = Font(bold=True)
        r += 1
    for g, group in enumerate(groups, start=1):
        if len(groups) > 1 or group.label:
            cell_write(ws.cell(r, 1), f"{cn_numeral(g)}、")
            cell_write(ws.cell(r, 3 if width > 2 else 2), f"{group.label}（{len(group.rows)}个）")
            ws.cell(r, 3 if width > 2 else 2).font = Font(bold=True)
            r += 1
        for row in group.rows:
            for c, value in enumerate(row, start=1):
                cell_write(ws.cell(r, c), value, columns[c - 1].kind)
            r += 1
    _frame(ws, r - 1, width)
    ws.freeze_panes = "D5" if width > 3 else "A5"


def _frame(ws: Worksheet, last_row: int, width: int) -> None:
    """Rows 3 to `last_row` bordered, and wrapped where no wrapping alignment is set."""
    wb: Any = ws.parent
    border, wrap = border_id(wb, _BORDER), alignment_id(wb, _WRAP)
    for cells in ws.iter_rows(min_row=3, max_row=last_row, max_col=width):
        for cell in cells:
            style = stamp(cell, border=border)
            if not wb._alignments[style.alignmentId].wrap_text:
                style.alignmentId = wrap


# Styles by their ids in the workbook, registered once. Assigning a style object to a cell
# (`cell.border = …`) makes openpyxl hash the object to find its id: for a province's
# 20,000-row ledger that was half of the export's time (920,000 assignments).


def border_id(wb: Any, border: Border) -> int:
    return int(wb._borders.add(border))


def alignment_id(wb: Any, alignment: Alignment) -> int:
    return int(wb._alignments.add(alignment))


def stamp(cell: Any, *, border: int | None = None, alignment: int | None = None) -> Any:
    """Give `cell` styles by their ids; returns its style array."""
    style = cell._style
    if not style:  # a cell never styled (openpyxl makes its array on first use)
        style = cell._style = StyleArray()
    if border is not None:
        style.borderId = border
    if alignment is not None:
        style.alignmentId = alignment
    return style


def _header(ws: Worksheet, columns: Sequence[OutColumn]) -> None:
    c = 1
    while c <= len(columns):
        col = columns[c - 1]
        ws.column_dimensions[get_column_letter(c)].width = col.width
        if not col.parent:
            cell_write(ws.cell(3, c), col.label)
            ws.merge_cells(start_row=3, start_column=c, end_row=4, end_column=c)
            c += 1
            continue
        span = c
        while span + 1 <= len(columns) and columns[span].parent == col.parent:
            span += 1
        cell_write(ws.cell(3, c), col.parent)
        if span > c:
            ws.merge_cells(start_row=3, start_column=c, end_row=3, end_column=span)
        for k in range(c, span + 1):
            cell_write(ws.cell(4, k), columns[k - 1].label)
            ws.column_dimensions[get_column_letter(k)].width = columns[k - 1].width
        c = span + 1
    for row in (3, 4):
        for k in range(1, len(columns) + 1):
            ws.cell(row, k).alignment = _CENTER
            ws.cell(row, k).font = Font(bold=True)

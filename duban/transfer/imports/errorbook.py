"""The sender's workbook back, with every bad cell highlighted and commented (openpyxl)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from duban.sheets.errors import CellIssue, column_letter
from duban.sheets.reader import RawWorkbook, workbook_read
from duban.sheets.writer import cell_text, cell_write

logger = logging.getLogger(__name__)
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")


def _copy(raw: RawWorkbook) -> Workbook:
    if raw.kind == "xlsx":
        try:
            return load_workbook(BytesIO(raw.content))
        except Exception:
            # A damaged file openpyxl can't open although python-calamine read it (the fuzz
            # test keeps finding new kinds): copy the values instead.
            logger.info("errorbook.copy_failed", exc_info=True)
    # .xls and .ods: the values in a new .xlsx (openpyxl can't write the old formats). The
    # reader let go of an .xlsx's cells after parsing them: read them again.
    sheets = (
        workbook_read(raw.content, file_name=raw.file_name).sheets
        if raw.kind == "xlsx"
        else raw.sheets
    )
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name[:31])
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row, start=1):
                cell_write(ws.cell(r, c), value)
        for (r0, c0), (r1, c1) in sheet.merged:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    return wb


def _target(ws: Worksheet, row: int, column: int) -> object:
    cell = ws.cell(row=row, column=column + 1)
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if cell.coordinate in rng:
                return ws.cell(row=rng.min_row, column=rng.min_col)
    return cell


def error_workbook(raw: RawWorkbook, issues: Sequence[CellIssue]) -> bytes:
    """A copy of the file: errors red, warnings yellow, each with its reason as a comment,
    and a first sheet listing every issue.

    The comments and the listing are for the sender, in the active language; the sender's own
    cells are copied as they are.
    """
    wb = _copy(raw)
    author = _("督办系统")
    error_note, warning_note = _("错误：%(reason)s"), _("提示：%(reason)s")
    error_level, warning_level = pgettext("issue level", "错误"), pgettext("issue level", "提示")
    notes: dict[tuple[str, int, int], list[CellIssue]] = {}
    for issue in issues:
        if issue.sheet in wb.sheetnames and issue.row is not None:
            notes.setdefault((issue.sheet, issue.row, issue.column or 0), []).append(issue)
    for (sheet, row, column), group in notes.items():
        cell = _target(wb[sheet], row, column)
        is_error = any(i.is_error for i in group)
        cell.fill = ERROR_FILL if is_error else WARNING_FILL  # type: ignore[attr-defined]
        text = cell_text(
            "\n".join(
                (error_note if i.is_error else warning_note) % {"reason": i.reason} for i in group
            )
        )
        cell.comment = Comment(text, author, width=300, height=120)  # type: ignore[attr-defined]
    listing = wb.create_sheet(_("错误清单")[:31], 0)
    head = [
        _("级别"),
        pgettext("spreadsheet", "工作表"),
        pgettext("spreadsheet", "行"),
        pgettext("spreadsheet", "列"),
        _("列名"),
        pgettext("spreadsheet", "值"),
        _("原因"),
    ]
    lines = [head] + [
        [
            error_level if i.is_error else warning_level,
            i.sheet,
            i.row,
            column_letter(i.column) if i.column is not None else "",
            i.header,
            "" if i.value is None else str(i.value),
            i.reason,
        ]
        for i in issues
    ]
    for r, line in enumerate(lines, start=1):
        for c, value in enumerate(line, start=1):
            cell_write(listing.cell(r, c), value)
    for col, width in zip("ABCDEFG", (6, 16, 6, 6, 20, 20, 60), strict=True):
        listing.column_dimensions[col].width = width
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()

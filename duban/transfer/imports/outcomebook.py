"""Every row's outcome of an import, as a workbook: the preview in full, for ledgers too long
to list on a page."""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from duban.sheets.writer import cell_write
from duban.transfer.imports.result import ImportResult

WIDTHS = (18, 6, 40, 10, 80)


def outcome_workbook(result: ImportResult) -> bytes:
    """One line per data row: sheet, row, name, what the import does with it, the changes."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # noqa: S101 — a new workbook has its sheet
    ws.title = _("导入预览")[:31]
    header = [_("工作表"), _("行"), _("名称"), _("处理"), _("变化")]
    for c, (label, width) in enumerate(zip(header, WIDTHS, strict=True), start=1):
        cell_write(ws.cell(1, c), label)
        ws.column_dimensions[get_column_letter(c)].width = width
    separator = pgettext("clause separator", "；")
    for r, row in enumerate(result.rows, start=2):
        ws.cell(r, 2, row.row)
        for c, value in ((1, row.sheet), (3, row.label), (4, row.action_label)):
            cell_write(ws.cell(r, c), value)
        cell_write(ws.cell(r, 5), separator.join(row.changes))
    ws.freeze_panes = "A2"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()

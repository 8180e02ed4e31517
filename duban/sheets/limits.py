"""Limits on a workbook before it is read: the same for the ledger, the monthly workbook and
every other spreadsheet upload (page, API and CLI all go through `workbook_read`).

- Bytes on the wire: DUBAN_IMPORT_MAX_MB (20).
- Bytes once unpacked (.xlsx/.ods are zips): DUBAN_UPLOAD_MAX_UNPACKED_MB (200), from the zip
  directory before anything is inflated, then counted while streaming (duban.core.uploads).
- Rows and cells per sheet: DUBAN_IMPORT_MAX_ROWS (100,000) and DUBAN_IMPORT_MAX_CELLS
  (4,000,000, rows × used columns), from each .xlsx sheet's own `<dimension>` before the
  sheet is loaded, and again from the loaded grid's size before any cell becomes a Python
  object (for .xls/.ods, and for an .xlsx whose dimension is missing or wrong).

Reading time is linear in these and so bounded by them: a district's ledger of 20,000 rows
× 40 columns reads in about a second; 200,000 formatted empty rows are refused at once.
- Time per file: DUBAN_UPLOAD_MAX_SECONDS (30), a budget that starts when `workbook_read`
  begins and is checked while unpacking, between sheets and every few hundred rows read
  (duban.core.uploads.ReadDeadline), so no file can hold a request longer.
"""

from __future__ import annotations

import re
import zipfile
import zlib

from django.conf import settings
from django.utils.translation import gettext as _

from duban.core.uploads import ReadDeadline, UploadRefusedError, zip_check
from duban.sheets.errors import SheetFileError, column_letter

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')
_HEAD = 64 * 1024  # the dimension sits at the top of a sheet's XML


def max_rows() -> int:
    return int(getattr(settings, "DUBAN_IMPORT_MAX_ROWS", 100_000))


def max_cells() -> int:
    return int(getattr(settings, "DUBAN_IMPORT_MAX_CELLS", 4_000_000))


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def workbook_limits_check(
    content: bytes, kind: str, *, deadline: ReadDeadline | None = None
) -> None:
    """Refuse (SheetFileError) a zip that unpacks past the limit or past the file's time
    budget, or an .xlsx sheet whose declared size is past the row or cell limit — before the
    workbook is opened."""
    if kind not in ("xlsx", "ods"):
        return
    try:
        archive = zip_check(content, deadline=deadline)
    except UploadRefusedError as e:
        raise SheetFileError(e.message, code=e.code) from None
    if kind == "xlsx":
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                try:
                    with archive.open(info) as stream:
                        head = stream.read(_HEAD)
                except (
                    zipfile.BadZipFile,
                    zlib.error,
                    EOFError,
                    OSError,
                    ValueError,
                    RuntimeError,
                ):
                    continue  # a damaged member: the reader refuses the file with its message
                match = _DIMENSION.search(head)
                if match and match.group(4):
                    rows = int(match.group(4))
                    cols = _col_number(match.group(3).decode("ascii"))
                    sheet_limits_check(info.filename, height=rows, width=cols)


def sheet_limits_check(name: str, *, height: int, width: int) -> None:
    """Refuse a sheet of more rows or cells than the limits, naming both."""
    if height > max_rows() or height * width > max_cells():
        raise SheetFileError(
            _(
                "工作表“%(sheet)s”有%(rows)s行、%(cols)s列（到%(last)s列），超过上限（%(max_rows)s行，"
                "或%(max_cells)s个单元格）。常见原因是表格下方或右侧有大量设置了格式的空白行列："
                "请删除这些空白行列后另存再上传。"
            )
            % {
                "sheet": name.rsplit("/", 1)[-1],
                "rows": f"{height:,}",
                "cols": f"{width:,}",
                "last": column_letter(max(width - 1, 0)),
                "max_rows": f"{max_rows():,}",
                "max_cells": f"{max_cells():,}",
            },
            code="too_large",
        )


__all__ = ["sheet_limits_check", "workbook_limits_check"]

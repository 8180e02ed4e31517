"""Open an office workbook (.xlsx, .xls, .ods) into plain grids of cell values.

python-calamine reads every format fast; for .xlsx the cell styles (which cells are formatted
as percent) come from the file's own XML, read once with a regular expression rather than
loading the whole workbook into openpyxl, so a 20,000-row ledger stays cheap.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from duban.core.uploads import ReadDeadline, UploadRefusedError
from duban.sheets.errors import SheetFileError
from duban.sheets.html import html_tables, looks_like_html
from duban.sheets.limits import sheet_limits_check, workbook_limits_check

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_BUILTIN_PERCENT = {"9", "10"}
# What a damaged zip (an .xlsx/.ods) raises: bad headers, unknown versions or compression, bad data.
_ZIP_ERRORS = (zipfile.BadZipFile, NotImplementedError, EOFError, ValueError, OSError, zlib.error)

Merged = tuple[tuple[int, int], tuple[int, int]]


HEAD_ROWS = 40  # rows kept as a list: the title, unit rows and header are found in them
_CHECK_EVERY = 256  # rows between two looks at the file's time budget


def deadline_check(deadline: ReadDeadline | None) -> None:
    """Refuse the file (SheetFileError, code `too_slow`) once its time budget is spent."""
    if deadline is None:
        return
    try:
        deadline.check()
    except UploadRefusedError as e:
        raise SheetFileError(e.message, code=e.code) from None


@dataclass
class RawSheet:
    """One sheet: its rows (0-based grid), merged ranges and percent-formatted cells.

    The rows come from python-calamine one at a time (`iter_rows`), so a 20,000-row sheet is
    never held as Python objects all at once; `rows` builds the whole list when asked. Reading
    them stays within the file's time budget (`deadline`): reading and parsing the rows of a
    file that takes too long stops with SheetFileError (`too_slow`).
    """

    name: str
    merged: list[Merged] = field(default_factory=list)
    percent_cells: Callable[[], set[tuple[int, int]]] = field(default=lambda: set())
    source: Any = None  # the CalamineSheet
    grid: list[list[Any]] | None = None
    deadline: ReadDeadline | None = None

    @property
    def rows(self) -> list[list[Any]]:
        if self.grid is None:
            self.grid = list(self.iter_rows())
        return self.grid

    @property
    def head(self) -> list[list[Any]]:
        if self.grid is not None:
            return self.grid[:HEAD_ROWS]
        rows = []
        for row in self.iter_rows():
            rows.append(row)
            if len(rows) >= HEAD_ROWS:
                break
        return rows

    def iter_rows(self) -> Iterator[list[Any]]:
        if self.grid is not None:
            yield from self.grid
            return
        if self.source is None:
            return
        # iter_rows starts at the first used column; pad so that indexes match the sheet's.
        pad = [""] * (self.source.start[1] if self.source.start else 0)
        rows = self.source.iter_rows()
        count = 0
        while True:
            count += 1
            if count % _CHECK_EVERY == 0:
                deadline_check(self.deadline)
            try:
                row = next(rows)
            except StopIteration:
                return
            except (OverflowError, ValueError) as e:
                raise self._unreadable() from e
            except BaseException as e:
                # python-calamine panics (pyo3's PanicException, a BaseException) on a date or
                # time cell whose number is out of range, e.g. -1e20 formatted as a date.
                if type(e).__name__ == "PanicException":
                    raise self._unreadable() from None
                raise
            yield pad + row if pad else row

    def _unreadable(self) -> SheetFileError:
        return SheetFileError(
            _(
                "工作表“%(sheet)s”中有无法读取的单元格（如超出范围的日期或时间），"
                "请检查设置为日期格式的单元格后重新保存。"
            )
            % {"sheet": self.name}
        )


@dataclass
class RawWorkbook:
    file_name: str
    kind: str  # xlsx, xls, ods, html
    content: bytes
    sheets: list[RawSheet]


def max_import_bytes() -> int:
    return int(getattr(settings, "DUBAN_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _sniff(content: bytes, file_name: str) -> str:
    suffix = Path(file_name).suffix.lower()
    if content.startswith(_OLE2):
        # An encrypted .xlsx is an OLE2 container holding EncryptionInfo.
        if "EncryptionInfo".encode("utf-16-le") in content:
            raise SheetFileError(
                _("文件设置了打开密码（已加密），请取消密码后再上传。"), code="encrypted"
            )
        return "xls"
    if content.startswith(_ZIP):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        except _ZIP_ERRORS:
            raise SheetFileError(_("文件已损坏，无法读取。")) from None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names and "mimetype" in names:
            return "ods"
        if "word/document.xml" in names:
            raise SheetFileError(_("这是Word文档，不是表格。请上传 .xlsx、.xls 或 .ods 文件。"))
    if looks_like_html(content):
        return "html"  # an HTML table saved with an .xls name, as many systems export
    if suffix in (".et", ".ett"):
        # A WPS file python-calamine reads is an OLE2 or zip container (handled above).
        raise SheetFileError(
            _("WPS表格的 .et 文件无法直接读取，请在WPS中“另存为” .xlsx 后再上传。")
        )
    raise SheetFileError(_("这不是电子表格文件。请上传 .xlsx、.xls 或 .ods 文件。"))


def workbook_read(source: bytes | Path, *, file_name: str | None = None) -> RawWorkbook:
    """Read every sheet of a workbook; raises SheetFileError with a message for the sender.

    The file's time budget (DUBAN_UPLOAD_MAX_SECONDS) starts here and covers unpacking,
    loading each sheet and iterating its rows (the sheets carry it)."""
    deadline = ReadDeadline()
    if isinstance(source, Path):
        file_name = file_name or source.name
        size = source.stat().st_size
        if size > max_import_bytes():
            raise _too_large(size)
        content = source.read_bytes()
    else:
        content = source
    file_name = file_name or "upload.xlsx"
    if len(content) > max_import_bytes():
        raise _too_large(len(content))
    if not content:
        raise SheetFileError(_("文件是空的。"))
    kind = _sniff(content, file_name)
    workbook_limits_check(content, kind, deadline=deadline)
    if kind == "html":
        sheets = []
        for name, grid, merged in html_tables(content):
            deadline_check(deadline)
            # The same row and cell limits as a spreadsheet's sheets.
            sheet_limits_check(name, height=len(grid), width=max((len(r) for r in grid), default=0))
            sheets.append(RawSheet(name=name, merged=merged, grid=grid, deadline=deadline))
        return RawWorkbook(file_name=file_name, kind=kind, content=content, sheets=sheets)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = []
        styles = _XlsxStyles(content) if kind == "xlsx" else None
        for name in book.sheet_names:
            deadline_check(deadline)
            sheet = book.get_sheet_by_name(name)
            sheet_limits_check(name, height=sheet.height, width=sheet.width)
            merged = list(sheet.merged_cell_ranges or [])
            raw = RawSheet(name=name, merged=merged, source=sheet, deadline=deadline)
            if styles is not None:
                raw.percent_cells = _lazy(styles, name)
            sheets.append(raw)
    except PasswordError:
        raise SheetFileError(_("文件设置了密码，请取消密码后再上传。"), code="encrypted") from None
    except (CalamineError, *_ZIP_ERRORS) as e:
        if Path(file_name).suffix.lower() in (".et", ".ett"):
            raise SheetFileError(
                _("WPS表格的 .et 文件无法直接读取，请在WPS中“另存为” .xlsx 后再上传。")
            ) from None
        raise SheetFileError(_("文件无法读取（可能已损坏）：%(error)s") % {"error": e}) from None
    return RawWorkbook(file_name=file_name, kind=kind, content=content, sheets=sheets)


def _too_large(size: int) -> SheetFileError:
    limit = max_import_bytes()
    return SheetFileError(
        _("文件太大（%(size)s MB），超过上限 %(limit)s MB。请删去无关的工作表或图片后再上传。")
        % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"},
        code="too_large",
    )


def _lazy(styles: _XlsxStyles, name: str) -> Callable[[], set[tuple[int, int]]]:
    cache: list[set[tuple[int, int]]] = []

    def load() -> set[tuple[int, int]]:
        if not cache:
            cache.append(styles.percent_cells(name))
        return cache[0]

    return load


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


class _XlsxStyles:
    """Which cells of an .xlsx sheet carry a percent number format."""

    def __init__(self, content: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(content))
        self._percent_styles: set[str] | None = None

    def percent_styles(self) -> set[str]:
        if self._percent_styles is None:
            self._percent_styles = set()
            try:
                root = ET.fromstring(self.zip.read("xl/styles.xml"))  # noqa: S314
            except (KeyError, ET.ParseError, *_ZIP_ERRORS):
                return self._percent_styles
            custom = {
                el.get("numFmtId", ""): el.get("formatCode", "")
                for el in root.iterfind("m:numFmts/m:numFmt", _NS)
            }
            for index, xf in enumerate(root.iterfind("m:cellXfs/m:xf", _NS)):
                fmt_id = xf.get("numFmtId", "0")
                code = re.sub(r'"[^"]*"', "", custom.get(fmt_id, ""))
                if fmt_id in _BUILTIN_PERCENT or "%" in code:
                    self._percent_styles.add(str(index))
        return self._percent_styles

    def sheet_path(self, name: str) -> str | None:
        try:
            book = ET.fromstring(self.zip.read("xl/workbook.xml"))  # noqa: S314
            rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
        except (KeyError, ET.ParseError, *_ZIP_ERRORS):
            return None
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        for sheet in book.iterfind("m:sheets/m:sheet", _NS):
            if sheet.get("name") == name:
                target = targets.get(sheet.get(f"{{{_REL_NS}}}id"), "")
                return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        return None

    def percent_cells(self, name: str) -> set[tuple[int, int]]:
        styles = self.percent_styles()
        path = self.sheet_path(name)
        if not styles or path is None:
            return set()
        try:
            xml = self.zip.read(path).decode("utf-8", "replace")
        except (KeyError, *_ZIP_ERRORS):
            return set()
        ids = "|".join(sorted(styles))
        pattern = re.compile(rf'<c r="([A-Z]+)(\d+)"(?=[^>]*\bs="(?:{ids})")')
        return {(int(m.group(2)) - 1, _col_index(m.group(1))) for m in pattern.finditer(xml)}

"""An HTML table saved with an .xls name (what many government systems export) as a workbook.

Excel opens such a file; spreadsheet readers don't. Each <table> becomes a sheet; colspan and
rowspan become merged ranges, their value in the top-left cell as in a real workbook. The
cost is bounded whatever the file says: at most MAX_CELLS cells, spans of at most MAX_SPAN,
MAX_TABLES tables, and the text of a cell cut at MAX_TEXT characters.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from duban.sheets.errors import SheetFileError

MAX_CELLS = 2_000_000
MAX_SPAN = 200
MAX_TABLES = 50
MAX_TEXT = 10_000
_SNIFF = 4096
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.IGNORECASE)
_BLOCK_TAGS = {"br", "p", "div"}

Merged = tuple[tuple[int, int], tuple[int, int]]


def looks_like_html(content: bytes) -> bool:
    """True when the file starts like an HTML document or table (after a BOM and blanks)."""
    head = content[:_SNIFF].lstrip(b"\xef\xbb\xbf\xff\xfe\xfe\xff \t\r\n\x00").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head", b"<body")):
        return b"<table" in content[: 1024 * 1024].lower()
    return False


def _decode(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", "replace")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16", "replace")
    m = _CHARSET.search(content[:_SNIFF])
    declared = m.group(1).decode("ascii").lower() if m else ""
    for encoding in (declared, "utf-8", "gb18030"):
        if not encoding:
            continue
        try:
            return content.decode("gb18030" if encoding in ("gbk", "gb2312") else encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return content.decode("gb18030", "replace")


class _Table:
    def __init__(self, name: str) -> None:
        self.name = name
        self.cells: dict[tuple[int, int], str] = {}
        self.taken: set[tuple[int, int]] = set()
        self.merged: list[Merged] = []
        self.row = -1
        self.width = 0


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self.stack: list[_Table] = []  # nested tables are read as text of their cell
        self.col = 0
        self.cell: list[str] | None = None
        self.span = (1, 1)
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            if self.stack:  # a table inside a cell: its text stays in that cell
                self.stack.append(self.stack[-1])
                return
            if len(self.tables) >= MAX_TABLES:
                raise SheetFileError(_("文件中的表格太多（超过%(n)s个）。") % {"n": MAX_TABLES})
            table = _Table(_("表%(n)s") % {"n": len(self.tables) + 1})
            self.tables.append(table)
            self.stack.append(table)
        elif not self.stack:
            return
        elif tag == "tr" and len(self.stack) == 1:
            self._close_cell()
            self.stack[-1].row += 1
            self.col = 0
        elif tag in ("td", "th") and len(self.stack) == 1:
            self._close_cell()
            table = self.stack[-1]
            if table.row < 0:
                table.row = 0
            values = dict(attrs)
            self.span = (_span(values.get("rowspan")), _span(values.get("colspan")))
            while (table.row, self.col) in table.taken:
                self.col += 1
            self.cell = []
        elif tag in _BLOCK_TAGS and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            return
        if tag == "table":
            if len(self.stack) == 1:
                self._close_cell()
            self.stack.pop()
        elif tag in ("td", "th") and len(self.stack) == 1:
            self._close_cell()

    def handle_data(self, data: str) -> None:
        if self.cell is not None and sum(map(len, self.cell)) < MAX_TEXT:
            self.cell.append(data)

    def _close_cell(self) -> None:
        if self.cell is None:
            return
        table = self.stack[-1] if self.stack else self.tables[-1]
        text = "".join(self.cell)
        text = "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()[:MAX_TEXT]
        self.cell = None
        rows, cols = self.span
        r, c = table.row, self.col
        self.count += rows * cols
        if self.count > MAX_CELLS:
            raise SheetFileError(_("表格太大（超过%(n)s个单元格）。") % {"n": MAX_CELLS})
        if text:
            table.cells[(r, c)] = text
        for rr in range(r, r + rows):
            for cc in range(c, c + cols):
                table.taken.add((rr, cc))
        if rows > 1 or cols > 1:
            table.merged.append(((r, c), (r + rows - 1, c + cols - 1)))
        table.width = max(table.width, c + cols)
        self.col = c + cols


def _span(value: str | None) -> int:
    try:
        return max(1, min(int((value or "1").strip()), MAX_SPAN))
    except ValueError:
        return 1


def html_tables(content: bytes) -> list[tuple[str, list[list[object]], list[Merged]]]:
    """Each table of an HTML file as (name, rows of values, merged ranges).

    A cell holding a plain number is read as a number, as Excel does when it opens the file.
    """
    parser = _Parser()
    parser.feed(_decode(content))
    parser.close()
    parser._close_cell()
    out = []
    for table in parser.tables:
        height = max((r for r, _c in table.taken), default=-1) + 1
        grid: list[list[object]] = [[""] * table.width for _ in range(height)]
        for (r, c), text in table.cells.items():
            grid[r][c] = _number(text)
        out.append((table.name, grid, table.merged))
    return out


_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def _number(text: str) -> object:
    if _NUMBER.match(text) and len(text) <= 15:
        return float(text) if "." in text else int(text)
    return text

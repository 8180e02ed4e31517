"""Find a sheet's header (one to three rows, merged cells) and flatten it as `parent/child`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from duban.sheets.aliases import ColumnMeaning, column_meaning, normalize_header
from duban.sheets.reader import Merged
from duban.sheets.values import clean_text

HEADER_SCAN_ROWS = 20
MAX_HEADER_ROWS = 3
# A header no row of which names a key column: the row matching most known columns, if at
# least this many (a table of its own, whose key heading the office has yet to map).
FALLBACK_MIN_FIELDS = 3
_NAME_FIELDS = {"name", "task"}
_TOTAL_WORDS = ("合计", "总计", "小计")


@dataclass(frozen=True)
class Column:
    index: int  # 0-based
    header: str  # flattened, as shown: "2024年度/1-3月完成投资"
    meaning: ColumnMeaning | None

    @property
    def field(self) -> str | None:
        return self.meaning.field if self.meaning else None


@dataclass(frozen=True)
class Header:
    first_row: int  # 0-based
    depth: int
    columns: list[Column]
    lacks: bool = False  # found by the most matched columns: no key column among them

    @property
    def last_row(self) -> int:
        return self.first_row + self.depth - 1

    def by_field(self) -> dict[str, Column]:
        """The first column of each field (a repeated field's later columns are ignored)."""
        found: dict[str, Column] = {}
        for col in self.columns:
            if col.field and col.field not in found:
                found[col.field] = col
        return found


def _cell(rows: Sequence[Sequence[Any]], r: int, c: int) -> str:
    if r >= len(rows) or c >= len(rows[r]):
        return ""
    value = rows[r][c]
    return clean_text(value) if isinstance(value, str) else ""


def _fields_in_row(row: Sequence[Any], table: Mapping[str, str]) -> set[str]:
    found = set()
    for value in row:
        if isinstance(value, str) and value.strip():
            meaning = column_meaning([value], table)
            if meaning:
                found.add(meaning.field)
    return found


def header_find(
    rows: Sequence[Sequence[Any]],
    merged: Sequence[Merged],
    table: Mapping[str, str],
    key_fields: frozenset[str] | set[str] = _NAME_FIELDS,
) -> Header | None:
    """The header: the first row naming 序号 or a name column plus two other known columns.

    Failing that (the key column's heading is one the office's list has never used, as
    "存在困难" for 问题描述), the row among the first HEADER_SCAN_ROWS that, with the rows under
    it, matches most known columns (FALLBACK_MIN_FIELDS at least); its table lacks the key
    column (`Header.lacks`), for the office to map.
    """
    scanned = min(HEADER_SCAN_ROWS, len(rows))
    own: list[set[str]] = []
    for r in range(scanned):
        found = _fields_in_row(rows[r], table)
        own.append(found)
        if found & key_fields and (("seq" in found) or len(found) >= 3):
            r = _parent_row(merged, r)
            depth = _depth(rows, merged, r)
            return Header(r, depth, _flatten(rows, merged, r, depth, table))
    return _best_header(rows, merged, table, own, key_fields)


def _parent_row(merged: Sequence[Merged], r: int) -> int:
    """The header's first row: a row above whose cells merge down into row r (序号 spanning two
    rows beside "问题情况" over 问题描述/所属项目) is the header's parent row."""
    for _ in range(MAX_HEADER_ROWS - 1):
        if r == 0 or not any(r0 == r - 1 and r1 >= r for (r0, _c0), (r1, _c1) in merged):
            break
        r -= 1
    return r


def _looks_like_header(row: Sequence[Any]) -> bool:
    """Two texts or more, and not more numbers than texts (a data row has figures)."""
    texts = numbers = 0
    for v in row:
        if isinstance(v, str):
            texts += bool(v.strip())
        elif isinstance(v, int | float) and not isinstance(v, bool):
            numbers += 1
    return texts >= 2 and numbers <= texts


def _best_header(
    rows: Sequence[Sequence[Any]],
    merged: Sequence[Merged],
    table: Mapping[str, str],
    own: Sequence[set[str]],
    key_fields: frozenset[str] | set[str],
) -> Header | None:
    """The row (with its sub-header rows) matching most distinct known columns; the earliest
    of equals, so that a parent row wins over its own sub-header row."""
    best: Header | None = None
    best_score = FALLBACK_MIN_FIELDS - 1
    for r in range(len(own)):
        if not own[r] and not (r + 1 < len(own) and own[r + 1]):
            continue  # neither it nor a sub-header row under it names a known column
        if not _looks_like_header(rows[r]):
            continue
        depth = _depth(rows, merged, r)
        columns = _flatten(rows, merged, r, depth, table)
        score = len({c.field for c in columns if c.field})
        if score > best_score:
            best, best_score = Header(r, depth, columns), score
    if best is not None:
        found = {c.field for c in best.columns if c.field}
        best = Header(best.first_row, best.depth, best.columns, lacks=not (found & key_fields))
    return best


def _depth(rows: Sequence[Sequence[Any]], merged: Sequence[Merged], r: int) -> int:
    vertical = [r1 - r0 + 1 for (r0, c0), (r1, c1) in merged if r0 == r and r1 > r0 and r1 - r0 < 3]
    if vertical:
        return min(max(vertical), MAX_HEADER_ROWS)
    # No merge information (e.g. .ods): take following rows that look like header rows.
    depth = 1
    width = max((len(row) for row in rows[r : r + MAX_HEADER_ROWS]), default=0)
    while depth < MAX_HEADER_ROWS and r + depth < len(rows):
        row = rows[r + depth]
        values = [v for v in row if v not in ("", None)]
        if not values or not all(isinstance(v, str) for v in values):
            break
        if any(any(w in clean_text(v) for w in _TOTAL_WORDS) for v in values):
            break
        # A sub-header row sits under parent cells that span (blank to their right above).
        under_parent = any(
            _cell(rows, r + depth, c) and not _cell(rows, r + depth - 1, c) for c in range(width)
        ) or any(
            _cell(rows, r + depth, c)
            and _cell(rows, r + depth, c + 1)
            and not _cell(rows, r + depth - 1, c + 1)
            for c in range(width)
        )
        if not under_parent:
            break
        depth += 1
    return depth


def _flatten(
    rows: Sequence[Sequence[Any]],
    merged: Sequence[Merged],
    first: int,
    depth: int,
    table: Mapping[str, str],
) -> list[Column]:
    width = max(len(rows[i]) for i in range(first, first + depth))
    grid = [[_cell(rows, first + i, c) for c in range(width)] for i in range(depth)]
    # Merged ranges: the top-left value covers the whole range (within the header rows).
    last = first + depth - 1
    for (r0, c0), (r1, c1) in merged:
        if r0 < first or r0 > last:
            continue
        value = _cell(rows, r0, c0)
        for rr in range(r0, min(r1, last) + 1):
            for cc in range(c0, min(c1 + 1, width)):
                grid[rr - first][cc] = value
    if not merged:
        _fill_spans(grid)
    columns = []
    for c in range(width):
        parts: list[str] = []
        for i in range(depth):
            text = grid[i][c]
            if text and (not parts or normalize_header(parts[-1]) != normalize_header(text)):
                parts.append(text)
        header = "/".join(p.replace("\n", "") for p in parts)
        columns.append(Column(c, header, column_meaning(parts, table) if parts else None))
    return columns


def _fill_spans(grid: list[list[str]]) -> None:
    """Without merge information, a blank parent cell above a sub-header belongs to its left."""
    for i in range(len(grid) - 1):
        row, below = grid[i], grid[i + 1]
        for c in range(1, len(row)):
            if not row[c] and below[c] and row[c - 1] and below[c - 1]:
                row[c] = row[c - 1]

"""A sheet read as a ledger table: title, units, header, typed data rows, issues, totals check."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core.money import quantize
from duban.sheets.aliases import alias_table, column_guess, normalize_header
from duban.sheets.dates import DateValue, date_value
from duban.sheets.errors import CellIssue, CellValueError, SheetFileError, column_letter
from duban.sheets.fields import LEDGER, Kind, Schema
from duban.sheets.headers import Column, Header, header_find
from duban.sheets.reader import HEAD_ROWS, RawSheet, RawWorkbook, workbook_read
from duban.sheets.rows import RowKind, group_label, row_kind
from duban.sheets.values import (
    MoneyUnit,
    bool_value,
    clean_text,
    is_blank,
    money_value,
    percent_value,
    text_value,
)

_UNIT_ROW = re.compile(r"(?:金额|计量)?单位\s*[:：]\s*(亿元|万元|元)")
_REPORTER = re.compile(r"填报单位\s*[:：]\s*(\S+)")
_NOTE = re.compile(r"^(?:注|说明|备注|附注)\s*[:：\d]")
_YEAR = re.compile(r"(20\d{2}|19\d{2})\s*年")
_AS_OF = [
    re.compile(r"截[至止]\s*(\d{1,2})\s*月"),
    re.compile(r"1\s*[-—–~至]+\s*(\d{1,2})\s*月"),
    re.compile(r"(\d{1,2})\s*月(?:底|末|份)"),
]


@dataclass(slots=True)
class DataRow:
    sheet: str
    row: int  # 1-based
    group: str  # the text of the group row above it ("" when none)
    values: dict[str, Any]  # field → typed value (Decimal in 万元, bool, DateValue, str)
    raw: Sequence[Any]  # the row's cells as read
    index: Mapping[str, int]  # field → column, shared by the table's rows

    def cell(self, name: str) -> tuple[int | None, Any]:
        """(column, raw value) of a field; (None, "") when the table has no such column."""
        i = self.index.get(name)
        if i is None:
            return None, ""
        return i, self.raw[i] if i < len(self.raw) else ""

    @property
    def cells(self) -> dict[str, tuple[int, Any]]:
        """field → (column, raw value)."""
        return {
            name: (i, self.raw[i] if i < len(self.raw) else "") for name, i in self.index.items()
        }


@dataclass
class ParsedTable:
    sheet: str
    title: str
    year: int | None
    as_of_month: int | None
    unit: MoneyUnit  # the sheet's unit row, else 万元
    reporter: str  # 填报单位
    header: Header
    rows: list[DataRow] = field(default_factory=list)
    issues: list[CellIssue] = field(default_factory=list)
    header_row_numbers: list[int] = field(default_factory=list)
    groups: list[tuple[int, str]] = field(default_factory=list)
    schema: Schema = LEDGER

    @cached_property
    def columns(self) -> dict[str, Column]:
        return self.header.by_field()

    @cached_property
    def headers(self) -> dict[str, str]:
        """field → the header text as written."""
        return {f: c.header for f, c in self.columns.items()}

    @cached_property
    def series(self) -> bool:
        """The table has month or quarter columns (a plan curve, each month's figure)."""
        return any(f.startswith(("plan_m", "plan_q", "done_m")) for f in self.columns)

    def month_of(self, field_name: str) -> int | None:
        col = self.columns.get(field_name)
        if col and col.meaning and col.meaning.month:
            return col.meaning.month
        return self.as_of_month


def _texts(rows: Sequence[Sequence[Any]]) -> list[str]:
    return [clean_text(v) for row in rows for v in row if isinstance(v, str) and v.strip()]


def table_read(
    raw: RawSheet, table: Mapping[str, str], schema: Schema = LEDGER
) -> ParsedTable | None:
    """Read one sheet's first table; None when the sheet holds nothing."""
    tables = tables_read(raw, table, schema)
    return tables[0] if tables else None


MAX_TABLES_PER_SHEET = 50


def tables_read(
    raw: RawSheet, table: Mapping[str, str], schema: Schema = LEDGER
) -> list[ParsedTable]:
    """Every table of a sheet: a new header row below a table starts the next one (two lists
    stacked on one sheet). [] when the sheet holds nothing (a blank sheet among several)."""
    if not any(not is_blank(v) for row in raw.iter_rows() for v in row):
        return []
    found: list[ParsedTable] = []
    start: int | None = 0
    while start is not None and len(found) < MAX_TABLES_PER_SHEET:
        parsed, start = _table_from(raw, table, schema, start, found[-1] if found else None)
        found.append(parsed)
    return found


def _table_from(
    raw: RawSheet,
    table: Mapping[str, str],
    schema: Schema,
    start: int,
    previous: ParsedTable | None,
) -> tuple[ParsedTable, int | None]:
    """The table whose title or header begins at row `start`, and where the next one begins.

    A header repeated below a table with no title of its own (a header printed on every page)
    continues the table above: its title, year, month and money unit carry on.
    """
    rows = raw.head if start == 0 else raw.rows[start : start + HEAD_ROWS]
    merged = [
        ((r0 - start, c0), (r1 - start, c1)) for (r0, c0), (r1, c1) in raw.merged if r0 >= start
    ]
    found = header_find(rows, merged, table, schema.key_fields)
    if found is None:
        if schema is not LEDGER:
            keys = pgettext("list separator", "、").join(
                f"“{schema.fields[f][0]}”" for f in sorted(schema.key_fields)
            )
            raise SheetFileError(
                _("工作表“%(sheet)s”中找不到表头：需要一行有%(keys)s等列名。")
                % {"sheet": raw.name, "keys": keys},
                code="no_header",
            )
        raise SheetFileError(
            _(
                "工作表“%(sheet)s”中找不到表头：需要一行同时有“序号”和“项目名称”（或“督办事项”）"
                "等列名。如列名不同，请在管理后台的“列名别名”中添加。"
            )
            % {"sheet": raw.name},
            code="no_header",
        )
    header = Header(found.first_row + start, found.depth, found.columns, found.lacks)
    above = rows[: found.first_row]
    texts = _texts(above)
    # The title: the first text above the header that is not the unit row, the reporter, or
    # a note ("注：…", "说明：…" between the title and the header).
    title = next(
        (
            t
            for t in texts
            if not _UNIT_ROW.search(t) and not _REPORTER.search(t) and not _NOTE.match(t)
        ),
        "",
    )
    unit = MoneyUnit.WAN
    reporter = ""
    if previous is not None and not title:
        title, unit, reporter = previous.title, previous.unit, previous.reporter
    for t in texts:
        if m := _UNIT_ROW.search(t):
            unit = MoneyUnit(m.group(1))
        if m := _REPORTER.search(t):
            reporter = m.group(1)
    year = int(m.group(1)) if (m := _YEAR.search(title)) else None
    as_of = None
    for pattern in _AS_OF:
        if m := pattern.search(title):
            as_of = int(m.group(1))
            break
    if year is None:
        years = {c.meaning.year for c in header.columns if c.meaning and c.meaning.year}
        year = years.pop() if len(years) == 1 else None
    parsed = ParsedTable(
        sheet=raw.name,
        title=title,
        year=year,
        as_of_month=as_of if as_of and 1 <= as_of <= 12 else None,
        unit=unit,
        reporter=reporter,
        header=header,
        header_row_numbers=list(range(header.first_row + 1, header.last_row + 2)),
        schema=schema,
    )
    following = _read_rows(raw, parsed, table)
    if header.lacks:
        # Its rows can't be told apart without their key column: none is imported, and the
        # office is told which column is missing and which headings were not recognised.
        parsed.rows = []
        parsed.issues.append(_lacking_key(parsed, table))
    elif not parsed.rows:
        parsed.issues.append(
            CellIssue("warning", raw.name, None, None, "", "", _("工作表有表头但没有数据行"))
        )
    return parsed, following


MAX_UNMATCHED_LISTED = 12


def _lacking_key(parsed: ParsedTable, table: Mapping[str, str]) -> CellIssue:
    """The error of a table whose header names no key column, naming the unmatched columns
    (and the one that looks like the key column, when one does)."""
    schema = parsed.schema
    separator = pgettext("list separator", "、")
    keys = _("”或“").join(schema.fields[f][0] for f in sorted(schema.key_fields))
    unmatched = [c for c in parsed.header.columns if c.header and not c.field]
    named = []
    for c in unmatched[:MAX_UNMATCHED_LISTED]:
        text = _("%(col)s列“%(header)s”") % {"col": column_letter(c.index), "header": c.header}
        guess = column_guess(c.header, table, parsed.columns)
        if guess in schema.key_fields:
            text += _("（可能是“%(field)s”）") % {"field": schema.fields[guess][0]}
        named.append(text)
    listed = separator.join(named)
    if len(unmatched) > MAX_UNMATCHED_LISTED:
        listed += _("等%(n)s列") % {"n": len(unmatched)}
    return CellIssue(
        "error",
        parsed.sheet,
        parsed.header.last_row + 1,
        None,
        "",
        "",
        _(
            "表头中没有“%(keys)s”列，本表未导入。未识别的列：%(columns)s。"
            "请在预览的“列的对应”中选择其中哪一列是“%(keys)s”（推进办），"
            "或在管理后台的“列名别名”中添加"
        )
        % {"keys": keys, "columns": listed or "—"},
    )


def _starts_table(
    row: Sequence[Any],
    seq_col: int | None,
    name_col: int | None,
    table: Mapping[str, str],
    keys: frozenset[str],
) -> bool:
    """A header row below the data: its 序号 or name cell is a column name."""
    return any(
        i is not None
        and i < len(row)
        and isinstance(row[i], str)
        and (
            table.get(normalize_header(row[i])) == "seq"
            or table.get(normalize_header(row[i])) in keys
        )
        for i in (seq_col, name_col)
    )


def _read_rows(raw: RawSheet, parsed: ParsedTable, table: Mapping[str, str]) -> int | None:
    """Read the data rows; the row where another table begins, or None at the sheet's end."""
    cols = parsed.columns
    seq_col = cols["seq"].index if "seq" in cols else None
    fields = parsed.schema.fields
    keys = parsed.schema.key_fields
    name_col = next((cols[f].index for f in sorted(keys) if f in cols), None)
    needs_pct = any(fields[f][1] is Kind.PERCENT for f in cols)
    percent_cells = raw.percent_cells() if needs_pct else set()
    totals: list[tuple[int, Sequence[Any]]] = []
    readers = [_ColumnReader(name, col, parsed) for name, col in cols.items()]
    index = {name: col.index for name, col in cols.items()}
    group = ""
    first = parsed.header.last_row + 1
    following: int | None = None
    run_start: int | None = None  # the first of the non-data rows just above this one
    footer_at: int | None = None
    numbers = (int, float)
    for r, row in enumerate(raw.iter_rows()):
        if r < first:
            continue
        kind = row_kind(row, seq_col=seq_col, name_col=name_col)
        seq = row[seq_col] if seq_col is not None and seq_col < len(row) else None
        if (kind is not RowKind.DATA or type(seq) not in numbers) and _starts_table(
            row, seq_col, name_col, table, keys
        ):
            # Another table: its title and unit rows are the non-data rows just above.
            following = r if run_start is None else run_start
            break
        if footer_at is not None or kind is RowKind.FOOTER:
            # Below a footer nothing is data; another table may still follow, soon.
            if footer_at is None:
                footer_at = r
                run_start = r if run_start is None else run_start
            if r - footer_at > HEAD_ROWS:
                break
            continue
        if kind is RowKind.DATA:
            run_start = None
        elif run_start is None:
            run_start = r
        if kind is RowKind.BLANK or kind is RowKind.SUBTOTAL:
            continue
        if kind is RowKind.TOTAL:
            totals.append((r, row))
            continue
        if kind is RowKind.GROUP:
            group = group_label(row)
            parsed.groups.append((r + 1, group))
            continue
        values: dict[str, Any] = {}
        width = len(row)
        for reader in readers:
            i = reader.index
            value = row[i] if i < width else ""
            if value == "" or value is None:
                values[reader.name] = reader.empty
                continue
            # A value this column has read before: a dict lookup (inlined: the hot loop).
            typed = reader.memo.get(value if type(value) is str else (value, type(value)), _MISS)
            if typed is _MISS:
                typed = reader.read(value, reader.percent and (r, i) in percent_cells)
            if isinstance(typed, CellValueError):
                parsed.issues.append(
                    CellIssue("error", raw.name, r + 1, i, reader.header, value, typed.reason)
                )
                continue
            if reader.dates and typed is not None and typed.mangled:
                parsed.issues.append(_mangled(raw.name, r, reader, value, typed))
            values[reader.name] = typed
        parsed.rows.append(DataRow(raw.name, r + 1, group, values, row, index))
    _check_totals(parsed, totals)
    return following


def is_blank_row(row: Sequence[Any]) -> bool:
    return all(is_blank(v) for v in row)


MEMO_SIZE = 4096
_MISS = object()


class _ColumnReader:
    """How a column's cells become values: decided once per column, not once per cell.

    Ledgers repeat themselves (units, dates, 是/否, stage words), so each column remembers the
    values it has read, up to MEMO_SIZE distinct ones; a long text is taken as it is.
    """

    __slots__ = ("convert", "dates", "empty", "header", "index", "memo", "name", "percent")

    def __init__(self, name: str, col: Column, parsed: ParsedTable) -> None:
        kind = parsed.schema.fields[name][1]
        self.name = name
        self.index = col.index
        self.header = col.header
        self.empty: Any = "" if kind is Kind.TEXT else None
        self.percent = kind is Kind.PERCENT
        self.dates = kind is Kind.DATE
        self.memo: dict[Any, Any] = {}  # str → typed; (value, type) → typed for the rest
        convert: Callable[[Any, bool], Any]
        if kind is Kind.MONEY:
            unit = col.meaning.unit if col.meaning and col.meaning.unit else parsed.unit
            convert = lambda value, _pct: money_value(value, unit)  # noqa: E731
        elif kind is Kind.PERCENT:
            convert = lambda value, pct: percent_value(value, cell_is_percent=pct)  # noqa: E731
        elif kind is Kind.BOOL:
            convert = lambda value, _pct: bool_value(value)  # noqa: E731
        elif kind is Kind.DATE:
            year = parsed.year
            convert = lambda value, _pct: date_value(value, year=year)  # noqa: E731
        else:
            convert = lambda value, _pct: text_value(value)  # noqa: E731
        self.convert = convert

    def read(self, value: Any, pct: bool) -> Any:
        """The typed value, or the CellValueError saying why there is none (not raised)."""
        if type(value) is str and not self.percent:
            if self.empty == "" and len(value) > 7 and not (value[0] + value[-1]).isspace():
                # Text longer than any blank word, nothing to trim: text_value's result.
                return value
            if len(value) > 24:
                return self._convert(value, pct)  # long: not worth remembering
        typed = self._convert(value, pct)
        # Percent cells depend on their format too: those columns don't remember.
        if len(self.memo) < MEMO_SIZE and not self.percent:
            self.memo[value if type(value) is str else (value, type(value))] = typed
        return typed

    def _convert(self, value: Any, pct: bool) -> Any:
        try:
            return self.convert(value, pct)
        except CellValueError as e:
            return e


def _mangled(sheet: str, r: int, reader: _ColumnReader, value: Any, typed: DateValue) -> CellIssue:
    return CellIssue(
        "warning",
        sheet,
        r + 1,
        reader.index,
        reader.header,
        value,
        _(
            "按%(year)s年%(month)s月读取；"
            "若原意是10月，Excel可能已把“2024.10”存成了“2024.1”，请改为文本或“2024年10月”"
        )
        % {"year": typed.first.year, "month": typed.first.month},
    )


def _check_totals(parsed: ParsedTable, totals: list[tuple[int, Sequence[Any]]]) -> None:
    """Recompute each money column from the data rows; the file's 合计 is only a cross-check."""
    if not totals:
        return
    r, row = totals[0]
    for name, col in parsed.columns.items():
        if parsed.schema.fields[name][1] is not Kind.MONEY:
            continue
        values = [d.values.get(name) for d in parsed.rows]
        computed = sum((v for v in values if isinstance(v, Decimal)), Decimal(0))
        unit = col.meaning.unit if col.meaning and col.meaning.unit else parsed.unit
        raw = row[col.index] if col.index < len(row) else ""
        try:
            stated = money_value(raw, unit)
        except CellValueError:
            stated = None
        if stated is None:
            if computed:
                parsed.issues.append(
                    CellIssue(
                        "warning",
                        parsed.sheet,
                        r + 1,
                        col.index,
                        col.header,
                        raw,
                        _("合计行没有数值（可能是未计算的公式），按数据行重新计算为%(total)s")
                        % {"total": _total_shown(computed, unit)},
                    )
                )
            continue
        if abs(stated - computed) >= Decimal("0.01") * unit.in_wan:
            parsed.issues.append(
                CellIssue(
                    "warning",
                    parsed.sheet,
                    r + 1,
                    col.index,
                    col.header,
                    raw,
                    _("合计与各行之和（%(total)s）不一致，以各行数据为准")
                    % {"total": _total_shown(computed, unit)},
                )
            )


def _total_shown(computed: Decimal, unit: MoneyUnit) -> str:
    """The recomputed total in the column's unit, for a warning (translated only then)."""
    names = {MoneyUnit.YUAN: _("元"), MoneyUnit.WAN: _("万元"), MoneyUnit.YI: _("亿元")}
    return _("%(amount)s%(unit)s") % {
        "amount": quantize(computed / unit.in_wan, 2),
        "unit": names[unit],
    }


@dataclass
class ParsedWorkbook:
    file_name: str
    raw: RawWorkbook
    tables: list[ParsedTable]

    @property
    def issues(self) -> list[CellIssue]:
        return [i for t in self.tables for i in t.issues]


def workbook_parse(
    raw: RawWorkbook, *, aliases: Mapping[str, str] | None = None, schema: Schema = LEDGER
) -> ParsedWorkbook:
    """Every sheet that holds a table; raises SheetFileError when none does."""
    table = alias_table(aliases, schema)
    tables: list[ParsedTable] = []
    header_errors: list[SheetFileError] = []
    for sheet in raw.sheets:
        try:
            tables += tables_read(sheet, table, schema)
        except SheetFileError as e:
            if e.code == "too_slow":
                raise  # the file's time budget is spent: no other sheet is tried
            header_errors.append(e)
            continue
        if raw.kind == "xlsx":
            # The error workbook copies an .xlsx from its bytes: calamine's copy can go now.
            sheet.source = None
    if not tables:
        if header_errors:
            raise header_errors[0]
        raise SheetFileError(_("工作簿中所有工作表都是空的。"), code="empty")
    if any(not t.header.lacks for t in tables):
        # Beside proper tables, one without the key column is another kind of table (a
        # summary by unit): said, not an error; the office may still map its columns.
        for t in tables:
            if t.header.lacks:
                t.issues = [replace(i, level="warning") for i in t.issues]
    return ParsedWorkbook(file_name=raw.file_name, raw=raw, tables=tables)


def workbook_load(
    source: bytes | Any,
    *,
    file_name: str | None = None,
    aliases: Mapping[str, str] | None = None,
    schema: Schema = LEDGER,
) -> ParsedWorkbook:
    """Read and parse in one call."""
    return workbook_parse(
        workbook_read(source, file_name=file_name), aliases=aliases, schema=schema
    )

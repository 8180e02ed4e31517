"""Many rows read as plain tuples, converted cheaply.

`QuerySet.values_list` passes every value of every row through the converters of its column
(on SQLite: a Decimal made from a float then quantized, a date parsed, an integer expression
cast, a JSON text decoded), in Python, one call per value: for the tens of thousands of rows
a province's report reads, that costs more than the SQL. `plain_values` runs the same query
on the cursor and converts only the columns that need it, a column at a time: amounts from
SQLite's floats through their text with the field's decimals (what Django's converter gives
for amounts stored with those decimals), dates from SQLite's ISO text; JSON stays the text
the database gives (decode it where it is read). PostgreSQL gives Decimals and dates already.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from itertools import compress, repeat
from math import copysign
from operator import add, eq, is_, itemgetter, not_
from typing import Any

from django.db import connections
from django.db.models import Aggregate, Count, QuerySet, TextField

from duban.core.bulk import gc_paused

# Integers this small are exact as floats: written as their digits and the field's zeros, the
# text `format` gives them through a float, without formatting a float.
_EXACT = 2**53


def _decimals(places: int) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A column of amounts (SQLite's floats or integers) as Decimals with `places` decimals,
    each distinct value converted once, by C-level iteration (a year's 20,000 amounts hold
    thousands of repeats: zeros, round annual plans), then every value looked up."""
    spec = f".{places}f"
    step = Decimal(1).scaleb(-places)
    zeros = "." + "0" * places if places > 0 else ""

    def one(v: Any) -> Decimal | None:
        if v is None:
            return None
        if isinstance(v, str):  # a text SQLite did not read as a number
            return Decimal(v).quantize(step)
        return Decimal(format(v, spec))

    def convert(column: Sequence[Any]) -> tuple[Any, ...]:
        try:
            return _by_value(column)
        except (TypeError, ValueError):
            return tuple(map(one, column))

    def _by_value(column: Sequence[Any]) -> tuple[Any, ...]:
        distinct = set(column)
        distinct.discard(None)
        if (
            0 in distinct
            and min(
                map(copysign, repeat(1.0), compress(column, map(eq, column, repeat(0)))), default=1
            )
            < 0
        ):
            # -0.0 is written "-0.0000" but equals 0 (one key): one by one.
            return tuple(map(one, column))
        values = list(distinct)
        exact = list(map(is_, map(type, values), repeat(int)))
        ints = list(compress(values, exact))
        others = list(compress(values, map(not_, exact)))
        if ints and not -_EXACT < min(ints) <= max(ints) < _EXACT:
            ints, others = [], values
        found: dict[Any, Any] = dict(
            zip(ints, map(Decimal, map(add, map(str, ints), repeat(zeros))), strict=True)
        )
        found.update(zip(others, map(Decimal, map(format, others, repeat(spec))), strict=True))
        found[None] = None
        return tuple(map(found.__getitem__, column))

    return convert


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value  # type: ignore[no-any-return]
    return date.fromisoformat(value)


def _dates(column: Sequence[Any]) -> tuple[Any, ...]:
    """A column of dates (SQLite's ISO texts), each distinct text parsed once: a year's
    20,000 items start on a few hundred days, so a lookup per value, not a parse."""
    found = {v: _date(v) for v in set(column)}
    return tuple(map(found.__getitem__, column))


def _column(convert: Callable[[Any], Any]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    return lambda column: tuple(map(convert, column))


def _converter(field: Any, vendor: str) -> Callable[[Sequence[Any]], tuple[Any, ...]] | None:
    """How a column of `field` is converted (None: as the database gives it)."""
    if vendor != "sqlite":
        return None
    internal = field.get_internal_type() if field is not None else ""
    if internal == "DecimalField" and field.decimal_places is not None:
        return _decimals(field.decimal_places)
    if internal == "DateField":
        return _dates
    if internal == "BooleanField":
        return _column(lambda v: None if v is None else bool(v))
    return None


def plain_values(qs: QuerySet[Any], *fields: str) -> list[tuple[Any, ...]]:
    """`list(qs.values_list(*fields))` (field paths and names of the query's annotations),
    the same values, without a converter call per value (see the module's docstring). No
    cyclic garbage collection meanwhile (`gc_paused`: the rows are tens of thousands of new
    tuples that live on, and each full collection would walk them all)."""
    with gc_paused():
        return _plain_values(qs, fields)


def plain_columns(qs: QuerySet[Any], *fields: str) -> list[tuple[Any, ...]]:
    """The values `plain_values` reads, by column (one tuple per field, in the fields' order):
    for a caller that builds its own tuples from the columns, without the rows made twice."""
    with gc_paused():
        rows, names, convert = _read(qs, fields)
        if not rows:
            return [() for _f in fields]
        columns = _converted(rows, convert)
        index = {name: i for i, name in enumerate(names)}
        return [columns[index[f]] for f in fields]


def _plain_values(qs: QuerySet[Any], fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    rows, names, convert = _read(qs, fields)
    if rows and any(convert):
        rows = list(zip(*_converted(rows, convert), strict=True))
    if list(fields) != names:
        index = {name: i for i, name in enumerate(names)}
        pick = itemgetter(*(index[f] for f in fields))
        rows = [pick(r) if len(fields) > 1 else (pick(r),) for r in rows]
    return rows


def _converted(
    rows: list[Any], convert: list[Callable[[Sequence[Any]], tuple[Any, ...]] | None]
) -> list[tuple[Any, ...]]:
    """The rows' columns, each converted as `convert` says (None: as it is)."""
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True))
    for i, conv in enumerate(convert):
        if conv is not None:
            columns[i] = conv(columns[i])
    return columns


def _read(
    qs: QuerySet[Any], fields: tuple[str, ...]
) -> tuple[list[Any], list[str], list[Callable[[Sequence[Any]], tuple[Any, ...]] | None]]:
    """The rows as the database gives them, the names of their columns in the select's order,
    and how each column is converted (None: as it is)."""
    values = qs.values_list(*fields)
    query = values.query
    using = values.db
    compiler = query.get_compiler(using)
    sql, params = compiler.as_sql()
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[Any] = cursor.fetchall()
    # The select's order: as asked (Django 5.2 `Query.selected`); before, the annotations last.
    selected = getattr(query, "selected", None)
    if selected:
        names = list(selected)
    else:
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
    outputs = [getattr(col, "output_field", None) for col, _sql, _alias in compiler.select]
    convert = [_converter(f, connection.vendor) for f in outputs]
    return rows, names, convert


class _Joined(Aggregate):
    """An integer column's values as one text, comma-separated (SQLite's group_concat): every
    aggregate of one query reads the rows in the same order."""

    function = "GROUP_CONCAT"
    output_field = TextField()


# ASCII digits to their values (a text of single digits read as ints by C-level iteration).
_DIGITS = bytes.maketrans(b"0123456789", bytes(range(10)))


def plain_ints(qs: QuerySet[Any], *fields: str) -> list[tuple[int, ...]]:
    """`plain_values` of integer columns never NULL (ids, flags of 1 or 0 the database made).
    On SQLite each column is read as one text (`_Joined`) rather than as tens of thousands of
    rows, and parsed back by C-level iteration (a column of single digits, the flags, without
    parsing a number at all); a column the text cannot give back (a NULL, a value not an
    integer) is read as `plain_values` reads it."""
    if connections[qs.db].vendor != "sqlite":
        return plain_values(qs, *fields)
    with gc_paused():
        names = [f"c{i}" for i in range(len(fields))]
        texts = qs.order_by().aggregate(
            rows=Count("*"), **{n: _Joined(f) for n, f in zip(names, fields, strict=True)}
        )
        count = texts["rows"]
        if not count:
            return []
        columns = []
        for name in names:
            column = _ints(texts[name], count)
            if column is None:
                return plain_values(qs, *fields)
            columns.append(column)
        return list(zip(*columns, strict=True))


def _ints(text: str | None, count: int) -> list[int] | None:
    """The `count` integers of a `_Joined` text; None when it does not hold as many."""
    if text is None or text.count(",") != count - 1:
        return None
    if len(text) == 2 * count - 1:
        digits = text[::2]
        if digits.isascii() and digits.isdigit():
            return list(digits.encode().translate(_DIGITS))
    try:
        return list(map(int, text.split(",")))
    except ValueError:
        return None

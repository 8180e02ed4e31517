"""Rows written set-based: one statement whatever their number.

`bulk.insert_many` sends rows through `executemany` in slices of 1,000 on SQLite, so the number
of statements grows with the rows; derived tables recomputed in a fixed number of queries (the
assessment's events and rankings) need each write to be one statement. Here the rows travel as
one parameter per statement — a JSON text read by SQLite's `json_each`, or one array per column
unnested by PostgreSQL — or never leave the database (`INSERT … SELECT`). (Derived rows written
this way keep no simple-history rows: the assessment's events record each computation once,
`assessment.models.ScoringRun`; `bulk.history_copy` copies history rows for a list of keys.)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models

# The column types `rows_select` speaks (PostgreSQL's names; SQLite needs none).
TYPES = ("bigint", "integer", "text", "numeric", "boolean", "date", "timestamptz")


def _json_value(value: Any) -> Any:
    """What JSON can't hold as it is (json.dumps calls it for those values only)."""
    if isinstance(value, Decimal):
        return str(value)  # as Django's SQLite adapter sends it (the column's affinity decides)
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a column value")


def rows_select(
    columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]
) -> tuple[str, list[Any]]:
    """A SELECT yielding `rows` under the names of `columns` ((name, type) pairs, the type
    one of `TYPES`), with a fixed number of parameters whatever the number of rows: SQLite
    reads one JSON text, PostgreSQL unnests one array per column."""
    quote = connection.ops.quote_name
    for _name, kind in columns:
        if kind not in TYPES:
            raise ValueError(kind)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for _name, kind in columns)
        names = ", ".join(quote(name) for name, _kind in columns)
        params = [[row[i] for row in rows] for i in range(len(columns))]
        return f"SELECT * FROM unnest({arrays}) AS r({names})", params  # noqa: S608
    picks = ", ".join(
        f"json_extract(value, '$[{i}]') AS {quote(name)}" for i, (name, _k) in enumerate(columns)
    )
    text = json.dumps(rows, ensure_ascii=False, default=_json_value)
    return f"SELECT {picks} FROM json_each(%s)", [text]  # noqa: S608


def insert_select(
    model: type[models.Model], columns: Sequence[str], select: str, params: Sequence[Any]
) -> list[int]:
    """`INSERT INTO model (columns) select`: one statement; returns the new rows' keys.

    `columns` are field names or attnames; the SELECT yields one value for each, in order.
    Runs inside the caller's transaction; nothing is checked beyond the database's
    constraints (the caller derives the rows)."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(meta.get_field(c).column)) for c in columns)  # type: ignore[union-attr]
    pk = quote(meta.pk.column)  # type: ignore[union-attr]
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) {select} RETURNING {pk}"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return [row[0] for row in cursor.fetchall()]


def insert_select_count(
    model: type[models.Model], columns: Sequence[str], select: str, params: Sequence[Any]
) -> int:
    """`insert_select` returning how many rows went in rather than their keys (no `RETURNING`:
    the database hands back no row)."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(meta.get_field(c).column)) for c in columns)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({names}) {select}", list(params))
        return int(cursor.rowcount)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert `rows` into `model`'s table, `columns` naming a field (or attname) and its type
    (one of `TYPES`) for each value: one statement whatever their number — SQLite's
    `executemany` in one call (values the driver takes: numbers, text, Decimal, None),
    PostgreSQL's unnest of one array per column. No keys returned, no history written."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(meta.get_field(c).column)) for c, _kind in columns)  # type: ignore[union-attr]
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":
        select, params = rows_select([(c, kind) for c, kind in columns], rows)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({names}) {select}", params)
        return
    marks = ", ".join("%s" for _ in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def keys_where(keys: Sequence[int]) -> tuple[str, list[Any]]:
    """A condition on the primary key naming `keys`, in one or two parameters: a range when
    the keys are one unbroken run (an `INSERT … SELECT`'s on SQLite), else the list as one
    parameter."""
    if keys and max(keys) - min(keys) + 1 == len(keys) == len(set(keys)):
        return "{pk} BETWEEN %s AND %s", [min(keys), max(keys)]
    if connection.vendor == "postgresql":
        return "{pk} = ANY(%s::bigint[])", [list(keys)]
    return "{pk} IN (SELECT value FROM json_each(%s))", [json.dumps(list(keys))]


def delete_where(model: type[models.Model], where: str, params: Sequence[Any]) -> int:
    """`DELETE FROM model WHERE where` (`{pk}` stands for the key column): one statement, no
    signals, no cascade — the caller has written the history it wants. Returns the count."""
    quote = connection.ops.quote_name
    meta = model._meta
    condition = where.format(pk=quote(meta.pk.column))  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {quote(meta.db_table)} WHERE {condition}", list(params))  # noqa: S608
        return int(cursor.rowcount)

"""Many rows written at the speed of the database, the one home for it: new rows of one model
with their history (`insert_many`, `history_copy`), and set-based statements, one whatever the
number of rows (`rows_select`, `insert_select`, `insert_rows`, `keys_where`, `delete_where`:
the derived tables' writes, at the end of the module).


`QuerySet.bulk_create` compiles every value of every object through the field and the SQL
compiler, and django-simple-history's `bulk_create_with_history` builds a second model instance
per object: for an imported ledger of 20,000 projects, items and reports that was most of the
import's time. `insert_many` takes the values as dicts, reserves the primary keys in one query
(PostgreSQL's sequence, SQLite's table under the write lock the transaction already holds),
and sends the rows through `executemany` (SQLite) or COPY (PostgreSQL); the database copies
them into the history table as django-simple-history's "+" rows. Values are prepared by
their field where the driver can't take them as they are (datetimes, and anything unusual).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from simple_history.models import HistoricalRecords

from duban.core import clock

SLICE = 1000
# Up to this many rows, PostgreSQL inserts with INSERT … RETURNING rather than COPY.
FEW = 20
# Values the drivers take as they are: psycopg adapts all of them; Django's SQLite backend
# registers adapters for Decimal and date. Datetimes need the backend's time-zone handling.
_AS_IS = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.DecimalField,
    models.DateField,
)


def _as_is(value: Any) -> Any:
    return value


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if isinstance(field, models.ForeignKey):
        return lambda v: v.pk if isinstance(v, models.Model) else v
    if isinstance(field, models.DateTimeField):
        memo: dict[datetime, Any] = {}

        def prepare_datetime(v: Any) -> Any:
            if v is None:
                return None
            if v not in memo:
                memo[v] = field.get_db_prep_save(v, connection)
            return memo[v]

        return prepare_datetime
    if isinstance(field, _AS_IS):
        return _as_is
    return lambda v: field.get_db_prep_save(v, connection)


def _reserve_keys(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys for `model`; the caller's transaction holds them."""
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 — every concrete model has one
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: AUTOINCREMENT never reuses a key, so start past both the largest key in the
        # table and the largest ever handed out (sqlite_sequence); inserting explicit keys
        # moves sqlite_sequence on. Safe because the transaction began IMMEDIATE (settings).
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(pk.column)}) FROM {quote(table)}")  # noqa: S608
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(top, row[0] if row else 0) + 1
        return list(range(start, start + count))


def insert_many(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    history_user_id: int | None = None,
    history_reason: str = "",
) -> list[int]:
    """Insert `rows` (field name or attname → value) as new objects; return their keys in order.

    Fields a row leaves out take their default; `auto_now`/`auto_now_add` fields take now.
    Writes one "+" history row per object when the model has django-simple-history's
    `history`. Must run inside a transaction: nothing here is checked beyond what the
    database enforces, so the caller validates first (the importer's planner does).
    """
    if not rows:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("insert_many must run inside transaction.atomic()")
    if connection.vendor not in ("postgresql", "sqlite"):
        # settings.py configures only these two; a third would need its key reservation.
        raise RuntimeError(f"insert_many speaks PostgreSQL and SQLite, not {connection.vendor}")
    meta = model._meta
    now = clock.now()
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    # Each row starts as a copy of the prepared defaults; its own values overwrite them.
    template: list[Any] = [None]
    slots: dict[str, tuple[int, Callable[[Any], Any] | None]] = {}
    per_row: list[tuple[int, models.Field[Any, Any]]] = []  # callable defaults
    for position, f in enumerate(fields, start=1):
        prepare = _preparer(f)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            template.append(prepare(now))
        elif f.has_default() and callable(f.default):
            template.append(None)
            per_row.append((position, f))
        else:
            template.append(prepare(f.get_default()))
        as_is = None if prepare is _as_is else prepare
        slots[f.name] = slots[f.attname] = (position, as_is)
    values = []
    for row in rows:
        out = template.copy()
        for position, f in per_row:
            out[position] = _preparer(f)(f.get_default())
        for name, v in row.items():
            position, prepare_value = slots[name]
            out[position] = v if prepare_value is None else prepare_value(v)
        values.append(out)
    quote = connection.ops.quote_name
    columns = [quote(meta.pk.column)] + [quote(f.column) for f in fields]  # type: ignore[union-attr]
    if connection.vendor == "postgresql" and len(rows) <= FEW:
        # A few rows (a report put by a client): one INSERT … RETURNING, the keys from the
        # sequence in the same statement, instead of reserving them and a COPY.
        keys = _insert_returning(meta.db_table, columns, [out[1:] for out in values])
    else:
        keys = _reserve_keys(model, len(rows))
        for key, out in zip(keys, values, strict=True):
            out[0] = key
        _insert_rows(meta.db_table, columns, values)
    if _has_history(model) and getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        history_copy(
            model,
            keys,
            history_type="+",
            history_user_id=history_user_id,
            history_reason=history_reason,
            when=now,
            unbroken=True,
        )
        analyze_after_commit(model.history.model._meta.db_table, len(rows))  # type: ignore[attr-defined]
    analyze_after_commit(meta.db_table, len(rows))
    return keys


# PostgreSQL plans from each table's statistics. A table that has just received thousands of
# rows (an import, a month's snapshots, the day's kept progress, a month's score events) keeps
# the statistics of before until autovacuum comes round, and a plan made from those can be
# thousands of times slower: the province's 月报 read its freshly kept progress in 15 s
# instead of 0.5 s until the tables were analysed. Rows of a new month (a close's snapshots,
# its score events, its ranking's lines) hold a key value the statistics have never seen, and
# PostgreSQL estimates such a value at one row however few rows were written beside the
# table: recomputing December on the province set (25,544 events beside 271,000, 9%) joined
# them in a nested loop, 11.9 s instead of 1.4 s once analysed — and autovacuum, which waits
# for a tenth of the table, would not have come for it. So every write of many rows analyses
# its table once committed (outside the transaction: ANALYZE's lock is then held only while
# it runs), whatever the table's size: ANALYZE reads a sample of bounded size (300 × the
# statistics target rows), not the table. Each table once per commit, however many writes.
ANALYZE_AT = 1000


class _Analyses:
    """The tables to analyse once the transaction commits (one callback per commit)."""

    def __init__(self, table: str) -> None:
        self.tables = [table]

    def __call__(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"ANALYZE {quote(table)}")


def analyze_after_commit(table: str, rows: int) -> None:
    """On PostgreSQL, when `rows` (how many were just written into `table`) is at least
    `ANALYZE_AT`, refresh the table's statistics once the transaction commits (each table
    once per commit)."""
    if connection.vendor != "postgresql" or rows < ANALYZE_AT:
        return
    # The commit's pending analyses, if a write before this one registered them (Django
    # keeps a transaction's callbacks in `run_on_commit`, dropping a rolled-back savepoint's).
    for _savepoints, callback, *_robust in getattr(connection, "run_on_commit", []):
        if isinstance(callback, _Analyses):
            if table not in callback.tables:
                callback.tables.append(table)
            return
    transaction.on_commit(_Analyses(table))


def history_copy(
    model: type[models.Model],
    keys: Sequence[int],
    *,
    history_type: str = "~",
    history_user_id: int | None = None,
    history_reason: str = "",
    when: datetime | None = None,
    unbroken: bool = False,
) -> None:
    """Write a django-simple-history row for each object in `keys`, copied by the database
    from the row as it is now ("+" for a creation, "~" for a change): one statement.

    `unbroken`: the keys are one run without gaps (insert_many's on SQLite), so a range will do.
    """
    if not keys:
        return
    head, pk, date_field = _history_insert(model, connection.vendor)
    date = date_field.get_db_prep_save(when or clock.now(), connection)
    if unbroken and connection.vendor == "sqlite":
        which, params = f"{pk} BETWEEN %s AND %s", [keys[0], keys[-1]]
    else:
        which, params = _key_in(pk, keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{head} WHERE {which}", [date, history_reason, history_type, history_user_id, *params]
        )


@cache
def _history_insert(
    model: type[models.Model], vendor: str
) -> tuple[str, str, models.Field[Any, Any]]:
    """`history_copy`'s statement but its WHERE, the quoted key column and the history date's
    field: the same for every copy of `model`, so built once per process (and engine)."""
    quote = connection.ops.quote_name
    history = model.history.model  # type: ignore[attr-defined]
    hmeta = history._meta
    # Only the columns the history keeps (a model may exclude some, e.g. the user's password).
    kept = {f.column for f in hmeta.concrete_fields}
    columns = [quote(f.column) for f in model._meta.concrete_fields if f.column in kept]
    extra = ("history_date", "history_change_reason", "history_type", "history_user")
    head = "INSERT INTO {} ({}) SELECT {}, %s, %s, %s, %s FROM {}".format(  # noqa: S608
        quote(hmeta.db_table),
        ", ".join(columns + [quote(hmeta.get_field(name).column) for name in extra]),  # type: ignore[union-attr]
        ", ".join(columns),
        quote(model._meta.db_table),
    )
    pk = quote(model._meta.pk.column)  # type: ignore[union-attr]
    return head, pk, hmeta.get_field("history_date")  # type: ignore[return-value]


def history_m2m_copy(model: type[models.Model], field_name: str, keys: Sequence[int]) -> None:
    """Snapshot the many-to-many rows of `keys` onto each object's newest history row, as
    django-simple-history's `m2m_fields` does after `.set()`: one statement."""
    if not keys:
        return
    quote = connection.ops.quote_name
    field = model._meta.get_field(field_name)
    m2m_history = HistoricalRecords.m2m_models[field]
    through = field.remote_field.through  # type: ignore[union-attr]
    history = model.history.model  # type: ignore[attr-defined]
    copied = [f.column for f in through._meta.concrete_fields]
    owner = quote(field.m2m_column_name())  # type: ignore[union-attr]
    pk = quote(model._meta.pk.column)  # type: ignore[union-attr]
    which, params = _key_in(pk, keys)
    # Names from the models, values bound.
    sql = (
        f"INSERT INTO {quote(m2m_history._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(c) for c in copied)}, {quote('history_id')}) "
        f"SELECT {', '.join('t.' + quote(c) for c in copied)}, h.newest "
        f"FROM {quote(through._meta.db_table)} t JOIN ("
        f"SELECT {pk} AS owner, MAX({quote('history_id')}) AS newest "
        f"FROM {quote(history._meta.db_table)} WHERE {which} GROUP BY {pk}"
        f") h ON h.owner = t.{owner}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _key_in(column: str, keys: Sequence[int]) -> tuple[str, list[Any]]:
    """`column` among `keys`, as one parameter (see `values_in`)."""
    subquery = values_in(keys, of="bigint")
    return f"{column} IN ({subquery.sql})", list(subquery.params)


def _insert_returning(table: str, columns: list[str], values: list[list[Any]]) -> list[int]:
    """PostgreSQL: the rows in one INSERT, their keys (`columns[0]`) taken from its sequence
    and returned in the rows' order (as Django's `bulk_create` relies on)."""
    quote = connection.ops.quote_name
    row = "({})".format(", ".join(["%s"] * (len(columns) - 1)))
    sql = "INSERT INTO {} ({}) VALUES {} RETURNING {}".format(  # noqa: S608 — names from the model, values bound
        quote(table), ", ".join(columns[1:]), ", ".join([row] * len(values)), columns[0]
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [v for out in values for v in out])
        return [r[0] for r in cursor.fetchall()]


@cache
def _has_history(model: type[models.Model]) -> bool:
    return getattr(model, "history", None) is not None


def _insert_rows(table: str, columns: list[str], values: list[list[Any]]) -> None:
    """PostgreSQL: one COPY (psycopg adapts each value); SQLite: executemany in slices."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # executemany would be a round trip per row through Django's client-side cursor.
            sql = f"COPY {quote(table)} ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in values:
                    copy.write_row(row)
            return
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 — names from the model, values bound
            quote(table), ", ".join(columns), ", ".join(["%s"] * len(columns))
        )
        for start in range(0, len(values), SLICE):
            cursor.executemany(sql, values[start : start + SLICE])


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: bulk work allocates hundreds of thousands of
    objects that live to the end, and each full collection walks all of them (it took more
    than half of checking a 20,000-row ledger). Reference counting still frees everything
    acyclic; the collector catches up when it is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def values_in(values: Iterable[Any], *, of: str = "text") -> RawSQL:
    """A one-parameter subquery of `values`, for `field__in=values_in(...)`.

    A ledger of 20,000 rows looks up 20,000 codes and names: as `__in` lists they are as many
    SQL parameters (past SQLite's limit of 32,766, and slow for Django to prepare one by one).
    Here they travel as one JSON text (SQLite's json_each) or one array (PostgreSQL's unnest).
    `of` is the PostgreSQL element type: "text" or "bigint".
    """
    items = list(values)
    if connection.vendor == "postgresql":
        if of not in ("text", "bigint"):
            raise ValueError(of)
        return RawSQL(f"SELECT unnest(%s::{of}[])", [items])  # noqa: S611 — type from a fixed set
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(items, ensure_ascii=False)])


# Set-based statements: one statement whatever the number of rows.
#
# `insert_many` sends rows through `executemany` in slices of 1,000 on SQLite, so the number of
# statements grows with the rows; derived tables recomputed in a fixed number of queries (the
# assessment's events and rankings) need each write to be one statement. Below, the rows travel
# as one parameter per statement — a JSON text read by SQLite's `json_each`, or one array per
# column unnested by PostgreSQL — or never leave the database (`INSERT … SELECT`). Derived rows
# written this way keep no simple-history rows: the assessment's events record each computation
# once (`assessment.models.ScoringRun`); `history_copy` copies history rows for a list of keys.

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


def update_rows(
    model: type[models.Model],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    *,
    same: Mapping[str, Any] | None = None,
    increment: Sequence[str] = (),
) -> int:
    """Update the objects whose keys are the first value of each row: the fields named by the
    other `columns` ((field, type) pairs, the type one of `TYPES`) from the row, each field of
    `same` to its one value, each field of `increment` by one — one statement whatever the
    number of rows (Django's `bulk_update` builds a CASE per row and field: 2,000 prompts
    took seconds to compile). Returns how many were updated."""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    meta = model._meta
    table = quote(meta.db_table)
    key = quote(meta.pk.column)  # type: ignore[union-attr]
    names = [(f"c{i}", kind) for i, (_field, kind) in enumerate(columns)]
    select, params = rows_select(names, rows)
    sets = [
        f"{_column_names(model, [field])} = c.{alias}"
        for (field, _kind), (alias, _k) in zip(columns[1:], names[1:], strict=True)
    ]
    values: list[Any] = []
    for field, value in (same or {}).items():
        sets.append(f"{_column_names(model, [field])} = %s")
        values.append(meta.get_field(field).get_db_prep_save(value, connection))  # type: ignore[union-attr]
    for field in increment:
        column = _column_names(model, [field])
        sets.append(f"{column} = {column} + 1")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(sets)} FROM ({select}) c "  # noqa: S608
            f"WHERE {table}.{key} = c.c0",
            [*values, *params],
        )
        return int(cursor.rowcount)


def _column_names(model: type[models.Model], columns: Sequence[str]) -> str:
    """The quoted columns of `model`'s fields (names or attnames), comma-separated."""
    quote = connection.ops.quote_name
    return ", ".join(quote(str(model._meta.get_field(c).column)) for c in columns)  # type: ignore[union-attr]


def insert_select(
    model: type[models.Model], columns: Sequence[str], select: str, params: Sequence[Any]
) -> list[int]:
    """`INSERT INTO model (columns) select`: one statement; returns the new rows' keys.

    `columns` are field names or attnames; the SELECT yields one value for each, in order.
    Runs inside the caller's transaction; nothing is checked beyond the database's
    constraints (the caller derives the rows)."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = _column_names(model, columns)
    pk = quote(meta.pk.column)  # type: ignore[union-attr]
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) {select} RETURNING {pk}"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        keys = [row[0] for row in cursor.fetchall()]
    analyze_after_commit(meta.db_table, len(keys))
    return keys


def insert_select_count(
    model: type[models.Model], columns: Sequence[str], select: str, params: Sequence[Any]
) -> int:
    """`insert_select` returning how many rows went in rather than their keys (no `RETURNING`:
    the database hands back no row)."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = _column_names(model, columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({names}) {select}", list(params))
        count = int(cursor.rowcount)
    analyze_after_commit(meta.db_table, count)
    return count


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
    names = _column_names(model, [c for c, _kind in columns])
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":
        select, params = rows_select([(c, kind) for c, kind in columns], rows)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({names}) {select}", params)
        analyze_after_commit(meta.db_table, len(rows))
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

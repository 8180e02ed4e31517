"""An open month's progress kept in `LiveProgress`, recomputed only for the items whose facts
changed since it was computed.

Judging an item takes the progress core about 100 µs: a province of 20,000 items is seconds, too
slow to do again for every page. So the rows computed for a month are kept, with one
`LiveProgressState` row saying what they are valid for:

- the day the lights were judged on (a report becomes missing, a node overdue, on a new day),
  the light rules' version and the reports' due day: if any of them moved, every row of the
  month is dropped;
- how far the change feed was read. The feed is the history tables of every fact the core
  reads (work items, projects, nodes, indicators, plan curves, reports, indicator values): each
  write through a service or an import leaves a row there naming the work item it touched (a
  project's rows name its items). The rows of the items named since are dropped. A month
  closed or reopened, or the reporting settings changed, drop every row of the month.

A row dropped (or never computed: an item new, or never asked for) is computed again the next
time it is asked for, in one batch through `item_facts`, and stored. A read that finds nothing
to do costs a fixed handful of queries and no judging at all. The state is in the database, so
every process shares it; a refresh locks the month's state row, so two processes refreshing at
once take turns and neither stores rows older than the position it records.

Writes that leave no history row (a `QuerySet.update`, a `bulk_create` without history) are
not seen: the services never write a fact that way (the bulk writers in `duban.core.bulk` write
history rows).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from operator import itemgetter
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, FilteredRelation, OuterRef, Q, QuerySet

from duban.core import clock
from duban.core.bulk import insert_many
from duban.core.periods import Period
from duban.core.plainread import plain_columns, plain_values
from duban.ledger.models import Indicator, Milestone, PlanMonth, Project, WorkItem
from duban.reporting.models import (
    IndicatorValue,
    LiveProgress,
    LiveProgressState,
    MonthClose,
    MonthlyReport,
    ReportingSettings,
)
from duban.reporting.progress import ItemProgress, Rules, item_progress
from duban.reporting.selectors.facts import item_facts

logger = logging.getLogger(__name__)

# The stored columns, in the order `stored_progress` takes them.
STORED = (
    "investment_month",
    "ytd_investment",
    "prior_cumulative",
    "annual_plan",
    "cumulative_plan",
    "report",
    "report_counted",
    "start",
    "statistics",
    "milestones_due",
    "milestones_overdue",
    "light",
    "reasons",
)
# Items named by the feed at once beyond which dropping the whole month is cheaper than a list.
DROP_ALL_ABOVE = 5000
# Items to judge again named by a list of ids up to this many (else by the scope's filter
# less the items kept: each of the seven reads of facts then runs over the whole scope).
ID_LIST_UP_TO = 1000
# PostgreSQL: how far below the newest history row a new position starts looking for rows of
# transactions still running (SQLite has one writer at a time: ids appear in order).
PG_LOOKBACK = 10_000


@dataclass(frozen=True)
class _Feed:
    key: str  # the history table
    sql: str  # one SELECT of (history id, work item id) after a position (one parameter)
    whole: bool  # a row here drops every row of the month


def _history(model: type[models.Model]) -> type[models.Model]:
    return model.history.model  # type: ignore[attr-defined, no-any-return]


@cache
def feeds() -> tuple[_Feed, ...]:
    """The history tables of the facts and how a row of each names its work item."""
    qn = connection.ops.quote_name

    def table(model: type[models.Model]) -> str:
        return qn(model._meta.db_table)

    def own(model: type[models.Model], item: str, whole: bool = False) -> _Feed:
        h = table(_history(model))
        # Table and column names from the models' meta, quoted: no outside input.
        sql = f"SELECT h.history_id, {item} FROM {h} h WHERE h.history_id > %s"  # noqa: S608
        return _Feed(_history(model)._meta.db_table, sql, whole)

    def joined(model: type[models.Model], join: str, item: str) -> _Feed:
        h = table(_history(model))
        sql = f"SELECT h.history_id, {item} FROM {h} h {join} WHERE h.history_id > %s"  # noqa: S608
        return _Feed(_history(model)._meta.db_table, sql, False)

    return (
        own(WorkItem, "h.id"),
        own(Milestone, "h.work_item_id"),
        own(Indicator, "h.work_item_id"),
        own(PlanMonth, "h.work_item_id"),
        own(MonthlyReport, "h.work_item_id"),
        # A project's total investment and start year are facts of each of its items. A project
        # without items names none (its items' own rows name them when they are added).
        joined(Project, f"LEFT JOIN {table(WorkItem)} w ON w.project_id = h.id", "w.id"),
        # A value counts on its own report's item. A deleted report names its item in its own
        # history row; its values then name none.
        joined(
            IndicatorValue,
            f"LEFT JOIN {table(MonthlyReport)} r ON r.id = h.report_id",
            "r.work_item_id",
        ),
        own(MonthClose, "CAST(NULL AS BIGINT)", whole=True),
        own(ReportingSettings, "CAST(NULL AS BIGINT)", whole=True),
    )


@dataclass
class _Changes:
    whole: bool  # every row of the month is stale
    items: set[int]
    feed: dict[str, Any]  # the new position of each table (see `_advance`)


def _read_feed(position: dict[str, Any]) -> _Changes:
    """The items named by the history rows after `position`, in one query."""
    parts, params = [], []
    for i, f in enumerate(feeds()):
        parts.append(f"SELECT {i}, q.* FROM ({f.sql}) q")  # noqa: S608 — built from meta above
        params.append(position.get(f.key, [0])[0])
    pg = connection.vendor == "postgresql"
    if pg:
        # In the same statement, so of the same snapshot: the transactions still running.
        # The oldest other transaction still running (None: none; the snapshot leaves out the
        # reader's own) and the next transaction id. Transaction ids are the cluster's: those
        # known to run in another database cannot hold this one's ids and are left out (one
        # that ended since the snapshot is not left out: it still counts, which is safe).
        parts.append(
            "SELECT -1, (SELECT MIN(x::text::bigint)"
            " FROM pg_snapshot_xip(pg_current_snapshot()) AS s(x)"
            " WHERE (x::text::bigint %% 4294967296) NOT IN ("
            "SELECT a.backend_xid::text::bigint FROM pg_stat_activity a"
            " WHERE a.datname IS DISTINCT FROM current_database()"
            " AND a.backend_xid IS NOT NULL)),"
            " pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    seen: dict[int, set[int]] = {}
    items: set[int] = set()
    whole = False
    snapshot: tuple[int | None, int] = (None, 0)
    fs = feeds()
    for i, hid, item in rows:
        if i < 0:
            snapshot = (hid, item)
            continue
        seen.setdefault(i, set()).add(hid)
        if fs[i].whole:
            whole = True
        elif item is not None:
            items.add(item)
    feed = {
        f.key: _advance(position.get(f.key, [0]), seen.get(i, set()), pg, snapshot)
        for i, f in enumerate(fs)
    }
    return _Changes(whole, items, feed)


def _advance(
    position: list[Any], seen: set[int], pg: bool, snapshot: tuple[int | None, int]
) -> list[Any]:
    """A table's new position ([last id read, gap's snapshot xmax or None]) after `seen`.

    SQLite writes one transaction at a time, so ids become visible in order: the newest seen.
    PostgreSQL hands out ids before commit: a row of a transaction still running may appear
    later below ids already visible. The position stops below the first gap, so the rows after
    it are read (and their items judged) again until the gap is filled, or until no transaction
    that was running when the gap was first seen still runs (then it was rolled back and never
    fills). `snapshot`: the oldest other transaction running (None: none) and the next id.
    """
    pos, gap_xmax = position[0], (position[1] if len(position) > 1 else None)
    if not seen:
        return [pos, None]
    newest = max(seen)
    if not pg:
        return [newest, None]
    reached = pos
    while reached + 1 in seen:
        reached += 1
    oldest_running, next_xid = snapshot
    if reached == newest or oldest_running is None:
        return [newest, None]  # no gap, or nobody left who could fill it
    if gap_xmax is not None and oldest_running >= gap_xmax:
        return [newest, None]  # whoever held the missing ids has finished without them
    return [reached, gap_xmax if gap_xmax is not None else next_xid]


def facts_version() -> tuple[int, ...]:
    """The newest id of every history table of the facts, in one query: it moves on with every
    write that can change an item's figures or light (what `LiveProgress` follows), so a page
    may key a cache of what it derived from the progress on it (with the day and the rules)."""
    return tuple(v or 0 for v in _newest())


def _newest() -> tuple[int | None, ...]:
    qn = connection.ops.quote_name
    parts = [
        f"(SELECT MAX(history_id) FROM {qn(f.key)})"  # noqa: S608 — names from meta
        for f in feeds()
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def _start_position() -> dict[str, Any]:
    """The feed's newest ids (on PostgreSQL, a little before: see `_advance`)."""
    row = _newest()
    back = PG_LOOKBACK if connection.vendor == "postgresql" else 0
    return {f.key: [max((v or 0) - back, 0), None] for f, v in zip(feeds(), row, strict=True)}


@dataclass(frozen=True)
class Position:
    """What an open month's progress is judged with now."""

    today: date
    rules: Rules
    due: date
    due_day: int


def _valid(state: LiveProgressState | None, at: Position) -> bool:
    return (
        state is not None
        and state.today == at.today
        and state.rules_version == at.rules.version
        and state.due_day == at.due_day
    )


def _items_qs(items: Any) -> QuerySet[WorkItem]:
    if isinstance(items, QuerySet):
        return items.order_by()
    return WorkItem.objects.filter(pk__in=[i if isinstance(i, int) else i.pk for i in items])


def _with_stored(items: Any, period: Period) -> QuerySet[WorkItem]:
    """The items, each with its kept row of `period` (if any) as `lp`."""
    return _items_qs(items).annotate(
        lp=FilteredRelation(
            "live_progress",
            condition=Q(live_progress__year=period.year, live_progress__month=period.month),
        )
    )


def _stored_rows(
    items: Any, period: Period, columns: Sequence[str], raw: bool = False
) -> list[tuple[Any, ...]]:
    """(item id, kept row's id, *columns) of every item of `items`; None where no row is kept.
    `raw`: read by `plain_values` (the same values, JSON as its text)."""
    qs = _with_stored(items, period)
    names = ("pk", "lp__id", *(f"lp__{c}" for c in columns))
    if raw:
        return plain_values(qs, *names)
    return list(qs.values_list(*names))


def _stored_columns(items: Any, period: Period, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """The same as `_stored_rows(raw=True)`, by column (`plain_columns`)."""
    return plain_columns(
        _with_stored(items, period), "pk", "lp__id", *(f"lp__{c}" for c in columns)
    )


def _without_row_id(rows: list[tuple[Any, ...]], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """(item id, *columns) of rows read by `_stored_rows` (item id, kept row's id, *columns),
    by C-level iteration (a province's 20,000)."""
    if not columns:
        return [(r[0],) for r in rows]
    return list(map(itemgetter(0, *range(2, 2 + len(columns))), rows))


def stored_values(p: ItemProgress) -> dict[str, Any]:
    """The stored columns of a computed progress (as `ItemSnapshot` keeps them)."""
    f = p.figures
    return {
        "investment_month": f.investment_month,
        "ytd_investment": f.ytd_investment,
        "prior_cumulative": f.prior_cumulative,
        "annual_plan": f.annual_plan,
        "cumulative_plan": f.cumulative_plan,
        "report": str(p.report),
        "report_counted": p.report_counted,
        "start": str(p.start),
        "statistics": str(p.statistics),
        "milestones_due": p.milestones_due,
        "milestones_overdue": p.milestones_overdue,
        "light": str(p.light),
        "reasons": [r.as_json() for r in p.reasons],
    }


@dataclass
class Fresh:
    """The kept rows of the items asked for, and the items computed now."""

    at: Position
    rows: list[tuple[Any, ...]]  # (item id, *columns) of the items whose rows were kept
    computed: dict[int, ItemProgress]
    # `live_rows(columnar=True)` when every item's row was kept: the same values by column
    # (item ids, *columns), and `rows` empty.
    columns: list[tuple[Any, ...]] | None = None


# What the last `live_rows` did (tests and benchmarks read it: how many items were judged).
last_recomputed: list[int] = [0]


def _drop_closed_months() -> None:
    """A closed month is read from its snapshot: the rows kept while it was open go."""
    closed = MonthClose.objects.filter(year=OuterRef("year"), month=OuterRef("month"))
    LiveProgress.objects.filter(Exists(closed)).delete()
    LiveProgressState.objects.filter(Exists(closed)).delete()


def _locked_state(period: Period, at: Position) -> LiveProgressState:
    """The month's state row, locked (created first, with no feed read yet, if there is none):
    a second refresh waits here, then finds little to do. Inside a transaction. Two queries
    whether the row exists or not, so a page's count does not depend on it."""
    LiveProgressState.objects.bulk_create(
        [
            LiveProgressState(
                year=period.year,
                month=period.month,
                today=at.today,
                rules_version=at.rules.version,
                due_day=at.due_day,
                feed={},
            )
        ],
        ignore_conflicts=True,
    )
    return LiveProgressState.objects.select_for_update().get(year=period.year, month=period.month)


def live_rows(
    items: Any,
    period: Period,
    columns: Sequence[str],
    at: Position,
    *,
    raw: bool = False,
    columnar: bool = False,
) -> Fresh:
    """Every item's stored `columns` for the open month `period`, judged as `at` says: the
    kept rows when they are valid, the others computed now and kept. `raw`: the kept rows'
    columns as `plain_values` reads them (JSON as its text). `columnar` (with `raw`): when
    every item's row was kept, given by column (`Fresh.columns`), without making the rows."""
    last_recomputed[0] = 0
    state = LiveProgressState.objects.filter(year=period.year, month=period.month).first()
    if _valid(state, at):
        assert state is not None  # noqa: S101 — _valid says so
        changes = _read_feed(state.feed)
        if not changes.whole and not changes.items and changes.feed == state.feed:
            if raw and columnar:
                read = _stored_columns(items, period, columns)
                if None not in read[1]:
                    return Fresh(at, [], {}, [read[0], *read[2:]])
            else:
                rows = _stored_rows(items, period, columns, raw)
                if None not in map(itemgetter(1), rows):
                    return Fresh(at, _without_row_id(rows, columns), {})
    with transaction.atomic():
        state = _locked_state(period, at)
        month_rows = LiveProgress.objects.filter(year=period.year, month=period.month)
        if not _valid(state, at) or not state.feed:
            month_rows.delete()
            # From the newest history rows (on PostgreSQL, past those of transactions still
            # running); read as an incremental refresh reads, so both cost the same queries.
            feed = _read_feed(_start_position()).feed
            dropped = "all"
        else:
            changes = _read_feed(state.feed)
            feed = changes.feed
            if changes.whole or len(changes.items) > DROP_ALL_ABOVE:
                month_rows.delete()
                dropped = "all"
                if changes.whole:
                    _drop_closed_months()
            elif changes.items:
                month_rows.filter(work_item_id__in=sorted(changes.items)).delete()
                dropped = str(len(changes.items))
            else:
                dropped = "0"
        rows = _stored_rows(items, period, columns, raw)
        missing = [r[0] for r in rows if r[1] is None]
        computed: dict[int, ItemProgress] = {}
        if missing:
            wanted: Any = missing
            if isinstance(items, QuerySet) and len(missing) > ID_LIST_UP_TO:
                # The scope's own filter, not a list of (maybe twenty thousand) ids.
                wanted = items.order_by().exclude(
                    pk__in=month_rows.order_by().values("work_item_id")
                )
            computed = {
                f.pk: item_progress(f, period=period, today=at.today, due=at.due, rules=at.rules)
                for f in item_facts(wanted, period)
            }
            insert_many(
                LiveProgress,
                [
                    {
                        "work_item_id": pk,
                        "year": period.year,
                        "month": period.month,
                        **stored_values(p),
                    }
                    for pk, p in computed.items()
                ],
            )
        LiveProgressState.objects.filter(pk=state.pk).update(
            updated_at=clock.now(),
            today=at.today,
            rules_version=at.rules.version,
            due_day=at.due_day,
            feed=feed,
        )
    last_recomputed[0] = len(computed)
    logger.info(
        "live_progress.refreshed",
        extra={"period": str(period), "dropped": dropped, "computed": len(computed)},
    )
    return Fresh(at, [(r[0], *r[2:]) for r in rows if r[1] is not None], computed)

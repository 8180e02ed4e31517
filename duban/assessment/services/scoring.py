"""Scoring a closed month: one idempotent computation, set-based.

`events_compute` derives the month's automatic events from its facts (services/facts.py)
under the scheme version in force, in the database: the facts' union is compared with the
stored events by key, the events whose fact is gone are deleted (unless a unit objected to
them: an objection and its decision are kept), those whose rule, points or label changed are
updated, the new ones inserted — a fixed number of statements whatever the month holds, none
writing anything when nothing changed but the run's record (`ScoringRun`: who, when, how many
added, changed, removed; the events are derived from frozen facts and keep no row-by-row
history, and each names the run that last wrote it). The month is then
ranked (services/ranking.py). Both run inside the month's close
(`reporting.signals.month_closed`) and again on `duban assess --period`; a published month is
never recomputed.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from duban.assessment.models import Objection, Ranking, Scheme, ScoreEvent, ScoringRun
from duban.assessment.services.facts import key_sql, month_facts_query
from duban.assessment.services.ranking import ranking_compute, rankings_compute
from duban.assessment.services.schemes import scheme_for
from duban.core import clock
from duban.core.bulk import (
    delete_where,
    insert_select,
    insert_select_count,
    keys_where,
    rows_select,
)
from duban.core.errors import ApplicationError
from duban.core.events import Event, NotificationKind, district_text, emit
from duban.core.periods import Period
from duban.core.services import refuse_unless, require
from duban.org.models import Unit, User
from duban.reporting.models import MonthClose

logger = logging.getLogger(__name__)
E = ScoreEvent.State


def period_closed(period: Period) -> bool:
    return MonthClose.objects.filter(year=period.year, month=period.month).exists()


def period_published(period: Period) -> bool:
    return Ranking.objects.filter(
        year=period.year, month=period.month, published_at__isnull=False
    ).exists()


def closed_unpublished_months(year: int) -> list[Period]:
    closed = set(MonthClose.objects.filter(year=year).values_list("month", flat=True))
    published = set(
        Ranking.objects.filter(year=year, published_at__isnull=False).values_list(
            "month", flat=True
        )
    )
    return [Period(year, m) for m in sorted(closed - published)]


def assessed_unit_ids() -> set[int]:
    return set(Unit.objects.filter(assessed=True, is_active=True).values_list("pk", flat=True))


def facts_select(period: Period, scheme: Scheme) -> tuple[str, list[Any]]:
    """The month's facts scored by the scheme's automatic rules, as a SELECT of
    (unit_id, event_key, rule_id, points, origin, origin_id, label): the derivations' union
    (services/facts.py) joined to the assessed units, each fact given its rule and points."""
    # The rule of each source (a scheme naming a source twice: the last rule counts).
    rules = {
        source: (pk, points)
        for pk, source, points in scheme.rules.filter(automatic=True).values_list(
            "pk", "source", "points"
        )
    }
    query = month_facts_query(period, set(rules))
    if query is None:
        return NO_FACTS, []
    inner, inner_params = query.query.sql_with_params()
    rule_case = " ".join("WHEN %s THEN %s" for _ in rules)
    points_case = " ".join("WHEN %s THEN CAST(%s AS NUMERIC)" for _ in rules)
    sources = ", ".join("%s" for _ in rules)
    unit = connection.ops.quote_name(Unit._meta.db_table)
    sql = (
        f"SELECT f.fact_unit AS unit_id, CAST({key_sql('f')} AS TEXT) AS event_key, "  # noqa: S608
        f"CASE f.fact_source {rule_case} END AS rule_id, "
        f"CASE f.fact_source {points_case} END AS points, "
        "f.fact_origin AS origin, f.fact_origin_id AS origin_id, f.fact_label AS label "
        f"FROM ({inner}) f JOIN {unit} u ON u.id = f.fact_unit "
        f"WHERE u.assessed = %s AND u.is_active = %s AND f.fact_source IN ({sources})"
    )
    params: list[Any] = []
    for source, (pk, _points) in rules.items():
        params += [source, pk]
    for source, (_pk, points) in rules.items():
        params += [source, points]
    return sql, [*params, *inner_params, True, True, *rules]


def points_by_unit_select(period: Period) -> tuple[str, list[Any]]:
    """The month's automatic points before caps, per unit, in one aggregate (unit_id, points):
    the same facts `events_compute` reads (`facts_select`, under the scheme in force), summed
    by unit. What the computation writes sums to this (the benchmark's lower bound and its
    check)."""
    facts, params = facts_select(period, scheme_for(period))
    return f"SELECT f.unit_id, SUM(f.points) FROM ({facts}) f GROUP BY f.unit_id", params  # noqa: S608


def points_by_unit_and_month_select(year: int, months: list[int]) -> tuple[str, list[Any]]:
    """The months' automatic points before caps, per unit and month, in one aggregate
    (unit_id, month, points): each month's facts (`facts_select`, under its scheme) in one
    `UNION ALL`, summed (the benchmark's lower bound for scoring a year)."""
    parts, params = [], []
    for month in months:
        period = Period(year, month)
        facts, facts_params = facts_select(period, scheme_for(period))
        parts.append(f"SELECT f.unit_id, {int(month)} AS month, f.points FROM ({facts}) f")  # noqa: S608
        params += facts_params
    union = " UNION ALL ".join(parts)
    return (
        f"SELECT y.unit_id, y.month, SUM(y.points) FROM ({union}) y "  # noqa: S608
        "GROUP BY y.unit_id, y.month",
        params,
    )


# No facts (a scheme without automatic rules): the same columns, no row.
NO_FACTS = (
    "SELECT CAST(NULL AS INTEGER) AS unit_id, CAST(NULL AS TEXT) AS event_key, "
    "CAST(NULL AS INTEGER) AS rule_id, CAST(NULL AS NUMERIC) AS points, "
    "CAST(NULL AS TEXT) AS origin, CAST(NULL AS INTEGER) AS origin_id, "
    "CAST(NULL AS TEXT) AS label WHERE 1 = 0"
)


def _month_where(period: Period, alias: str = "") -> tuple[str, list[Any]]:
    """The month's automatic events, as a condition on the events table (named `alias`)."""
    a = f"{alias}." if alias else ""
    return (
        f"{a}year = %s AND {a}month = %s AND {a}origin <> %s",
        [period.year, period.month, "manual"],
    )


@transaction.atomic
def events_compute(*, period: Period, by: User | None = None) -> Ranking:
    """Derive the closed month's automatic events (idempotent) and rank it — and, when its
    events changed, the later unpublished months (their year to date holds its points).
    Refuses a month not closed and a published one."""
    run = _events_derive(period=period, by=by)
    return ranking_compute(period=period, later=bool(run.added or run.changed or run.removed))


@transaction.atomic
def months_rescore(*, year: int, months: list[int], by: User | None = None) -> None:
    """Derive the events of several closed, unpublished months again (a scheme revised from
    the first of them) and rank them in one pass."""
    for month in months:
        _events_derive(period=Period(year, month), by=by)
    rankings_compute(year=year, months=months)


def _closed_published_and_held(period: Period) -> tuple[bool, bool, int]:
    """Whether the month is closed, whether its ranking is published, and how many automatic
    events it holds: one query."""
    quote = connection.ops.quote_name
    month, params = _month_where(period, "t")
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {quote(MonthClose._meta.db_table)} c "  # noqa: S608
        "WHERE c.year = %s AND c.month = %s), "
        f"EXISTS (SELECT 1 FROM {quote(Ranking._meta.db_table)} r "
        "WHERE r.year = %s AND r.month = %s AND r.published_at IS NOT NULL), "
        f"(SELECT COUNT(*) FROM {quote(ScoreEvent._meta.db_table)} t WHERE {month})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(period.year, period.month) * 2, *params])
        closed, published, held = cursor.fetchone()
    return bool(closed), bool(published), int(held)


def _events_derive(*, period: Period, by: User | None) -> ScoringRun:
    """The month's automatic events brought in line with its facts, set-based: the facts are
    derived in the database and compared there with the stored events by key; events whose
    fact is gone are deleted (unless a unit objected: the objection and its decision stay),
    those whose rule, points or label changed are updated, the new ones inserted — in a fixed
    number of statements, none of which writes anything when nothing changed but the run's
    one record. A month holding no automatic event (scored from scratch) has nothing to
    compare: the run is recorded with the number of its facts (each one new), and the facts
    inserted without looking each up — two statements instead of seven."""
    closed, published, held = _closed_published_and_held(period)
    require(closed, _("%(p)s尚未关账，不能计分。") % {"p": period.label})
    require(not published, _("%(p)s的月榜已公布，不能重新计分。") % {"p": period.label})
    scheme = scheme_for(period)
    facts, facts_params = facts_select(period, scheme)
    now = clock.now()
    stamp = ScoreEvent._meta.get_field("updated_at").get_db_prep_save(now, connection)
    if not held:
        # The run recorded with the number of facts (each one new), then the facts inserted.
        # (The facts are evaluated twice, but nothing cheaper keeps the run written once: a
        # run recorded after its events, its key taken first, makes SQLite's deferred
        # foreign-key check scan every event for it — `run` is not indexed — which costs as
        # much as the count and grows with the table; and a run is never updated.)
        at = ScoringRun._meta.get_field("at").get_db_prep_save(now, connection)
        [run_id] = insert_select(
            ScoringRun,
            ["year", "month", "by", "at", "added", "changed", "removed"],
            f"SELECT %s, %s, %s, %s, COUNT(*), 0, 0 FROM ({facts}) f",  # noqa: S608
            [period.year, period.month, by.pk if by else None, at, *facts_params],
        )
        new = _events_insert(period, run_id, stamp, facts, facts_params, missing_only=False)
        logger.info(
            "assessment.scored",
            extra={"period": str(period), "new": new, "gone": 0, "changed": 0},
        )
        return ScoringRun(
            pk=run_id,
            year=period.year,
            month=period.month,
            by=by,
            at=now,
            added=new,
            changed=0,
            removed=0,
        )
    quote = connection.ops.quote_name
    events = quote(ScoreEvent._meta.db_table)
    objections = quote(Objection._meta.db_table)
    key = quote("key")
    # 1. One comparison driven by the facts (derived once, each looked up by its key in the
    # events' unique index): how many facts have no event yet, how many have one as it is, and
    # the events whose rule, points or label changed (id, rule, points, label).
    new_facts, kept, changed = _compare(facts, facts_params, period)
    matched = kept + len(changed)
    # 2. Gone: the events no fact matched (held minus matched), unless a unit objected. The
    # statement is sent whatever the month holds; it reads the facts only when some event
    # has none.
    some_gone = held > matched
    gone_facts, gone_params = (facts, facts_params) if some_gone else (NO_FACTS, [])
    month, month_params = _month_where(period, "e")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH f AS ({gone_facts}) SELECT e.id FROM {events} e "  # noqa: S608
            f"WHERE %s AND {month} AND NOT EXISTS (SELECT 1 FROM f "
            f"WHERE f.unit_id = e.unit_id AND f.event_key = e.{key}) "
            f"AND NOT EXISTS (SELECT 1 FROM {objections} o WHERE o.event_id = e.id)",
            [*gone_params, some_gone, *month_params],
        )
        gone = [pk for (pk,) in cursor.fetchall()]
    # 3. The run, recorded once with what it is about to write (the comparison knows): the
    # automatic events keep no history rows of their own (ScoringRun says why).
    run = ScoringRun.objects.create(
        year=period.year,
        month=period.month,
        by=by,
        at=now,
        added=new_facts,
        changed=len(changed),
        removed=len(gone),
    )
    # 4. Gone: deleted.
    where, params = keys_where(gone)
    delete_where(ScoreEvent, where, params)
    # 5. Changed: updated from their fact, naming this run.
    rows, rows_params = rows_select(
        [("id", "bigint"), ("rule_id", "bigint"), ("points", "numeric"), ("label", "text")],
        changed,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {events} SET rule_id = c.rule_id, points = c.points, "  # noqa: S608
            "label = c.label, run_id = %s, version = version + 1, updated_at = %s "
            f"FROM ({rows}) c WHERE {events}.id = c.id",
            [run.pk, stamp, *rows_params],
        )
    # 6. New: the facts without an event, inserted by the database.
    # (When the comparison found none, the same statement reads no facts: nothing to derive.)
    if not new_facts:
        facts, facts_params = NO_FACTS, []
    new = _events_insert(period, run.pk, stamp, facts, facts_params, missing_only=True)
    logger.info(
        "assessment.scored",
        extra={"period": str(period), "new": new, "gone": len(gone), "changed": len(changed)},
    )
    return run


def _compare(
    facts: str, facts_params: list[Any], period: Period
) -> tuple[int, int, list[tuple[int, int, Any, str]]]:
    """The facts compared with the month's events by key, in one statement: (how many facts
    have no event, how many have one as it is, the changed events as (id, rule_id, points,
    label)). SQLite in one pass without grouping (the changed ones gathered as one JSON
    array: grouping sorted every fact with its label, ≈15% of the statement); elsewhere
    grouped by what each fact found (one row per changed event, one per count)."""
    quote = connection.ops.quote_name
    events, key = quote(ScoreEvent._meta.db_table), quote("key")
    joined = (
        f"FROM f LEFT JOIN {events} n ON n.year = %s AND n.month = %s "
        f"AND n.unit_id = f.unit_id AND n.{key} = f.event_key"
    )
    differs = "n.rule_id <> f.rule_id OR n.points <> f.points OR n.label <> f.label"
    params = [*facts_params, period.year, period.month]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f"WITH f AS ({facts}) SELECT COUNT(*) FILTER (WHERE n.id IS NULL), "
                f"COUNT(*) FILTER (WHERE n.id IS NOT NULL AND NOT ({differs})), "
                "json_group_array(json_array(n.id, f.rule_id, f.points, f.label)) "
                f"FILTER (WHERE n.id IS NOT NULL AND ({differs})) {joined}",
                params,
            )
            new_facts, kept, changed = cursor.fetchone()
            return int(new_facts), int(kept), [tuple(row) for row in json.loads(changed)]
        cursor.execute(
            f"WITH f AS ({facts}) "
            f"SELECT CASE WHEN n.id IS NULL THEN 0 WHEN {differs} THEN n.id ELSE -1 END AS k, "
            f"MAX(f.rule_id), MAX(f.points), MAX(f.label), COUNT(*) {joined} GROUP BY 1",
            params,
        )
        compared = cursor.fetchall()
    counts = {k: n for k, *_rest, n in compared if k <= 0}
    return (
        counts.get(0, 0),
        counts.get(-1, 0),
        [(k, rule_id, points, label) for k, rule_id, points, label, _n in compared if k > 0],
    )


def _events_insert(
    period: Period,
    run_id: int,
    stamp: Any,
    facts: str,
    facts_params: list[Any],
    *,
    missing_only: bool,
) -> int:
    """The facts inserted as the month's events, naming the run, in key order: one statement;
    with `missing_only`, those that have no event yet (each looked up in the events' unique
    index) — without, every fact (the month holds no automatic event: none can have one, and
    a manual event's key never is a fact's). Returns how many went in."""
    events = connection.ops.quote_name(ScoreEvent._meta.db_table)
    key = connection.ops.quote_name("key")
    missing, missing_params = "1 = 1", []
    if missing_only:
        missing = (
            f"NOT EXISTS (SELECT 1 FROM {events} n WHERE n.year = %s AND n.month = %s "  # noqa: S608
            f"AND n.unit_id = f.unit_id AND n.{key} = f.event_key)"
        )
        missing_params = [period.year, period.month]
    values = {
        "year": "%s",
        "month": "%s",
        "unit": "f.unit_id",
        "rule": "f.rule_id",
        "points": "f.points",
        "state": "%s",
        "origin": "f.origin",
        "origin_id": "f.origin_id",
        "label": "f.label",
        "key": "f.event_key",
        "reason": "%s",
        "evidence": "%s",
        "created_by": "NULL",
        "approved_by": "NULL",
        "approved_at": "%s",
        "run": "%s",
        "created_at": "%s",
        "updated_at": "%s",
        "version": "1",
    }
    # SQLite: the facts materialized first, then sorted once; inlined, its planner sorted each
    # derivation of the union apart and merged them, ≈10% of the statement. (PostgreSQL
    # inlines a CTE read once, as before.)
    materialized = "MATERIALIZED " if connection.vendor == "sqlite" else ""
    return insert_select_count(
        ScoreEvent,
        list(values),
        f"WITH f AS {materialized}({facts}) "  # noqa: S608
        f"SELECT {', '.join(values.values())} FROM f WHERE {missing} "
        "ORDER BY f.unit_id, f.event_key",
        [
            *facts_params,
            period.year,
            period.month,
            E.APPROVED,
            "",
            "",
            stamp,
            run_id,
            stamp,
            stamp,
            *missing_params,
        ],
    )


@transaction.atomic
def automatic_events_delete(*, period: Period, by: User | None = None) -> int:
    """Drop a month's automatic events (not its manual ones, nor those a unit objected to) in
    one statement, recorded as a run; refused once published. The next `events_compute`
    derives them again. Returns how many went."""
    require(
        not period_published(period),
        _("%(p)s的月榜已公布，不能重新计分。") % {"p": period.label},
    )
    month, params = _month_where(period)
    quote = connection.ops.quote_name
    events, objections = quote(ScoreEvent._meta.db_table), quote(Objection._meta.db_table)
    where = (
        f"{month} AND NOT EXISTS (SELECT 1 FROM {objections} o "  # noqa: S608
        f"WHERE o.event_id = {events}.{{pk}})"
    )
    removed = delete_where(ScoreEvent, where, params)
    ScoringRun.objects.create(
        year=period.year,
        month=period.month,
        by=by,
        at=clock.now(),
        added=0,
        changed=0,
        removed=removed,
    )
    return removed


def on_month_closed(sender: object, *, close: MonthClose, by: User, **kwargs: object) -> None:
    """The receiver of `reporting.signals.month_closed`: score and rank the month."""
    events_compute(period=Period(close.year, close.month), by=by)


@transaction.atomic
def ranking_publish(*, period: Period, by: User) -> Ranking:
    """Publish a month's ranking (units see it from now on). Refuses a month not closed, one
    already published, and one with manual events or objections still undecided."""
    refuse_unless(by.is_office, _("只有推进办可以公布月榜。"))
    require(period_closed(period), _("%(p)s尚未关账，不能公布月榜。") % {"p": period.label})
    ranking = (
        Ranking.objects.select_for_update().filter(year=period.year, month=period.month).first()
    )
    require(ranking is not None, _("%(p)s还没有计分结果。") % {"p": period.label})
    assert ranking is not None  # noqa: S101
    if ranking.published_at is not None:
        raise ApplicationError(_("%(p)s的月榜已公布。") % {"p": period.label})
    in_month: dict[str, Any] = {"year": period.year, "month": period.month}
    pending = ScoreEvent.objects.filter(state=E.PENDING, **in_month).count()
    require(
        not pending,
        _("%(p)s还有%(n)s条人工加减分待审核，请先处理。") % {"p": period.label, "n": pending},
    )
    objections = Objection.objects.filter(
        state=Objection.State.PENDING,
        event__year=period.year,
        event__month=period.month,
    ).count()
    require(
        not objections,
        _("%(p)s还有%(n)s条异议待处理，请先处理。") % {"p": period.label, "n": objections},
    )
    ranking_compute(period=period, later=False)  # publishing changes no month's points
    ranking.published_at, ranking.published_by = clock.now(), by
    ranking.save(update_fields=["published_at", "published_by", "updated_at"])
    logger.info("assessment.published", extra={"period": str(period), "by": by.pk})
    emit(
        Event.about(
            NotificationKind.RANKING_PUBLISHED,
            ranking,
            text=district_text(
                gettext_noop("%(period)s创先争优月榜已公布"), period=lambda: period.label
            ),
            url=f"{reverse('assessment:ranking')}?period={period}",
            unit_ids=tuple(sorted(assessed_unit_ids())),
            unit_roles=("unit_head",),
        )
    )
    return ranking

"""Scoring a closed month and ranking the units: one idempotent computation.

`events_compute` derives the month's automatic events from its facts (services/facts.py) under
the scheme version in force, keeps the events it made before (a fact's key names it), adds the
new ones and drops those whose fact is gone (unless a unit objected to them: an objection and
its decision are kept). `ranking_compute` then sums the month's valid events per unit and rule,
bounds each rule by its cap, adds the base score, and ranks the units within their group with
ties sharing a rank; at a quarter's and the year's end it grades them. Both run inside the
month's close (`reporting.signals.month_closed`) and again on `duban assess --period`; a
published month is never recomputed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from duban.assessment.models import Ranking, Rule, Scheme, ScoreEvent, Standing
from duban.assessment.rules import capped, competition_ranks, grade_of
from duban.assessment.services.facts import month_facts
from duban.assessment.services.schemes import scheme_for
from duban.core import clock
from duban.core.bulk import SLICE, history_copy, insert_many
from duban.core.errors import ApplicationError
from duban.core.events import Event, NotificationKind, emit
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


@transaction.atomic
def events_compute(*, period: Period, by: User | None = None) -> Ranking:
    """Derive the closed month's automatic events (idempotent) and rank it. Refuses a month
    not closed and a published one."""
    require(period_closed(period), _("%(p)s尚未关账，不能计分。") % {"p": period.label})
    require(
        not period_published(period),
        _("%(p)s的月榜已公布，不能重新计分。") % {"p": period.label},
    )
    scheme = scheme_for(period)
    rules = {r.source: r for r in scheme.rules.filter(automatic=True)}
    units = assessed_unit_ids()
    wanted = {
        (f.unit_id, f.key): f
        for f in month_facts(period, set(rules))
        if f.unit_id in units and f.source in rules
    }
    # The month's events as plain rows (a province month holds ≈25,000: model instances
    # cost more than the rest of the recomputation); objects only for the few that change.
    existing = {
        (unit_id, key): (pk, rule_id, points, label)
        for pk, unit_id, key, rule_id, points, label in ScoreEvent.objects.filter(
            year=period.year, month=period.month
        )
        .exclude(origin="manual")
        .values_list("pk", "unit_id", "key", "rule_id", "points", "label")
    }
    gone = [row[0] for k, row in existing.items() if k not in wanted]
    if gone:
        _events_delete(ScoreEvent.objects.filter(pk__in=gone), by=by)
    changed_pks: dict[int, tuple[int, Decimal, str]] = {}
    for k, (pk, rule_id, points, label) in existing.items():
        fact = wanted.get(k)
        if fact is None:
            continue
        rule = rules[fact.source]
        if rule_id != rule.pk or points != rule.points or label != fact.label[:300]:
            changed_pks[pk] = (rule.pk, rule.points, fact.label[:300])
    changed = list(ScoreEvent.objects.filter(pk__in=list(changed_pks))) if changed_pks else []
    for e in changed:
        e.rule_id, e.points, e.label = changed_pks[e.pk]
    if changed:
        ScoreEvent.objects.bulk_update(changed, ["rule_id", "points", "label"], batch_size=2000)
    now = clock.now()
    new = [
        {
            "year": period.year,
            "month": period.month,
            "unit_id": f.unit_id,
            "rule_id": rules[f.source].pk,
            "points": rules[f.source].points,
            "state": E.APPROVED,
            "origin": f.origin,
            "origin_id": f.origin_id,
            "label": f.label[:300],
            "key": f.key,
            "reason": "",
            "evidence": "",
            "created_by_id": None,
            "approved_by_id": None,
            "approved_at": now,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for k, f in wanted.items()
        if k not in existing
    ]
    if new:
        insert_many(ScoreEvent, new, history_user_id=by.pk if by else None)
    logger.info(
        "assessment.scored",
        extra={"period": str(period), "new": len(new), "gone": len(gone), "changed": len(changed)},
    )
    return ranking_compute(period=period, scheme=scheme)


def _events_delete(events: QuerySet[ScoreEvent], *, by: User | None) -> int:
    """Delete events, each with its "-" history row, in a fixed number of statements (the
    ORM's delete sends a signal and writes a history row per event). An event a unit objected
    to stays, with its objection and decision. Returns how many went."""
    pks = list(events.filter(objections__isnull=True).values_list("pk", flat=True))
    for start in range(0, len(pks), SLICE):
        chunk = pks[start : start + SLICE]
        history_copy(ScoreEvent, chunk, history_type="-", history_user_id=by.pk if by else None)
        ScoreEvent.objects.filter(pk__in=chunk)._raw_delete(ScoreEvent.objects.db)
    return len(pks)


@transaction.atomic
def automatic_events_delete(*, period: Period, by: User | None = None) -> int:
    """Drop a month's automatic events (not its manual ones, nor those a unit objected to),
    as a recomputation drops the events whose fact is gone; refused once published. The
    next `events_compute` derives them again."""
    require(
        not period_published(period),
        _("%(p)s的月榜已公布，不能重新计分。") % {"p": period.label},
    )
    month = ScoreEvent.objects.filter(year=period.year, month=period.month)
    return _events_delete(month.exclude(origin="manual"), by=by)


def on_month_closed(sender: object, *, close: MonthClose, by: User, **kwargs: object) -> None:
    """The receiver of `reporting.signals.month_closed`: score and rank the month."""
    events_compute(period=Period(close.year, close.month), by=by)


def _groups(scheme: Scheme) -> dict[int, str]:
    """The ranked units and their group (差异化考核): assessed, active, of a grouped kind."""
    groups = {str(k): str(v) for k, v in (scheme.groups or {}).items()}
    rows = Unit.objects.filter(assessed=True, is_active=True).values_list("pk", "kind")
    return {pk: groups[kind] for pk, kind in rows if kind in groups}


def unit_points(year: int, months: range) -> dict[int, dict[int, Decimal]]:
    """Per unit and month, the valid events' points with each rule capped: one aggregate."""
    rows = (
        ScoreEvent.objects.filter(year=year, month__in=list(months), state=E.APPROVED)
        .order_by()
        .values_list("unit_id", "month", "rule_id")
        .annotate(total=Sum("points"))
    )
    caps = dict(Rule.objects.filter(scheme__year=year).values_list("pk", "cap"))
    out: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for unit_id, month, rule_id, total in rows:
        out[unit_id][month] += capped(total, caps.get(rule_id))
    return out


def _standings(
    *,
    ranking: Ranking,
    span: str,
    groups: dict[int, str],
    scores: dict[int, Decimal],
    points: dict[int, Decimal],
    ytd: dict[int, Decimal],
    previous: dict[int, int],
    scheme: Scheme | None,
) -> list[dict[str, Any]]:
    """The ranking's lines for one span, as rows for `insert_many` (a province's 2,000 units
    and their quarter and year lines: model instances through `bulk_create` cost more than
    the ranking itself)."""
    by_group: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for unit_id, group in groups.items():
        by_group[group][unit_id] = scores[unit_id]
    out = []
    for group, members in by_group.items():
        ranks = competition_ranks(members)
        for unit_id, rank in ranks.items():
            grade = ""
            if scheme is not None:
                grade = grade_of(
                    score=members[unit_id],
                    rank=rank,
                    size=len(members),
                    by=scheme.grade_by,
                    bands=scheme.bands,
                )
            out.append(
                {
                    "ranking_id": ranking.pk,
                    "span": span,
                    "unit_id": unit_id,
                    "group": group,
                    "points": points[unit_id],
                    "score": members[unit_id],
                    "ytd": ytd[unit_id],
                    "rank": rank,
                    "previous_rank": previous.get(unit_id),
                    "grade": grade,
                }
            )
    return out


def ranking_compute(*, period: Period, scheme: Scheme | None = None) -> Ranking:
    """The month's ranking from its valid events (and at a quarter's or the year's end the
    grades): recomputed from scratch, refused once published."""
    scheme = scheme or scheme_for(period)
    ranking, _created = Ranking.objects.get_or_create(
        year=period.year, month=period.month, defaults={"scheme": scheme}
    )
    if ranking.published_at is not None:
        raise ApplicationError(_("%(p)s的月榜已公布。") % {"p": period.label}, code="conflict")
    if ranking.scheme_id != scheme.pk:
        ranking.scheme = scheme
        ranking.save(update_fields=["scheme", "updated_at"])
    groups = _groups(scheme)
    pts = unit_points(period.year, range(1, period.month + 1))
    base = scheme.base_score
    month_pts = {u: pts.get(u, {}).get(period.month, Decimal(0)) for u in groups}
    ytd_pts = {u: sum(pts.get(u, {}).values(), Decimal(0)) for u in groups}
    previous: dict[int, int] = {}
    if period.month > 1:
        previous = dict(
            Standing.objects.filter(
                ranking__year=period.year,
                ranking__month=period.month - 1,
                span=Standing.Span.MONTH,
            ).values_list("unit_id", "rank")
        )
    ytd = {u: base + ytd_pts[u] for u in groups}
    rows = _standings(
        ranking=ranking,
        span=Standing.Span.MONTH,
        groups=groups,
        scores={u: base + month_pts[u] for u in groups},
        points=month_pts,
        ytd=ytd,
        previous=previous,
        scheme=None,
    )
    spans: list[tuple[str, range]] = []
    if period.month % 3 == 0:
        spans.append((Standing.Span.QUARTER, range(period.month - 2, period.month + 1)))
    if period.month == 12:
        spans.append((Standing.Span.YEAR, range(1, 13)))
    for span, months in spans:
        span_pts = {
            u: sum((v for m, v in pts.get(u, {}).items() if m in months), Decimal(0))
            for u in groups
        }
        rows += _standings(
            ranking=ranking,
            span=span,
            groups=groups,
            scores={u: base + span_pts[u] for u in groups},
            points=span_pts,
            ytd=ytd,
            previous={},
            scheme=scheme,
        )
    Standing.objects.filter(ranking=ranking).delete()
    with transaction.atomic():
        insert_many(Standing, rows)
    return ranking


@transaction.atomic
def ranking_publish(*, period: Period, by: User) -> Ranking:
    """Publish a month's ranking (units see it from now on). Refuses a month not closed, one
    already published, and one with manual events or objections still undecided."""
    from duban.assessment.models import Objection

    refuse_unless(by.is_office, _("只有推进办可以公布月榜。"))
    require(period_closed(period), _("%(p)s尚未关账，不能公布月榜。") % {"p": period.label})
    ranking = (
        Ranking.objects.select_for_update().filter(year=period.year, month=period.month).first()
    )
    require(ranking is not None, _("%(p)s还没有计分结果。") % {"p": period.label})
    assert ranking is not None  # noqa: S101
    if ranking.published_at is not None:
        raise ApplicationError(_("%(p)s的月榜已公布。") % {"p": period.label}, code="conflict")
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
    ranking_compute(period=period)
    ranking.published_at, ranking.published_by = clock.now(), by
    ranking.save(update_fields=["published_at", "published_by", "updated_at"])
    logger.info("assessment.published", extra={"period": str(period), "by": by.pk})
    emit(
        Event.about(
            NotificationKind.RANKING_PUBLISHED,
            ranking,
            text=f"{period.label}创先争优月榜已公布",
            url=f"{reverse('assessment:ranking')}?period={period}",
            unit_ids=tuple(sorted(assessed_unit_ids())),
            unit_roles=("unit_head",),
        )
    )
    return ranking

"""Reads of the assessment app, each scoped to a user. The office sees everything; the district's
主要领导 every unit's valid events; a unit its own events at once (valid and cancelled ones,
never another unit's); a leader the events of the units in their charge; rankings once
published, and pending manual events only the office. Out of scope answers 404, as missing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse

from duban.assessment.models import (
    Objection,
    Ranking,
    Rule,
    Scheme,
    ScoreEvent,
    ScoringRun,
    Standing,
)
from duban.assessment.rules import capped
from duban.core import clock
from duban.core.periods import Period
from duban.ledger.selectors import work_item_list
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.problems.models import Coordination
from duban.problems.selectors import meeting_list, problem_list
from duban.reporting.selectors.reports import report_list
from duban.supervision.selectors import card_list, flag_list, prompt_list

E = ScoreEvent.State
VISIBLE_TO_UNITS = (E.APPROVED, E.CANCELLED)


def _units_q(user: User, path: str = "unit") -> Q:
    scope = scope_for(user)
    if scope.everything:
        return Q()
    return Q(**{f"{path}_id__in": scope.unit_ids})


def scheme_list(*, user: User, year: int | None = None) -> QuerySet[Scheme]:
    """Schemes are public to every signed-in user: a unit must know the rules it is scored by."""
    qs = Scheme.objects.all() if user.is_authenticated else Scheme.objects.none()
    if year:
        qs = qs.filter(year=year)
    return qs.prefetch_related("rules")


def _years_around(rows: QuerySet[Any], around: int) -> list[int]:
    """The years `rows` hold, the current year and `around` (the year shown), newest first:
    the year links of a page."""
    years = set(rows.order_by().values_list("year", flat=True).distinct())
    return sorted(years | {around, clock.today().year}, reverse=True)


def scheme_years(*, user: User, around: int) -> list[int]:
    """The years with a scheme `user` may read, the current year and `around`, newest first."""
    return _years_around(scheme_list(user=user), around)


def scheme_get_for_user(*, user: User, scheme_id: int) -> Scheme:
    return get_object_or_404(scheme_list(user=user), pk=scheme_id)


def event_list(
    *,
    user: User,
    year: int | None = None,
    month: int | None = None,
    unit_id: int | None = None,
    state: str | None = None,
) -> QuerySet[ScoreEvent]:
    """Events the user may see; pending and rejected manual events only for the office."""
    qs = ScoreEvent.objects.filter(_units_q(user)).select_related("unit", "rule", "run", "run__by")
    if not user.is_office:
        qs = qs.filter(state__in=VISIBLE_TO_UNITS)
    if year:
        qs = qs.filter(year=year)
    if month:
        qs = qs.filter(month=month)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    if state:
        qs = qs.filter(state=state)
    return qs


def event_get_for_user(*, user: User, event_id: int) -> ScoreEvent:
    return get_object_or_404(event_list(user=user), pk=event_id)


_ORIGIN_URLS = {
    "item": "ledger:item",
    "report": "reporting:report",
    "prompt": "supervision:prompt",
    "meeting": "problems:meeting",
    "card": "supervision:card",
    "problem": "problems:problem",
    "flag": "supervision:flag",
}


def _origins_in_scope(user: User, origin: str, ids: set[int]) -> set[int]:
    """Of `ids` (origins of one kind), those `user` may open: each through the selector its
    page reads, so that a link never leads to a 404 (a unit sees its events at once, but its
    card only once published, and a meeting only if it attended or its agenda is in scope)."""
    lists: dict[str, Callable[[], QuerySet[Any]]] = {
        "item": lambda: work_item_list(user=user),
        "report": lambda: report_list(user=user),
        "prompt": lambda: prompt_list(user=user),
        "meeting": lambda: meeting_list(user=user),
        "card": lambda: card_list(user=user),
        "problem": lambda: problem_list(user=user),
        "flag": lambda: flag_list(user=user),
    }
    rows = lists[origin]().filter(pk__in=ids).order_by().values_list("pk", flat=True)
    return set(rows)


def origin_urls(events: list[ScoreEvent], *, user: User) -> dict[int, str]:
    """Each event's origin as a link, where `user` may open it (a coordination opinion links
    to its problem); an origin out of the user's scope gets none."""
    opinions = [e.origin_id for e in events if e.origin == "opinion"]
    problem_of = dict(Coordination.objects.filter(pk__in=opinions).values_list("pk", "problem_id"))
    targets: dict[int, tuple[str, int]] = {}
    for e in events:
        if e.origin in _ORIGIN_URLS and e.origin_id:
            targets[e.pk] = (e.origin, e.origin_id)
        elif e.origin == "opinion" and e.origin_id in problem_of:
            targets[e.pk] = ("problem", problem_of[e.origin_id])
    wanted: dict[str, set[int]] = defaultdict(set)
    for origin, pk in targets.values():
        wanted[origin].add(pk)
    if scope_for(user).everything:
        openable = wanted
    else:
        openable = {origin: _origins_in_scope(user, origin, ids) for origin, ids in wanted.items()}
    return {
        event_id: reverse(_ORIGIN_URLS[origin], args=[pk])
        for event_id, (origin, pk) in targets.items()
        if pk in openable[origin]
    }


@dataclass
class RuleLine:
    rule: Rule
    events: list[ScoreEvent] = field(default_factory=list)
    # Two places, as points are stored: a rule whose events were all cancelled read "0"
    # beside "6.00".
    total: Decimal = Decimal("0.00")
    counted: Decimal = Decimal("0.00")

    @property
    def capped(self) -> bool:
        return self.total != self.counted


@dataclass
class MonthScore:
    period: Period
    lines: list[RuleLine]
    points: Decimal
    standing: Standing | None
    run: ScoringRun | None = None  # the month's last scoring run (its automatic events' audit)


def unit_score(*, user: User, unit: Unit, year: int) -> list[MonthScore]:
    """A unit's year, month by month, newest first: every event line by line under its rule,
    each rule's total and what counted after its cap, and the month's standing when the
    user may see it."""
    events = list(
        event_list(user=user, year=year, unit_id=unit.pk).order_by(
            "-month", "rule__sort_order", "pk"
        )
    )
    by_month: dict[int, dict[int, RuleLine]] = defaultdict(dict)
    for e in events:
        line = by_month[e.month].setdefault(e.rule_id, RuleLine(e.rule))
        line.events.append(e)
        if e.state == E.APPROVED:
            line.total += e.points
    standings = {
        s.ranking.month: s
        for s in standing_list(user=user, year=year, span=Standing.Span.MONTH).filter(unit=unit)
    }
    runs: dict[int, ScoringRun] = {}
    for run in ScoringRun.objects.filter(year=year).select_related("by").order_by("-at", "-pk"):
        runs.setdefault(run.month, run)
    out = []
    for month in sorted(set(by_month) | set(standings), reverse=True):
        lines = sorted(by_month.get(month, {}).values(), key=lambda ln: ln.rule.sort_order)
        for line in lines:
            line.counted = capped(line.total, line.rule.cap)
        out.append(
            MonthScore(
                Period(year, month),
                lines,
                sum((ln.counted for ln in lines), Decimal(0)),
                standings.get(month),
                runs.get(month),
            )
        )
    return out


def unit_score_years(*, user: User, unit: Unit, around: int) -> list[int]:
    """The years of the unit's score page `user` may open, newest first: those holding events
    they may see, the current year and `around` (the year shown)."""
    return _years_around(event_list(user=user, unit_id=unit.pk), around)


def ranking_list(*, user: User, year: int | None = None) -> QuerySet[Ranking]:
    """Rankings: the office sees them computed; everyone else once published."""
    qs = Ranking.objects.select_related("scheme")
    if not user.is_office:
        qs = qs.filter(published_at__isnull=False)
    if year:
        qs = qs.filter(year=year)
    return qs


def ranking_get_for_user(*, user: User, period: Period) -> Ranking:
    return get_object_or_404(ranking_list(user=user), year=period.year, month=period.month)


def standing_list(
    *, user: User, year: int | None = None, span: str | None = None
) -> QuerySet[Standing]:
    qs = Standing.objects.filter(ranking__in=ranking_list(user=user, year=year)).select_related(
        "unit", "ranking"
    )
    if span:
        qs = qs.filter(span=span)
    return qs


def ranking_standings(*, ranking: Ranking, span: str = Standing.Span.MONTH) -> list[Standing]:
    return list(
        Standing.objects.filter(ranking=ranking, span=span)
        .select_related("unit")
        .order_by("group", "rank", "unit__sort_order", "unit_id")
    )


def unit_rank_series(*, user: User, unit: Unit, year: int) -> list[int | None]:
    """The unit's rank in its group for each month of the year (None: not ranked/published)."""
    ranks = dict(
        standing_list(user=user, year=year, span=Standing.Span.MONTH)
        .filter(unit=unit)
        .values_list("ranking__month", "rank")
    )
    return [ranks.get(m) for m in range(1, 13)]


def objection_list(*, user: User, state: str | None = None) -> QuerySet[Objection]:
    qs = Objection.objects.filter(_units_q(user)).select_related(
        "event__rule", "unit", "raised_by", "decided_by"
    )
    if state:
        qs = qs.filter(state=state)
    return qs


def objection_get_for_user(*, user: User, objection_id: int) -> Objection:
    return get_object_or_404(objection_list(user=user), pk=objection_id)


def units_in_scope(*, user: User) -> QuerySet[Unit]:
    scope = scope_for(user)
    qs = Unit.objects.filter(assessed=True)
    return qs if scope.everything else qs.filter(pk__in=scope.unit_ids)


def unit_ids_in_scope(*, user: User) -> frozenset[int] | None:
    """The assessed units whose score pages `user` may open (`units_in_scope`), by id; None
    when that is every one (a page links a unit's name only when it opens)."""
    if scope_for(user).everything:
        return None
    return frozenset(units_in_scope(user=user).values_list("pk", flat=True))

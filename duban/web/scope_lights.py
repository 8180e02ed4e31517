"""The lights of a whole scope for the first screens, reduced by the progress core once and
kept in the cache until something they depend on changes.

The cockpit (every item's light, investment and 序时 summed for a leader's scope) and the battle
map's light filter need the light of every item in scope. The progress core keeps an open
month's lights in the database and judges again only the items whose facts changed
(`duban.reporting.selectors.live_progress`), so a miss here costs reading the kept rows, not
judging every item. What the pages need is small (counts, sums, the few items listed by name,
the ids of each colour), so it is reduced once and kept in Django's cache (Redis when
DUBAN_REDIS_URL is set) under a key made of:

- the scope: the count, sum, sum of squares and extremes of the ids of the items in it, read
  by one aggregate query (so two leaders of the same scope share one entry, and a
  responsibility given or taken changes the key at once); for a user who sees everything
  (the office, a 主要领导) simply "all", sparing that aggregate over a province;
- the month shown and the day the lights are judged on (a new day is a new key);
- the light-rule version in force;
- the facts' version, from the progress core (`facts_version`: the newest row of every history
  table of the facts, in one query), plus a generation that a save or delete of any ledger or
  reporting model moves on after its transaction commits (for a write that leaves no history
  row, or one whose history row is not the newest).

The cockpit's problem figures (open, overdue, at the leader's level, reported and closed by
month) are kept the same way, keyed on the problems in scope and the problems app's tables.

So a report submitted, accepted or corrected, an item, node, indicator or plan curve edited, a
month closed or a rule version added changes the key, in every process (the version is read
from the database). Entries also expire after `DUBAN_HOME_CACHE_SECONDS` (default 900).
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from duban.core import clock
from duban.core.db_router import home_max_lag, lag_allowed
from duban.core.money import ratio_pct
from duban.core.periods import Period
from duban.ledger.models import PlanMonth, WorkItem
from duban.problems.models import OPEN_STATES
from duban.reporting.models import (
    COUNTING_STATES,
    LiveProgress,
    LiveProgressState,
    MonthlyReport,
    ReportingSettings,
)
from duban.reporting.progress import Light, StartStatus, item_figures, late_from
from duban.reporting.selectors.live_progress import facts_version
from duban.reporting.selectors.progress import LightCounts, progress_columns, rules_in_force

WATCHED_APPS = ("ledger", "reporting")  # what the lights depend on
# The progress core's own kept rows: derived, not facts (and deleted in bulk: no signal).
NOT_WATCHED = frozenset({LiveProgress, LiveProgressState})
PROBLEM_APPS = ("problems",)  # what the cockpit's problem figures depend on
GENERATION_KEY = "duban:scope-lights:generation:"
LISTED = 5  # red / yellow / behind items kept by id, in order; the pages list them by name


@dataclass(frozen=True)
class TrendPoint:
    month: int
    actual: Decimal | None  # cumulative completed (None for months not yet reported)
    plan: Decimal  # cumulative planned (the plan curves, else m/12 of the annual plan)


@dataclass
class ScopeLights:
    """What the first screens need from every item of a scope for one month."""

    items: int = 0
    lights: LightCounts = field(default_factory=LightCounts)
    by_unit: dict[int, LightCounts] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=dict)
    annual_plan: Decimal = Decimal(0)
    completed: Decimal = Decimal(0)
    plan_to_date: Decimal = Decimal(0)
    red: list[int] = field(default_factory=list)  # the LISTED furthest behind, in order
    yellow: list[int] = field(default_factory=list)
    behind: list[int] = field(default_factory=list)
    ids_by_light: dict[str, frozenset[int]] = field(default_factory=dict)
    trend: list[TrendPoint] = field(default_factory=list)
    # per lead unit, months 1..m of the year: reports expected, on time, late
    reports_by_unit: dict[int, UnitReports] = field(default_factory=dict)
    computed_at: datetime | None = None  # when these figures were computed (the page says)


@dataclass
class UnitReports:
    expected: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def missing(self) -> int:
        return max(self.expected - self.on_time - self.late, 0)

    @property
    def on_time_pct(self) -> Decimal | None:
        return ratio_pct(Decimal(self.on_time), Decimal(self.expected))


def _trend(ids: Any, year: int, last_month: int, plan_total: Decimal) -> list[TrendPoint]:
    """Cumulative completed vs planned for months 1..last_month: three grouped queries."""
    monthly = dict(
        MonthlyReport.objects.filter(
            work_item__in=ids, year=year, month__lte=last_month, state__in=COUNTING_STATES
        )
        .order_by()
        .values("month")
        .annotate(s=Sum("investment_month"))
        .values_list("month", "s")
    )
    curves = dict(
        PlanMonth.objects.filter(work_item__in=ids)
        .order_by()
        .values("month")
        .annotate(s=Sum("amount"))
        .values_list("month", "s")
    )
    with_curve = (
        WorkItem.objects.filter(pk__in=ids)
        .filter(pk__in=PlanMonth.objects.values("work_item_id"))
        .aggregate(s=Sum("annual_plan"))["s"]
    ) or Decimal(0)
    straight = plan_total - with_curve
    out = []
    actual = Decimal(0)
    planned = Decimal(0)
    for m in range(1, 13):
        planned += curves.get(m) or Decimal(0)
        if m <= last_month:
            actual += monthly.get(m) or Decimal(0)
        plan = planned + straight * m / 12
        out.append(
            TrendPoint(m, actual if m <= last_month else None, plan.quantize(Decimal("0.01")))
        )
    return out


def compute_scope_lights(items: QuerySet[WorkItem], period: Period, year: int) -> ScopeLights:
    """Every item's light and figures through the progress core, reduced to what the pages
    show (a fixed number of queries). Only the columns needed are read, and the figures are
    derived by the core's `item_figures`: a province's 20,000 items, not 20,000 progresses."""
    rows = list(items.order_by().values_list("pk", "lead_unit_id", "annual_plan"))
    columns = progress_columns(
        items, period, ("light", "start", "ytd_investment", "annual_plan", "cumulative_plan")
    )
    out = ScopeLights(items=len(rows), computed_at=clock.now())
    by_unit: dict[int, LightCounts] = defaultdict(LightCounts)
    starts: dict[str, int] = defaultdict(int)
    ids_by_light: dict[str, set[int]] = defaultdict(set)
    ranked: dict[str, list[tuple[Decimal, int]]] = defaultdict(list)
    completed = plan_to_date = Decimal(0)
    zero = Decimal(0)
    for pk, unit_id, _plan in rows:
        found = columns.get(pk)
        if found is None:
            continue
        light, start, ytd, annual_plan, cumulative_plan = found
        out.lights.add(light)
        by_unit[unit_id].add(light)
        ids_by_light[light].add(pk)
        if start != StartStatus.NONE:
            starts[start] += 1
        figures = item_figures(
            month=period.month,
            annual_plan=annual_plan,
            prior_cumulative=zero,
            ytd=ytd,
            investment_month=None,
            cumulative_plan=cumulative_plan,
        )
        completed += ytd
        plan_to_date += figures.time_progress_pct * (annual_plan or 0) / 100
        gap = figures.gap_pp if figures.gap_pp is not None else zero
        if light in (Light.RED, Light.YELLOW):
            ranked[light].append((gap, pk))
        if gap < 0:
            ranked["behind"].append((gap, pk))
    out.by_unit = dict(by_unit)
    out.starts = dict(starts)
    out.ids_by_light = {k: frozenset(v) for k, v in ids_by_light.items()}
    out.annual_plan = sum((plan or Decimal(0) for _pk, _u, plan in rows), Decimal(0))
    out.completed = completed
    out.plan_to_date = plan_to_date

    def first(key: str) -> list[int]:
        return [pk for _gap, pk in sorted(ranked[key])[:LISTED]]

    out.red, out.yellow, out.behind = first(Light.RED), first(Light.YELLOW), first("behind")
    last_month = period.month if period.year == year else 12
    out.trend = _trend(items.order_by().values("pk"), year, last_month, out.annual_plan)
    out.reports_by_unit = _reports_by_unit(items, rows, year, last_month)
    return out


def _reports_by_unit(
    items: QuerySet[WorkItem], rows: list[Any], year: int, last_month: int
) -> dict[int, UnitReports]:
    """Each lead unit's reports of months 1..last_month: expected (one an item a month), on
    time and late as the progress core judges them (`late_from`: `report_status`'s rule as a
    bound), counted by the database in one grouped query."""
    out: dict[int, UnitReports] = defaultdict(UnitReports)
    for _pk, unit_id, _plan in rows:
        out[unit_id].expected += last_month
    due_day = ReportingSettings.load().due_day
    tz = timezone.get_current_timezone()
    # Each month's first late instant, picked by the month (one comparison a report).
    late = Case(
        *(
            When(month=m, then=Value(late_from(Period(year, m).due_date(due_day), tz)))
            for m in range(1, last_month + 1)
        ),
        output_field=DateTimeField(),
    )
    on_time = Q(first_submitted_at__lt=late)
    counted = (
        MonthlyReport.objects.filter(
            work_item__in=items.order_by().values("pk"),
            year=year,
            month__lte=last_month,
            first_submitted_at__isnull=False,
        )
        .order_by()
        .values("work_item__lead_unit_id")
        .annotate(submitted=Count("pk"), on_time=Count("pk", filter=on_time))
        .values_list("work_item__lead_unit_id", "submitted", "on_time")
    )
    for unit_id, submitted, in_time in counted:
        out[unit_id].on_time += in_time
        out[unit_id].late += submitted - in_time
    return dict(out)


@dataclass
class ScopeProblems:
    """The scope's open problems (overdue, at the leader's level) and, for the year, how many
    were reported and closed each month."""

    open: int = 0
    overdue: int = 0
    at_level: int = 0
    opened_by_month: list[int] = field(default_factory=list)
    closed_by_month: list[int] = field(default_factory=list)


def compute_scope_problems(problems: QuerySet[Any], year: int, level: int) -> ScopeProblems:
    """Three grouped queries over the problems `problems` holds (already scoped)."""
    today = clock.today()
    counts = problems.filter(state__in=OPEN_STATES).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_date__lt=today)),
        at_level=Count("pk", filter=Q(level__gte=level)),
    )
    opened = dict(
        problems.filter(reported_on__year=year)
        .order_by()
        .values_list(ExtractMonth("reported_on"))
        .annotate(n=Count("pk"))
    )
    closed = dict(
        problems.filter(close_year=year)
        .order_by()
        .values_list("close_month")
        .annotate(n=Count("pk"))
    )
    return ScopeProblems(
        open=counts["open"],
        overdue=counts["overdue"],
        at_level=counts["at_level"],
        opened_by_month=[opened.get(m, 0) for m in range(1, 13)],
        closed_by_month=[closed.get(m, 0) for m in range(1, 13)],
    )


def _data_fingerprint(labels: tuple[str, ...]) -> tuple[int, ...]:
    """The highest id of every table of the apps `labels`, in one query."""
    qn = connection.ops.quote_name
    parts = []
    for label in labels:
        for model in apps.get_app_config(label).get_models():
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            # Table and column names from the models' meta, quoted: no outside input.
            column, table = qn(meta.pk.column), qn(meta.db_table)
            parts.append(f"(SELECT MAX({column}) FROM {table})")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return tuple(v or 0 for v in row)


def _generation(label: str) -> int:
    return int(cache.get_or_set(GENERATION_KEY + label, 1, timeout=None) or 1)


def _bumper(label: str) -> Any:
    def bump() -> None:
        try:
            cache.incr(GENERATION_KEY + label)
        except ValueError:
            cache.set(GENERATION_KEY + label, 2, timeout=None)

    return bump


def data_changed(**kwargs: Any) -> None:
    """A watched model was written: move its app's generation on once the write commits."""
    meta = getattr(kwargs.get("sender"), "_meta", None)
    if meta is not None and meta.app_label in (*WATCHED_APPS, *PROBLEM_APPS):
        transaction.on_commit(_bumper(meta.app_label))


def connect_invalidation() -> None:
    """Listen to the watched apps' models one by one (a listener for every sender would stop
    Django deleting the progress core's kept rows in one statement)."""
    for label in (*WATCHED_APPS, *PROBLEM_APPS):
        for model in apps.get_app_config(label).get_models():
            if model in NOT_WATCHED:
                continue
            for signal in (post_save, post_delete):
                signal.connect(
                    data_changed,
                    sender=model,
                    dispatch_uid=f"web.scope_lights.{id(signal)}.{model._meta.label}",
                )
    m2m_changed.connect(data_changed, dispatch_uid="web.scope_lights.m2m")


def _cached(
    name: str,
    labels: tuple[str, ...],
    parts: list[str],
    compute: Any,
    data: Any = None,
) -> Any:
    """`compute()` kept under a key of `parts`, the data's version of the apps `labels` (their
    generations, and `data`, else their tables' highest ids) and the day.

    When the data has moved on since, a request that may lag (`lag_allowed`: someone who has
    written nothing lately) gets the newest entry for `parts` while it is at most
    DUBAN_HOME_MAX_LAG_SECONDS old; the page says when its figures were computed. Whoever
    wrote lately, and everyone once the entry is older, gets figures computed now."""
    if data is None:
        data = _data_fingerprint(labels)
    version = (data, *(_generation(label) for label in labels))
    day = clock.today().isoformat()
    key = ":".join(
        [
            f"duban:{name}",
            *parts,
            day,
            hashlib.blake2b(repr(version).encode(), digest_size=8).hexdigest(),
        ]
    )
    found = cache.get(key)
    if found is not None:
        return found
    newest = ":".join([f"duban:{name}:newest", *parts, day])
    max_lag = home_max_lag()
    if max_lag and lag_allowed():
        pointer = cache.get(newest)
        if pointer is not None and time.time() - pointer[0] <= max_lag:
            found = cache.get(pointer[1])
            if found is not None:
                return found
    computed = compute()
    timeout = getattr(settings, "DUBAN_HOME_CACHE_SECONDS", 900)
    cache.set(key, computed, timeout=timeout)
    cache.set(newest, (time.time(), key), timeout=timeout)
    return computed


def _ids_digest(qs: QuerySet[Any]) -> str:
    """The scope's identity without reading its rows: how many ids, their sum, their sum of
    squares and the extremes (one aggregate query; a responsibility given or taken changes it)."""
    found = qs.order_by().aggregate(
        n=Count("pk"), s=Sum("pk"), q=Sum(F("pk") * F("pk")), lo=Min("pk"), hi=Max("pk")
    )
    return "-".join(str(found[k] or 0) for k in ("n", "s", "q", "lo", "hi"))


def _scope_key(qs: QuerySet[Any], everything: bool) -> str:
    """The scope part of a key: "all" for a user who sees everything (the office, a 主要领导:
    their rows are the filter's, and the data's version already moves with every row added,
    changed or deleted), else the digest of the ids (a responsibility given or taken)."""
    return "all" if everything else _ids_digest(qs)


def scope_lights(
    items: QuerySet[WorkItem], period: Period, year: int, *, everything: bool = False
) -> ScopeLights:
    """The scope's lights for `period` from the cache, computed on a miss (see the module).
    `everything`: `items` is every item of the year (not draft), whoever asks."""
    _rules, row = rules_in_force()
    parts = [
        _scope_key(items, everything),
        str(period),
        str(year),
        str(row.pk if row is not None else 0),
    ]
    found: ScopeLights = _cached(
        "scope-lights",
        WATCHED_APPS,
        parts,
        lambda: compute_scope_lights(items, period, year),
        data=facts_version(),
    )
    return found


def scope_problems(
    problems: QuerySet[Any], year: int, level: int, *, everything: bool = False
) -> ScopeProblems:
    """The scope's problem figures from the cache, computed on a miss. `everything`: as for
    `scope_lights`."""
    parts = [_scope_key(problems, everything), str(year), str(level)]
    found: ScopeProblems = _cached(
        "scope-problems",
        PROBLEM_APPS,
        parts,
        lambda: compute_scope_problems(problems, year, level),
    )
    return found

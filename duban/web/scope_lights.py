"""The lights of a whole scope for the first screens, computed by the progress core once and
kept in the cache until something they depend on changes.

The cockpit (every item's light, investment and 序时 summed for a leader's scope) and the battle
map's light filter need the light of every item in scope. For an open month the progress core
judges each item in Python (about 85 µs an item: seconds for a province of 20,000 items), so
recomputing it on every page view cannot answer in 500 ms. What the pages need is small (counts,
sums, the few items listed by name, the ids of each colour), so it is computed once by
`progress_for_items` — still the only place lights and figures are computed — and kept in
Django's cache (Redis when DUBAN_REDIS_URL is set) under a key made of:

- the scope: a hash of the ids of the items in it (so two 主要领导 share one entry, and a
  responsibility given or taken changes the key at once);
- the month shown and the day the lights are judged on (a new day is a new key);
- the light-rule version in force;
- the data's version: the highest id of every table of the ledger and reporting apps (their
  history tables included: every edit through a service writes a history row, bulk imports
  included) read in one query, plus a generation that a save or delete of any of their models
  moves on after its transaction commits (for writes that leave no history row).

So a report submitted, accepted or corrected, an item, node, indicator or plan curve edited, a
month closed or a rule version added changes the key, in every process (the fingerprint is
read from the database). Entries also expire after `DUBAN_HOME_CACHE_SECONDS` (default 900).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet, Sum
from django.db.models.signals import m2m_changed, post_delete, post_save

from duban.core import clock
from duban.core.periods import Period
from duban.ledger.models import PlanMonth, WorkItem
from duban.reporting.models import COUNTING_STATES, MonthlyReport
from duban.reporting.progress import ItemProgress, Light, StartStatus
from duban.reporting.selectors.progress import LightCounts, progress_for_items, rules_in_force

WATCHED_APPS = ("ledger", "reporting")
GENERATION_KEY = "duban:scope-lights:generation"
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


def _gap(p: ItemProgress) -> Decimal:
    return p.figures.gap_pp if p.figures.gap_pp is not None else Decimal(0)


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
    show (a fixed number of queries)."""
    rows = list(items.order_by().values_list("pk", "lead_unit_id", "annual_plan"))
    progress = progress_for_items(items, period)
    out = ScopeLights(items=len(rows))
    by_unit: dict[int, LightCounts] = defaultdict(LightCounts)
    starts: dict[str, int] = defaultdict(int)
    ids_by_light: dict[str, set[int]] = defaultdict(set)
    for pk, unit_id, _plan in rows:
        p = progress.get(pk)
        if p is None:
            continue
        out.lights.add(p.light)
        by_unit[unit_id].add(p.light)
        ids_by_light[str(p.light)].add(pk)
        if p.start != StartStatus.NONE:
            starts[str(p.start)] += 1
    out.by_unit = dict(by_unit)
    out.starts = dict(starts)
    out.ids_by_light = {k: frozenset(v) for k, v in ids_by_light.items()}
    out.annual_plan = sum((plan or Decimal(0) for _pk, _u, plan in rows), Decimal(0))
    out.completed = sum((p.figures.ytd_investment for p in progress.values()), Decimal(0))
    out.plan_to_date = sum(
        (
            p.figures.time_progress_pct * (p.figures.annual_plan or 0) / 100
            for p in progress.values()
        ),
        Decimal(0),
    )

    def ranked(ps: Any) -> list[int]:
        return [p.item_id for p in sorted(ps, key=lambda p: (_gap(p), p.item_id))[:LISTED]]

    out.red = ranked(p for p in progress.values() if p.light == Light.RED)
    out.yellow = ranked(p for p in progress.values() if p.light == Light.YELLOW)
    out.behind = ranked(p for p in progress.values() if _gap(p) < 0)
    last_month = period.month if period.year == year else 12
    out.trend = _trend(items.order_by().values("pk"), year, last_month, out.annual_plan)
    return out


def _data_fingerprint() -> tuple[int, ...]:
    """The highest id of every table of the watched apps, in one query."""
    qn = connection.ops.quote_name
    parts = []
    for label in WATCHED_APPS:
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


def _generation() -> int:
    return int(cache.get_or_set(GENERATION_KEY, 1, timeout=None) or 1)


def _bump_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, timeout=None)


def data_changed(**kwargs: Any) -> None:
    """A watched model was written: move the generation on once the write is committed."""
    sender = kwargs.get("sender")
    meta = getattr(sender, "_meta", None)
    if meta is not None and meta.app_label in WATCHED_APPS:
        transaction.on_commit(_bump_generation)


def connect_invalidation() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(data_changed, dispatch_uid=f"web.scope_lights.{id(signal)}")


def scope_lights(items: QuerySet[WorkItem], period: Period, year: int) -> ScopeLights:
    """The scope's lights for `period` from the cache, computed on a miss (see the module)."""
    ids = list(items.order_by("pk").values_list("pk", flat=True))
    digest = hashlib.blake2b(digest_size=16)
    digest.update(",".join(map(str, ids)).encode())
    _rules, row = rules_in_force()
    key = ":".join(
        [
            "duban:scope-lights",
            digest.hexdigest(),
            str(period),
            str(year),
            clock.today().isoformat(),
            str(row.pk if row is not None else 0),
            str(_generation()),
            hashlib.blake2b(repr(_data_fingerprint()).encode(), digest_size=8).hexdigest(),
        ]
    )
    found = cache.get(key)
    if isinstance(found, ScopeLights):
        return found
    computed = compute_scope_lights(items, period, year)
    cache.set(key, computed, timeout=getattr(settings, "DUBAN_HOME_CACHE_SECONDS", 900))
    return computed

"""The leader's cockpit (驾驶舱): their scope's month at a glance, every figure a link to its rows.

Lights, investment against plan and 序时 come from the progress core (a closed month from its
snapshot) for the month the ledger list shows by default, so a count here and the list it links
to (`/ledger/?light=red`) always agree. A fixed number of queries whatever the scope.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from duban.core import clock
from duban.core.home_panels import home_panels
from duban.core.money import ratio_pct
from duban.core.periods import Period
from duban.ledger.models import PlanMonth, WorkItem
from duban.ledger.selectors import WorkItemFilters, default_ledger_year, work_item_list
from duban.org.models import Unit, User
from duban.problems.models import OPEN_STATES, Meeting
from duban.problems.selectors import problem_inbox
from duban.problems.selectors.lists import scoped_problems
from duban.reporting.models import COUNTING_STATES, MonthlyReport
from duban.reporting.progress import ItemProgress, Light, StartStatus
from duban.reporting.selectors import figures_period_default, reporting_period_default
from duban.reporting.selectors.progress import LightCounts, is_closed, progress_for_items

HOME_LIST_LIMIT = 20  # lines a home card lists of what waits; the rest through the lists
LISTED = 5  # red / yellow / behind items listed by name; the rest through the link


@dataclass(frozen=True)
class ItemLine:
    item: WorkItem
    progress: ItemProgress


@dataclass(frozen=True)
class TrendPoint:
    month: int
    actual: Decimal | None  # cumulative completed (None for months not yet reported)
    plan: Decimal  # cumulative planned (the plan curves, else m/12 of the annual plan)


@dataclass
class UnitLights:
    unit: Unit
    lights: LightCounts = field(default_factory=LightCounts)


@dataclass
class Cockpit:
    year: int
    period: Period
    frozen: bool
    items: int
    lights: LightCounts
    red: list[ItemLine]
    yellow: list[ItemLine]
    behind: list[ItemLine]
    annual_plan: Decimal
    completed: Decimal
    completion_pct: Decimal | None
    time_progress_pct: Decimal
    trend: list[TrendPoint]
    units: list[UnitLights]
    starts: dict[str, int]
    problems_open: int
    problems_overdue: int
    problems_at_level: int
    level: int
    meetings: list[Meeting]


def _trend(items: Any, year: int, last_month: int, plan_total: Decimal) -> list[TrendPoint]:
    """Cumulative completed vs planned for months 1..last_month: two grouped queries."""
    ids = items.order_by().values("pk")
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
    with_curve = items.filter(pk__in=PlanMonth.objects.values("work_item_id"))
    curve_plans = with_curve.aggregate(s=Sum("annual_plan"))["s"] or Decimal(0)
    straight = plan_total - curve_plans
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


def leader_cockpit(*, user: User) -> Cockpit:
    year = default_ledger_year(user=user, preferred=reporting_period_default().year)
    period = figures_period_default(year, user=user)
    items = work_item_list(user=user, filters=WorkItemFilters(year=year)).exclude(
        status=WorkItem.Status.DRAFT
    )
    rows = list(items.order_by().values_list("pk", "lead_unit_id", "annual_plan"))
    progress = progress_for_items(items, period)
    lights = LightCounts()
    by_unit: dict[int, LightCounts] = defaultdict(LightCounts)
    starts: dict[str, int] = defaultdict(int)
    for pk, unit_id, _plan in rows:
        p = progress.get(pk)
        if p is None:
            continue
        lights.add(p.light)
        by_unit[unit_id].add(p.light)
        if p.start != StartStatus.NONE:
            starts[str(p.start)] += 1
    plan_total = sum((plan or Decimal(0) for _pk, _u, plan in rows), Decimal(0))
    completed = sum((p.figures.ytd_investment for p in progress.values()), Decimal(0))
    plan_to_date = sum(
        (
            p.figures.time_progress_pct * (p.figures.annual_plan or 0) / 100
            for p in progress.values()
        ),
        Decimal(0),
    )
    time_pct = plan_to_date * 100 / plan_total if plan_total else Decimal(period.month * 100) / 12

    def gap(p: ItemProgress) -> Decimal:
        return p.figures.gap_pp if p.figures.gap_pp is not None else Decimal(0)

    red = sorted((p for p in progress.values() if p.light == Light.RED), key=gap)
    yellow = sorted((p for p in progress.values() if p.light == Light.YELLOW), key=gap)
    behind = sorted((p for p in progress.values() if gap(p) < 0), key=gap)[:LISTED]
    shown_ids = {p.item_id for p in (*red[:LISTED], *yellow[:LISTED], *behind)}
    titles = {
        i.pk: i for i in WorkItem.objects.filter(pk__in=shown_ids).select_related("lead_unit")
    }

    def lines(ps: list[ItemProgress]) -> list[ItemLine]:
        return [ItemLine(titles[p.item_id], p) for p in ps[:LISTED] if p.item_id in titles]

    units = {u.pk: u for u in Unit.objects.filter(pk__in=by_unit.keys())}
    unit_rows = sorted(
        (UnitLights(units[pk], counts) for pk, counts in by_unit.items() if pk in units),
        key=lambda r: (-r.lights.red, -r.lights.yellow, r.unit.sort_order, r.unit.pk),
    )
    today = clock.today()
    level = 4 if user.is_principal else 3
    problems = (
        scoped_problems(user)
        .filter(state__in=OPEN_STATES)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            at_level=Count("pk", filter=Q(level__gte=level)),
        )
    )
    meetings = list(
        Meeting.objects.filter(chair=user, state=Meeting.State.SCHEDULED).order_by("date")[:5]
    )
    return Cockpit(
        year=year,
        period=period,
        frozen=is_closed(period),
        items=len(rows),
        lights=lights,
        red=lines(red),
        yellow=lines(yellow),
        behind=lines(behind),
        annual_plan=plan_total,
        completed=completed,
        completion_pct=ratio_pct(completed, plan_total),
        time_progress_pct=time_pct,
        trend=_trend(items, year, period.month if period.year == year else 12, plan_total),
        units=unit_rows,
        starts=dict(starts),
        problems_open=problems["open"],
        problems_overdue=problems["overdue"],
        problems_at_level=problems["at_level"],
        level=level,
        meetings=meetings,
    )


def _chart_data(c: Cockpit) -> dict[str, Any]:
    """What static/web/charts.js draws; the same figures are in the tables beside the charts."""
    return {
        "trend": {
            "months": [f"{t.month}月" for t in c.trend],
            "actual": [float(t.actual) if t.actual is not None else None for t in c.trend],
            "plan": [float(t.plan) for t in c.trend],
        },
        "units": {
            "names": [u.unit.short_name or u.unit.name for u in c.units[:15]],
            "red": [u.lights.red for u in c.units[:15]],
            "yellow": [u.lights.yellow for u in c.units[:15]],
            "green": [u.lights.green for u in c.units[:15]],
        },
    }


@login_required
def cockpit_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    cockpit = leader_cockpit(user=user)
    box = problem_inbox(user=user, limit=HOME_LIST_LIMIT)
    return render(
        request,
        "web/cockpit.html",
        {
            "c": cockpit,
            "problem_box": box,
            "waiting": box.total + len(cockpit.meetings),
            "charts": _chart_data(cockpit),
            "panels": home_panels("cockpit", user),
            "start_labels": dict(StartStatus.choices),
        },
    )

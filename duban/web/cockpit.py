"""The leader's cockpit (驾驶舱): their scope's month at a glance, every figure a link to its rows.

Lights, investment against plan and 序时 come from the progress core (a closed month from its
snapshot) for the month the ledger list shows by default, so a count here and the list it links
to (`/ledger/?light=red`) always agree. A fixed number of queries whatever the scope; the scope's lights come from the cache
(`duban.web.scope_lights`) until a write changes what they depend on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from duban.core.home_panels import home_panels
from duban.core.money import ratio_pct
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import WorkItemFilters, default_ledger_year, work_item_list
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.problems.models import Meeting
from duban.problems.selectors import problem_inbox
from duban.problems.selectors.lists import scoped_problems
from duban.reporting.progress import ItemProgress, StartStatus
from duban.reporting.selectors import figures_period_default, reporting_period_default
from duban.reporting.selectors.progress import LightCounts, is_closed, progress_for_items
from duban.web.scope_lights import (
    ScopeProblems,
    TrendPoint,
    UnitReports,
    scope_lights,
    scope_problems,
)

HOME_LIST_LIMIT = 20  # lines a home card lists of what waits; the rest through the lists
LISTED = 5  # red / yellow / behind items listed by name; the rest through the link
UNITS_SHOWN = 15  # units in the charts and their tables (the worst first); all on the overview


@dataclass(frozen=True)
class ItemLine:
    item: WorkItem
    progress: ItemProgress


@dataclass
class UnitLights:
    unit: Unit
    lights: LightCounts = field(default_factory=LightCounts)


@dataclass
class UnitReportLine:
    unit: Unit
    reports: UnitReports


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
    units_total: int
    reports: list[UnitReportLine]
    starts: dict[str, int]
    problems: ScopeProblems
    level: int
    meetings: list[Meeting]
    computed_at: datetime | None = None  # when the scope's figures were computed

    @property
    def problems_open(self) -> int:
        return self.problems.open

    @property
    def problems_overdue(self) -> int:
        return self.problems.overdue

    @property
    def problems_at_level(self) -> int:
        return self.problems.at_level


def leader_cockpit(*, user: User) -> Cockpit:
    year = default_ledger_year(user=user, preferred=reporting_period_default().year)
    period = figures_period_default(year, user=user)
    items = work_item_list(user=user, filters=WorkItemFilters(year=year)).exclude(
        status=WorkItem.Status.DRAFT
    )
    everything = scope_for(user).everything
    scope = scope_lights(items, period, year, everything=everything)
    plan_total = scope.annual_plan
    time_pct = (
        scope.plan_to_date * 100 / plan_total if plan_total else Decimal(period.month * 100) / 12
    )
    # Only the few items listed by name are read again, with their reasons.
    shown_ids = {*scope.red, *scope.yellow, *scope.behind}
    titles = {
        i.pk: i for i in WorkItem.objects.filter(pk__in=shown_ids).select_related("lead_unit")
    }
    shown = progress_for_items(list(titles.values()), period) if titles else {}

    def lines(ids: list[int]) -> list[ItemLine]:
        return [ItemLine(titles[pk], shown[pk]) for pk in ids[:LISTED] if pk in shown]

    # The units with most red, then yellow lights; and those with the fewest reports on time.
    worst = sorted(scope.by_unit.items(), key=lambda kv: (-kv[1].red, -kv[1].yellow, kv[0]))[
        :UNITS_SHOWN
    ]
    late = sorted(
        scope.reports_by_unit.items(),
        key=lambda kv: (kv[1].on_time_pct if kv[1].expected else Decimal(101), kv[0]),
    )[:UNITS_SHOWN]
    units = {
        u.pk: u
        for u in Unit.objects.filter(pk__in={pk for pk, _c in worst} | {pk for pk, _r in late})
    }
    unit_rows = [UnitLights(units[pk], counts) for pk, counts in worst if pk in units]
    report_rows = [UnitReportLine(units[pk], r) for pk, r in late if pk in units]
    level = 4 if user.is_principal else 3
    problems = scope_problems(scoped_problems(user), year, level, everything=everything)
    meetings = list(
        Meeting.objects.filter(chair=user, state=Meeting.State.SCHEDULED).order_by("date")[:5]
    )
    return Cockpit(
        year=year,
        period=period,
        frozen=is_closed(period),
        items=scope.items,
        lights=scope.lights,
        red=lines(scope.red),
        yellow=lines(scope.yellow),
        behind=lines(scope.behind),
        annual_plan=plan_total,
        completed=scope.completed,
        completion_pct=ratio_pct(scope.completed, plan_total),
        time_progress_pct=time_pct,
        trend=scope.trend,
        units=unit_rows,
        units_total=len(scope.by_unit),
        reports=report_rows,
        starts=scope.starts,
        problems=problems,
        level=level,
        meetings=meetings,
        computed_at=scope.computed_at,
    )


def _chart_data(c: Cockpit) -> dict[str, Any]:
    """What static/web/charts.js draws, with its labels (translated here); the same figures
    are in the tables beside the charts."""
    return {
        "trend": {
            "labels": {"actual": _("累计完成"), "plan": _("累计计划"), "unit": _("万元")},
            "months": [_("%(m)s月") % {"m": t.month} for t in c.trend],
            "actual": [float(t.actual) if t.actual is not None else None for t in c.trend],
            "plan": [float(t.plan) for t in c.trend],
        },
        "units": {
            "labels": {"red": _("红灯"), "yellow": _("黄灯"), "green": _("绿灯")},
            "names": [u.unit.short_name or u.unit.name for u in c.units],
            "red": [u.lights.red for u in c.units],
            "yellow": [u.lights.yellow for u in c.units],
            "green": [u.lights.green for u in c.units],
        },
        "problems": {
            "labels": {"opened": _("新上报"), "closed": _("已销号")},
            "months": [_("%(m)s月") % {"m": m} for m in range(1, 13)],
            "opened": c.problems.opened_by_month,
            "closed": c.problems.closed_by_month,
        },
        "reports": {
            "labels": {"on_time": _("按时"), "late": _("迟报"), "missing": _("未报")},
            "names": [r.unit.short_name or r.unit.name for r in c.reports],
            "on_time": [r.reports.on_time for r in c.reports],
            "late": [r.reports.late for r in c.reports],
            "missing": [r.reports.missing for r in c.reports],
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
            "problem_months": list(
                zip(
                    range(1, 13),
                    cockpit.problems.opened_by_month,
                    cockpit.problems.closed_by_month,
                    strict=True,
                )
            ),
            "home_panels": home_panels("cockpit", user),
            "start_labels": dict(StartStatus.choices),
        },
    )

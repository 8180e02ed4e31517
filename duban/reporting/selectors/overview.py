"""A year's overview: counts, planned vs completed investment, reporting per unit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from duban.core import clock
from duban.core.money import ratio_pct
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import WorkItemFilters, work_item_list
from duban.org.models import Unit, User
from duban.reporting.models import MonthlyReport, ReportingSettings
from duban.reporting.progress import ReportStatus, report_status, time_progress_pct
from duban.reporting.selectors.periods import figures_period_default
from duban.reporting.selectors.progress import LightCounts, is_closed, progress_for_items


@dataclass
class UnitReportRow:
    unit: Unit
    expected: int = 0
    submitted: int = 0
    late: int = 0
    missing: int = 0
    lights: LightCounts = field(default_factory=LightCounts)


@dataclass
class YearOverview:
    year: int
    period: Period
    by_level: dict[str, int]
    by_category: dict[str, int]
    kinds: dict[str, int]
    annual_plan: Decimal
    completed: Decimal
    completion_pct: Decimal | None
    time_progress_pct: Decimal
    units: list[UnitReportRow]
    lights: LightCounts
    lights_by_level: dict[str, LightCounts]
    frozen: bool


def year_overview(*, user: User, year: int, period: Period | None = None) -> YearOverview:
    """Counts by level and category, planned vs completed investment, lights by unit and
    level, and reporting per unit; every figure from the progress core (a closed month from
    its snapshot)."""
    if period is None:
        period = figures_period_default(year, user=user)
    items = work_item_list(user=user, filters=WorkItemFilters(year=year)).exclude(
        status=WorkItem.Status.DRAFT
    )
    rows_of_items = list(items.order_by().values_list("pk", "level", "kind", "lead_unit_id"))
    by_level = dict(items.order_by().values_list("level").annotate(c=Count("pk")))
    by_category = dict(
        items.filter(kind=WorkItem.Kind.PROJECT)
        .order_by()
        .values_list("category")
        .annotate(c=Count("pk"))
    )
    kinds = dict(items.order_by().values_list("kind").annotate(c=Count("pk")))
    annual_plan = items.aggregate(s=Sum("annual_plan"))["s"] or Decimal(0)
    progress = progress_for_items(items, period)
    completed = sum((p.figures.ytd_investment for p in progress.values()), Decimal(0))
    # 序时 of the whole: each item's plan to date (its curve, or m/12 of its plan) over the
    # plans; with no curves this is exactly m/12.
    plan_to_date = sum(
        (
            p.figures.time_progress_pct * (p.figures.annual_plan or 0) / 100
            for p in progress.values()
        ),
        Decimal(0),
    )
    planned = sum((p.figures.annual_plan or Decimal(0) for p in progress.values()), Decimal(0))
    time_progress = (
        plan_to_date * 100 / planned if planned else time_progress_pct(period.month, None, None)
    )
    rows: dict[int, UnitReportRow] = {}
    unit_ids = {unit_id for _pk, _level, _kind, unit_id in rows_of_items}
    for unit in Unit.objects.filter(pk__in=unit_ids).order_by("sort_order"):
        rows[unit.pk] = UnitReportRow(unit=unit)
    lights = LightCounts()
    by_level_lights: dict[str, LightCounts] = defaultdict(LightCounts)
    months = list(range(1, period.month + 1))
    for pk, level, _kind, unit_id in rows_of_items:
        rows[unit_id].expected += len(months)
        p = progress.get(pk)
        if p is not None:
            lights.add(p.light)
            by_level_lights[level].add(p.light)
            rows[unit_id].lights.add(p.light)
    due_day = ReportingSettings.load().due_day
    today = clock.today()
    reports = MonthlyReport.objects.filter(
        work_item__in=items.values("pk"), year=year, month__in=months
    ).values_list("work_item__lead_unit_id", "month", "first_submitted_at")
    for unit_id, month, first in reports:
        row = rows[unit_id]
        status = report_status(
            first_submitted_on=timezone.localtime(first).date() if first else None,
            due=Period(year, month).due_date(due_day),
            today=today,
        )
        if status in (ReportStatus.ON_TIME, ReportStatus.LATE):
            row.submitted += 1
        if status == ReportStatus.LATE:
            row.late += 1
    for row in rows.values():
        row.missing = max(row.expected - row.submitted, 0)
    return YearOverview(
        year=year,
        period=period,
        by_level=by_level,
        by_category=by_category,
        kinds=kinds,
        annual_plan=annual_plan,
        completed=completed,
        completion_pct=ratio_pct(completed, annual_plan),
        time_progress_pct=time_progress,
        units=list(rows.values()),
        lights=lights,
        lights_by_level=dict(by_level_lights),
        frozen=is_closed(period),
    )

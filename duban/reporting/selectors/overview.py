"""A year's overview: counts, planned vs completed investment, reporting per unit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import WorkItemFilters, work_item_list
from duban.org.models import Unit, User
from duban.reporting.models import COUNTING_STATES, MonthlyReport, ReportingSettings
from duban.reporting.selectors.periods import figures_period_default


@dataclass
class UnitReportRow:
    unit: Unit
    expected: int = 0
    submitted: int = 0
    late: int = 0
    missing: int = 0


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


def year_overview(*, user: User, year: int, period: Period | None = None) -> YearOverview:
    """Counts by level and category, planned vs completed investment, reporting per unit."""
    from duban.core.money import ratio_pct
    from duban.reporting.figures import time_progress_pct

    if period is None:
        period = figures_period_default(year, user=user)
    items = work_item_list(user=user, filters=WorkItemFilters(year=year)).exclude(
        status=WorkItem.Status.DRAFT
    )
    by_level = dict(items.order_by().values_list("level").annotate(c=Count("pk")))
    by_category = dict(
        items.filter(kind=WorkItem.Kind.PROJECT)
        .order_by()
        .values_list("category")
        .annotate(c=Count("pk"))
    )
    kinds = dict(items.order_by().values_list("kind").annotate(c=Count("pk")))
    annual_plan = items.aggregate(s=Sum("annual_plan"))["s"] or Decimal(0)
    completed = MonthlyReport.objects.filter(
        work_item__in=items.values("pk"),
        year=year,
        month__lte=period.month,
        state__in=COUNTING_STATES,
    ).aggregate(s=Sum("investment_month"))["s"] or Decimal(0)
    due_day = ReportingSettings.load().due_day
    rows: dict[int, UnitReportRow] = {}
    for unit in Unit.objects.filter(pk__in=items.values("lead_unit_id")).order_by("sort_order"):
        rows[unit.pk] = UnitReportRow(unit=unit)
    months = list(range(1, period.month + 1))
    expected: dict[int, int] = defaultdict(int)
    for unit_id in items.values_list("lead_unit_id", flat=True):
        expected[unit_id] += len(months)
    reports = MonthlyReport.objects.filter(
        work_item__in=items.values("pk"), year=year, month__in=months
    ).values_list("work_item__lead_unit_id", "month", "first_submitted_at")
    for unit_id, month, first in reports:
        row = rows[unit_id]
        if first is not None:
            row.submitted += 1
            if timezone.localtime(first).date() > Period(year, month).due_date(due_day):
                row.late += 1
    for unit_id, row in rows.items():
        row.expected = expected[unit_id]
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
        time_progress_pct=time_progress_pct(period.month, None, None),
        units=list(rows.values()),
    )

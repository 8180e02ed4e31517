"""The months that are closed, being reported, and shown in figures."""

from __future__ import annotations

from duban.core.periods import Period
from duban.org.models import User
from duban.reporting.models import COUNTING_STATES, MonthClose, MonthlyReport
from duban.reporting.selectors.reports import ReportFilters, report_list


def closed_periods() -> set[Period]:
    return {Period(y, m) for y, m in MonthClose.objects.values_list("year", "month")}


def reporting_period_default() -> Period:
    """The period units are reporting now: last month (reports are filed in the next month)."""
    return Period.current().previous()


def figures_period_default(year: int | None = None, *, user: User | None = None) -> Period:
    """The month figures of `year` are shown as of, everywhere (lists, item pages, overview, API).

    The current year (or no year): last month. A future year: January. A past year: the
    latest month with a counted report in the user's scope (in the district without a user),
    December when there is none. The one definition every page, export and API uses.
    """
    current = reporting_period_default()
    if year is None or year == current.year:
        return current
    if year > current.year:
        return Period(year, 1)
    reports = (
        MonthlyReport.objects.filter(year=year)
        if user is None
        else report_list(user=user, filters=ReportFilters(year=year))
    )
    latest = (
        reports.filter(state__in=COUNTING_STATES)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    return Period(year, latest or 12)

"""Reads of monthly reports and the figures derived from them, scoped to the user."""

from duban.reporting.selectors.history import (
    report_history,
    work_item_change_log,
)
from duban.reporting.selectors.inbox import (
    DueReport,
    Inbox,
    inbox_for,
)
from duban.reporting.selectors.overview import (
    UnitReportRow,
    YearOverview,
    year_overview,
)
from duban.reporting.selectors.periods import (
    closed_periods,
    figures_period_default,
    reporting_period_default,
)
from duban.reporting.selectors.progress import (
    LightCounts,
    compute_progress,
    counted_ytd,
    ids_with_light,
    light_counts,
    progress_for_item,
    progress_for_items,
    report_due,
    report_progress,
    reports_progress,
    rules_in_force,
)
from duban.reporting.selectors.reports import (
    ReportFilters,
    report_for_item_period,
    report_get_for_user,
    report_list,
    reports_of_item,
)

__all__ = [
    "DueReport",
    "Inbox",
    "LightCounts",
    "ReportFilters",
    "UnitReportRow",
    "YearOverview",
    "closed_periods",
    "compute_progress",
    "counted_ytd",
    "figures_period_default",
    "ids_with_light",
    "inbox_for",
    "light_counts",
    "progress_for_item",
    "progress_for_items",
    "report_due",
    "report_for_item_period",
    "report_get_for_user",
    "report_history",
    "report_list",
    "report_progress",
    "reporting_period_default",
    "reports_of_item",
    "reports_progress",
    "rules_in_force",
    "work_item_change_log",
    "year_overview",
]

"""Reads of monthly reports and the figures derived from them, scoped to the user."""

from duban.reporting.selectors.figures import (
    MONEY,
    figures_of,
    item_figures_for,
    report_figures,
    report_figures_of,
    reports_with_figures,
    with_figures,
)
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
from duban.reporting.selectors.reports import (
    ReportFilters,
    report_for_item_period,
    report_get_for_user,
    report_list,
    reports_of_item,
)

__all__ = [
    "MONEY",
    "DueReport",
    "Inbox",
    "ReportFilters",
    "UnitReportRow",
    "YearOverview",
    "closed_periods",
    "figures_of",
    "figures_period_default",
    "inbox_for",
    "item_figures_for",
    "report_figures",
    "report_figures_of",
    "report_for_item_period",
    "report_get_for_user",
    "report_history",
    "report_list",
    "reporting_period_default",
    "reports_of_item",
    "reports_with_figures",
    "with_figures",
    "work_item_change_log",
    "year_overview",
]

"""The change history of reports and of work items with their reports."""

from __future__ import annotations

from django.utils.translation import gettext, pgettext

from duban.ledger.models import WorkItem
from duban.ledger.selectors import ChangeEntry, history_entries, work_item_history
from duban.reporting.models import IndicatorValue, MonthlyReport, ReportMilestone


def report_history(report: MonthlyReport) -> list[ChangeEntry]:
    """The changes of a report and of its indicator values and reached nodes, newest first."""
    entries = history_entries(
        MonthlyReport,
        report.history.select_related("history_user").all(),
        lambda r: pgettext("model name", "月报"),
    )
    entries += history_entries(
        IndicatorValue,
        IndicatorValue.history.filter(report_id=report.pk).select_related("history_user"),
        lambda r: pgettext("model name", "指标完成值"),
    )
    entries += history_entries(
        ReportMilestone,
        ReportMilestone.history.filter(report_id=report.pk).select_related("history_user"),
        lambda r: pgettext("model name", "本月完成节点"),
    )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def work_item_change_log(item: WorkItem) -> list[ChangeEntry]:
    """The item's ledger history plus the history of its monthly reports, newest first."""
    entries = work_item_history(item)
    entries += history_entries(
        MonthlyReport,
        MonthlyReport.history.filter(work_item_id=item.pk).select_related("history_user"),
        lambda r: gettext("%(m)s月月报") % {"m": r.month},
    )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries

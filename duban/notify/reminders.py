"""The reminders that depend on the day: reports due in N days, due today, late; problems due
soon and overdue. Run daily by `duban remind` (from cron or the daily cycle).

Each reminder's event key holds the day it is about, so running twice on one day tells nobody
twice. Lateness is not repeated every day (that is how reminders become spam): a late report or
an overdue problem is told the day after its due date and then once a week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from duban.core import clock
from duban.core.events import NotificationKind
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.problems.events import problem_due_event
from duban.problems.models import Problem
from duban.reporting.events import FILLERS, report_event
from duban.reporting.models import MonthlyReport, ReportingSettings
from duban.reporting.selectors.inbox import _months_expected
from duban.reporting.selectors.periods import closed_periods

K = NotificationKind
NOT_YET_REPORTED = (MonthlyReport.State.DRAFT, MonthlyReport.State.RETURNED)


@dataclass
class RemindResult:
    reports: int = 0
    problems: int = 0


def days_before() -> int:
    return int(getattr(settings, "DUBAN_REMIND_DAYS_BEFORE", 3))


def _repeat_day(due: date, on: date) -> bool:
    """The day after the due date, then every seventh day."""
    late = (on - due).days
    return late >= 1 and (late - 1) % 7 == 0


def _report_kind(due: date, on: date) -> NotificationKind | None:
    if on == due - timedelta(days=days_before()):
        return K.REPORT_DUE_SOON
    if on == due:
        return K.REPORT_DUE_TODAY
    if _repeat_day(due, on):
        return K.REPORT_LATE
    return None


def report_reminders(on: date) -> int:
    """Reports of the reporting month not yet submitted, on the days they are to be told."""
    period = Period(on.year, on.month).previous()
    if period in closed_periods():
        return 0
    due_day = ReportingSettings.load().due_day
    due = period.due_date(due_day)
    kind = _report_kind(due, on)
    if kind is None:
        return 0
    items = WorkItem.objects.filter(status=WorkItem.Status.ACTIVE, year__lte=period.year)
    done = {
        r.work_item_id: r
        for r in MonthlyReport.objects.filter(year=period.year, month=period.month)
    }
    count = 0
    for item in items.select_related("lead_unit").order_by("pk"):
        if period not in _months_expected(item, period, due_day):
            continue
        report = done.get(item.pk)
        if report is not None and report.state not in NOT_YET_REPORTED:
            continue
        if report is None:
            # The event is about the item (its report does not exist yet).
            report = MonthlyReport(work_item=item, year=period.year, month=period.month)
        report_event(
            report,
            kind,
            f"{kind}:{item.pk}:{period}:{on.isoformat()}",
            due=due.isoformat(),
            unit_ids=(item.lead_unit_id,),
            unit_roles=FILLERS,
        )
        count += 1
    return count


def problem_reminders(on: date) -> int:
    soon = on + timedelta(days=days_before())
    count = 0
    open_assigned = Problem.objects.filter(state=Problem.State.ASSIGNED, due_date__isnull=False)
    for problem in open_assigned.filter(due_date=soon).order_by("pk"):
        problem_due_event(problem, K.PROBLEM_DUE_SOON, on.isoformat())
        count += 1
    for problem in open_assigned.filter(due_date__lt=on).order_by("pk"):
        if problem.due_date is not None and _repeat_day(problem.due_date, on):
            problem_due_event(problem, K.PROBLEM_OVERDUE, on.isoformat())
            count += 1
    return count


def reminders_raise(*, on: date | None = None) -> RemindResult:
    """Raise the day's time-based reminders (idempotent for a day)."""
    day = on or clock.today()
    return RemindResult(reports=report_reminders(day), problems=problem_reminders(day))

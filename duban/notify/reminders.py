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
from django.urls import reverse
from django.utils.translation import gettext_noop

from duban.core import clock
from duban.core.events import Event, NotificationKind, collecting, district_text, emit
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.problems.events import problem_due_event
from duban.problems.models import Problem
from duban.reporting.events import FILLERS, report_event
from duban.reporting.models import MonthlyReport, ReportingSettings
from duban.reporting.selectors.inbox import months_expected
from duban.reporting.selectors.periods import closed_periods
from duban.supervision.events import prompt_units
from duban.supervision.models import Flag, Prompt

K = NotificationKind
NOT_YET_REPORTED = (MonthlyReport.State.DRAFT, MonthlyReport.State.RETURNED)


@dataclass
class RemindResult:
    reports: int = 0
    problems: int = 0
    supervision: int = 0


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
        if period not in months_expected(item, period, due_day):
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


def supervision_reminders(on: date) -> int:
    """Prompts awaiting a reply that fall due soon or are late; open flags whose rectification
    deadline is near. The unit is told (and the office too when a reply is late)."""
    soon = on + timedelta(days=days_before())
    count = 0
    awaiting = Prompt.objects.filter(
        state__in=(Prompt.State.ISSUED, Prompt.State.RETURNED), reply_due__isnull=False
    ).select_related("unit")
    for prompt in awaiting.filter(reply_due__lte=soon).order_by("pk"):
        due = prompt.reply_due
        if due is None:
            continue
        if due == soon:
            kind, office = K.PROMPT_REPLY_DUE, False
            text = district_text(
                gettext_noop("督办提示“%(prompt)s”须于%(due)s前答复"),
                prompt=prompt,
                due=due,
            )
        elif due < on and _repeat_day(due, on):
            kind, office = K.PROMPT_REPLY_LATE, True
            text = district_text(
                gettext_noop("督办提示“%(prompt)s”答复时限%(due)s已过，%(who)s尚未答复"),
                prompt=prompt,
                due=due,
                who=prompt.recipient,
            )
        else:
            continue
        emit(
            Event(
                kind=kind,
                key=f"{kind}:{prompt.pk}:{on.isoformat()}",
                target="supervision.prompt",
                target_id=prompt.pk,
                text=text,
                url=reverse("supervision:prompt", args=[prompt.pk]),
                unit_ids=prompt_units(prompt, unanswered=True),
                office=office,
            )
        )
        count += 1
    flags = Flag.objects.filter(
        state__in=(Flag.State.OPEN, Flag.State.DELIST_REQUESTED), deadline=soon
    ).select_related("unit", "work_item", "problem")
    for flag in flags.order_by("pk"):
        emit(
            Event(
                kind=K.FLAG_DEADLINE_NEAR,
                key=f"{K.FLAG_DEADLINE_NEAR}:{flag.pk}:{on.isoformat()}",
                target="supervision.flag",
                target_id=flag.pk,
                text=district_text(
                    gettext_noop("挂牌督办“%(subject)s”整改时限为%(due)s，请按期整改销号"),
                    subject=flag.subject,
                    due=soon,
                ),
                url=reverse("supervision:flag", args=[flag.pk]),
                unit_ids=(flag.unit_id,),
            )
        )
        count += 1
    return count


def reminders_raise(*, on: date | None = None) -> RemindResult:
    """Raise the day's time-based reminders (idempotent for a day), told in batches: notify
    handles the day's events a slice at a time, not one by one."""
    day = on or clock.today()
    with collecting():
        return RemindResult(
            reports=report_reminders(day),
            problems=problem_reminders(day),
            supervision=supervision_reminders(day),
        )

"""The events the reporting services raise (see `duban.core.events`): who must act on a report."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from duban.core.events import Event, NotificationKind, emit
from duban.reporting.models import MonthlyReport

TARGET = "reporting.monthlyreport"
FILLERS = ("unit_head", "reporter")


def _name(report: MonthlyReport) -> dict[str, str]:
    return {"item": report.work_item.title, "period": report.period.label}


def report_event(
    report: MonthlyReport,
    kind: NotificationKind,
    key: str,
    *,
    due: str = "",
    unit_ids: tuple[int, ...] = (),
    unit_roles: tuple[str, ...] = (),
    user_ids: tuple[int, ...] = (),
    office: bool = False,
) -> Event:
    """Raise an event about a report; its sentence is written in the district's language."""
    with translation.override(settings.LANGUAGE_CODE):
        texts = {
            NotificationKind.REPORT_RETURNED: _("%(period)s月报“%(item)s”被退回：%(reason)s"),
            NotificationKind.REPORT_SIGNOFF: _("%(period)s月报“%(item)s”待您审签"),
            NotificationKind.REPORT_REVIEW: _("%(period)s月报“%(item)s”已报送，待审核"),
            NotificationKind.REPORT_DUE_SOON: _("%(period)s月报“%(item)s”将于%(due)s到期"),
            NotificationKind.REPORT_DUE_TODAY: _("%(period)s月报“%(item)s”今日到期"),
            NotificationKind.REPORT_LATE: _("%(period)s月报“%(item)s”已逾期未报"),
        }
        params = _name(report) | {"reason": report.return_reason, "due": due}
        text = texts[kind] % params
    event = Event(
        kind=kind,
        key=key,
        # A report not started yet: the event is about its item.
        target=TARGET if report.pk else "ledger.workitem",
        target_id=report.pk or report.work_item_id,
        text=text,
        url=report.get_absolute_url() if report.pk else report.work_item.get_absolute_url(),
        unit_ids=unit_ids,
        unit_roles=unit_roles,
        user_ids=user_ids,
        office=office,
    )
    emit(event)
    return event


def report_submitted_events(report: MonthlyReport) -> None:
    """After a submit or sign-off: the head signs off, or the reviewer reviews."""
    item = report.work_item
    states = MonthlyReport.State
    if report.state == states.PENDING_SIGNOFF:
        report_event(
            report,
            NotificationKind.REPORT_SIGNOFF,
            f"report_signoff:{report.pk}:{report.version}",
            unit_ids=(item.lead_unit_id,),
            unit_roles=("unit_head",),
        )
    elif report.state == states.SUBMITTED:
        report_event(
            report,
            NotificationKind.REPORT_REVIEW,
            f"report_review:{report.pk}:{report.version}",
            user_ids=(item.steward_id,) if item.steward_id else (),
            office=not item.steward_id,
        )


def report_returned_event(report: MonthlyReport) -> None:
    report_event(
        report,
        NotificationKind.REPORT_RETURNED,
        f"report_returned:{report.pk}:{report.times_returned}",
        unit_ids=(report.work_item.lead_unit_id,),
        unit_roles=FILLERS,
    )

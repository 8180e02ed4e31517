"""The events the problem services raise (see `duban.core.events`): who must act on a problem."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from duban.core.events import Event, NotificationKind, emit
from duban.core.formatting import date_cn
from duban.problems.models import (
    Coordination,
    ExtensionRequest,
    Meeting,
    Problem,
    ProblemSettings,
)

HANDLERS = ("unit_head", "reporter")


def problem_event(
    problem: Problem,
    kind: NotificationKind,
    key: str,
    text: str,
    *,
    unit_ids: Sequence[int | None] = (),
    user_ids: Sequence[int | None] = (),
    office: bool = False,
) -> Event:
    event = Event(
        kind=kind,
        key=key,
        target="problems.problem",
        target_id=problem.pk,
        text=text,
        url=problem.get_absolute_url(),
        unit_ids=tuple(u for u in unit_ids if u),
        unit_roles=HANDLERS,
        user_ids=tuple(u for u in user_ids if u),
        office=office,
    )
    emit(event)
    return event


def _units(problem: Problem) -> list[int | None]:
    return [problem.lead_unit_id, *problem.co_units.values_list("pk", flat=True)]


def problem_assigned_event(problem: Problem) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = _("问题“%(t)s”已交办，办理时限%(d)s") % {
            "t": problem.title,
            "d": date_cn(problem.due_date),
        }
    problem_event(
        problem,
        NotificationKind.PROBLEM_ASSIGNED,
        f"problem_assigned:{problem.pk}:{problem.version}",
        text,
        unit_ids=_units(problem),
    )


def problem_escalated_event(problem: Problem, escalation_id: int) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = _("问题“%(t)s”已升级至%(l)s") % {
            "t": problem.title,
            "l": ProblemSettings.load().level_name(problem.level),
        }
    problem_event(
        problem,
        NotificationKind.PROBLEM_ESCALATED,
        f"problem_escalated:{escalation_id}",
        text,
        unit_ids=[problem.lead_unit_id],
    )


def problem_returned_event(problem: Problem, reason: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = _("问题“%(t)s”核实未通过，退回重办：%(r)s") % {"t": problem.title, "r": reason}
    problem_event(
        problem,
        NotificationKind.PROBLEM_RETURNED,
        f"problem_returned:{problem.pk}:{problem.version}",
        text,
        unit_ids=[problem.lead_unit_id],
    )


def problem_due_event(problem: Problem, kind: NotificationKind, on: str) -> Event:
    """Time-based (from `duban remind`): keyed by the day, so one run a day tells once."""
    with translation.override(settings.LANGUAGE_CODE):
        if kind == NotificationKind.PROBLEM_OVERDUE:
            text = _("问题“%(t)s”已逾期（办理时限%(d)s）")
        else:
            text = _("问题“%(t)s”将于%(d)s到期")
        text = text % {"t": problem.title, "d": date_cn(problem.due_date)}
    return problem_event(
        problem, kind, f"{kind}:{problem.pk}:{on}", text, unit_ids=[problem.lead_unit_id]
    )


def extension_decided_event(extension: ExtensionRequest) -> None:
    problem = extension.problem
    with translation.override(settings.LANGUAGE_CODE):
        if extension.state == ExtensionRequest.State.APPROVED:
            text = _("问题“%(t)s”的延期申请已同意，办理时限延至%(d)s") % {
                "t": problem.title,
                "d": date_cn(extension.new_due_date),
            }
        else:
            text = _("问题“%(t)s”的延期申请未获同意：%(r)s") % {
                "t": problem.title,
                "r": extension.reject_reason,
            }
    problem_event(
        problem,
        NotificationKind.EXTENSION_DECIDED,
        f"extension_decided:{extension.pk}",
        text,
        user_ids=[extension.requested_by_id],
        unit_ids=[problem.lead_unit_id],
    )


def opinion_addressed_event(opinion: Coordination) -> None:
    problem = opinion.problem
    with translation.override(settings.LANGUAGE_CODE):
        text = _("问题“%(t)s”有新的协调意见，请落实反馈") % {"t": problem.title}
    problem_event(
        problem,
        NotificationKind.OPINION_ADDRESSED,
        f"opinion_addressed:{opinion.pk}",
        text,
        unit_ids=list(opinion.units.values_list("pk", flat=True)),
    )


def meeting_scheduled_event(meeting: Meeting) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = _("调度会“%(t)s”定于%(d)s召开，议程已附") % {
            "t": str(meeting),
            "d": date_cn(meeting.date),
        }
    event = Event(
        kind=NotificationKind.MEETING_SCHEDULED,
        key=f"meeting_scheduled:{meeting.pk}",
        target="problems.meeting",
        target_id=meeting.pk,
        text=text,
        url=meeting.get_absolute_url(),
        unit_ids=tuple(meeting.attendee_units.values_list("pk", flat=True)),
        unit_roles=("unit_head",),
        user_ids=tuple(meeting.attendees.values_list("pk", flat=True)),
    )
    emit(event)

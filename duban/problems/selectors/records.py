"""A problem's history and co-unit answers; meetings and visits in scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from duban.ledger.scoping import work_items_in
from duban.org.models import User
from duban.org.scoping import scope_for
from duban.problems.models import (
    AgendaItem,
    Coordination,
    CoUnitResponse,
    Meeting,
    Problem,
    ProblemEvent,
)
from duban.problems.scoping import problems_q


def problem_events(problem: Problem) -> QuerySet[ProblemEvent]:
    """The problem's history (the problem is already scoped), oldest first."""
    return problem.events.select_related("actor").order_by("at", "pk")


def problem_co_responses(problem: Problem) -> QuerySet[CoUnitResponse]:
    return problem.co_responses.select_related("unit", "answered_by")


def co_response_for(problem: Problem, user: User) -> CoUnitResponse | None:
    """The answer row of the user's unit on `problem` (None when it is no co-unit)."""
    if user.unit_id is None:
        return None
    return problem.co_responses.filter(unit_id=user.unit_id).first()


def meetings_q(user: User) -> Q:
    scope = scope_for(user)
    if scope.everything:
        return Q()
    attended = Meeting.attendees.through.objects.filter(user_id=user.pk).values("meeting_id")
    on_agenda = AgendaItem.objects.filter(
        problem__in=Problem.objects.filter(problems_q(scope)).values("pk")
    ).values("meeting_id")
    return Q(chair_id=user.pk) | Q(pk__in=attended) | Q(pk__in=on_agenda)


def meeting_list(*, user: User) -> QuerySet[Meeting]:
    """Meetings the user chairs or attends, or whose agenda holds a problem in their scope."""
    return Meeting.objects.filter(meetings_q(user)).select_related("chair")


def meeting_get_for_user(*, user: User, meeting_id: int) -> Meeting:
    return get_object_or_404(meeting_list(user=user), pk=meeting_id)


@dataclass(frozen=True)
class MeetingAgenda:
    """What one reader may see of a meeting: the agenda entries and decisions in their scope,
    and how many of each were left out (a count only, never their text)."""

    entries: list[AgendaItem]
    decisions: list[Coordination]
    hidden_entries: int
    hidden_decisions: int

    @property
    def hidden_entries_note(self) -> str:
        if not self.hidden_entries:
            return ""
        return _("另有%(n)s项议题不在您的工作范围内，未列出。") % {"n": self.hidden_entries}

    @property
    def hidden_decisions_note(self) -> str:
        if not self.hidden_decisions:
            return ""
        return _("另有%(n)s项议定事项不在您的工作范围内，未列出。") % {"n": self.hidden_decisions}


def meeting_sees_everything(*, user: User, meeting: Meeting) -> bool:
    """The office and the meeting's chair see its whole agenda."""
    return scope_for(user).everything or meeting.chair_id == user.pk


def _agenda_entry_q(user: User) -> Q:
    """An entry is the reader's when its problem or its work item is in their scope; a point
    added by hand with neither concerns the meeting as a whole and is shown to every reader."""
    scope = scope_for(user)
    problems = Problem.objects.filter(problems_q(scope)).values("pk")
    items = work_items_in(scope).values("pk")
    return (
        Q(problem__in=problems)
        | Q(problem__isnull=True, work_item__in=items)
        | Q(problem__isnull=True, work_item__isnull=True)
    )


def meeting_agenda(*, user: User, meeting: Meeting) -> MeetingAgenda:
    """The meeting's agenda and decisions as `user` may see them (the meeting is already
    scoped): everything for the office and the chair, else their own entries plus a count."""
    entries = meeting.agenda.select_related("problem", "work_item").order_by("sort_order", "pk")
    decisions = (
        meeting.decisions.select_related("problem", "leader", "created_by")
        .prefetch_related("units")
        .order_by("pk")
    )
    total_entries, total_decisions = entries.count(), decisions.count()
    if not meeting_sees_everything(user=user, meeting=meeting):
        entries = entries.filter(_agenda_entry_q(user))
        problems = Problem.objects.filter(problems_q(scope_for(user))).values("pk")
        decisions = decisions.filter(problem__in=problems)
    shown_entries, shown_decisions = list(entries), list(decisions)
    return MeetingAgenda(
        entries=shown_entries,
        decisions=shown_decisions,
        hidden_entries=total_entries - len(shown_entries),
        hidden_decisions=total_decisions - len(shown_decisions),
    )

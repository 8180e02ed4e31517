"""A problem's history and co-unit answers; meetings and visits in scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
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


def meetings_agenda_entries(
    *, user: User, meetings: Sequence[Meeting]
) -> dict[int, tuple[list[AgendaItem], int]]:
    """Each meeting's agenda entries as `user` may see them (the meetings are already scoped),
    with how many were left out: everything for the office and a meeting's chair, else their
    own entries. Three queries for any number of meetings (a page of the API's list)."""
    whole = [m.pk for m in meetings if meeting_sees_everything(user=user, meeting=m)]
    own = [m.pk for m in meetings if m.pk not in set(whole)]
    out: dict[int, tuple[list[AgendaItem], int]] = {m.pk: ([], 0) for m in meetings}
    if not meetings:
        return out
    entries = AgendaItem.objects.select_related("problem", "work_item").order_by(
        "meeting_id", "sort_order", "pk"
    )
    shown = list(entries.filter(meeting_id__in=whole)) if whole else []
    if own:
        shown += list(entries.filter(_agenda_entry_q(user), meeting_id__in=own))
    totals = dict(
        AgendaItem.objects.filter(meeting_id__in=[m.pk for m in meetings])
        .order_by()
        .values_list("meeting_id")
        .annotate(n=Count("pk"))
    )
    by_meeting: dict[int, list[AgendaItem]] = {m.pk: [] for m in meetings}
    for entry in shown:
        by_meeting[entry.meeting_id].append(entry)
    return {pk: (listed, totals.get(pk, 0) - len(listed)) for pk, listed in by_meeting.items()}


def meeting_agenda(*, user: User, meeting: Meeting) -> MeetingAgenda:
    """The meeting's agenda and decisions as `user` may see them (the meeting is already
    scoped): everything for the office and the chair, else their own entries plus a count."""
    [(shown_entries, hidden_entries)] = meetings_agenda_entries(
        user=user, meetings=[meeting]
    ).values()
    decisions = (
        meeting.decisions.select_related("problem", "leader", "created_by")
        .prefetch_related("units")
        .order_by("pk")
    )
    total_decisions = decisions.count()
    if not meeting_sees_everything(user=user, meeting=meeting):
        problems = Problem.objects.filter(problems_q(scope_for(user))).values("pk")
        decisions = decisions.filter(problem__in=problems)
    shown_decisions = list(decisions)
    return MeetingAgenda(
        entries=shown_entries,
        decisions=shown_decisions,
        hidden_entries=hidden_entries,
        hidden_decisions=total_decisions - len(shown_decisions),
    )

"""A problem's history and co-unit answers; meetings and visits in scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from duban.org.models import User
from duban.org.scoping import scope_for
from duban.problems.models import (
    AgendaItem,
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

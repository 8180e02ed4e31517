"""A problem's history and co-unit answers; meetings and visits in scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from duban.liaison.models import Visit
from duban.org.models import Enterprise, User
from duban.org.scoping import scope_for
from duban.problems.models import (
    AgendaItem,
    CoUnitResponse,
    Meeting,
    Problem,
    ProblemEvent,
)


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
        problem__in=Problem.objects.filter(scope.problems_q()).values("pk")
    ).values("meeting_id")
    return Q(chair_id=user.pk) | Q(pk__in=attended) | Q(pk__in=on_agenda)


def meeting_list(*, user: User) -> QuerySet[Meeting]:
    """Meetings the user chairs or attends, or whose agenda holds a problem in their scope."""
    return Meeting.objects.filter(meetings_q(user)).select_related("chair")


def meeting_get_for_user(*, user: User, meeting_id: int) -> Meeting:
    return get_object_or_404(meeting_list(user=user), pk=meeting_id)


def visit_list(*, user: User) -> QuerySet[Visit]:
    """Visits the user made, or to items and enterprises in their scope."""
    scope = scope_for(user)
    qs = Visit.objects.select_related("visitor", "work_item", "enterprise")
    if scope.everything:
        return qs
    return qs.filter(
        Q(visitor_id=user.pk)
        | Q(work_item__in=scope.work_items().values("pk"))
        | Q(enterprise__in=Enterprise.objects.filter(scope.enterprises_q()).values("pk"))
    )

"""Reads of the five lists (任务清单、问题清单、协调清单、反馈清单、销号清单) and their figures,
always scoped to the user through `scope_for(user)`.

The five lists are five views of one flow: the year's work items with their open problems,
the open problems, the coordination opinions, the feedback, and the problems closed in a month.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from duban.core import clock
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import WorkItemFilters, work_item_list
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.problems.models import (
    OPEN_STATES,
    Coordination,
    Feedback,
    Problem,
)
from duban.problems.scoping import problems_q

S = Problem.State


@dataclass
class ProblemFilters:
    """The filters every list takes; each list applies those that make sense for it."""

    year: int | None = None
    month: int | None = None
    unit: int | None = None
    leader: int | None = None
    level: int | None = None
    category: str | None = None
    state: str | None = None
    source: str | None = None
    overdue: bool | None = None
    q: str | None = None


def leader_q(leader_id: int) -> Q:
    """Problems in a leader's area: what the leader's own scope would show."""
    leader = User.objects.filter(pk=leader_id).first()
    return problems_q(scope_for(leader)) if leader is not None else Q(pk__in=[])


def unit_q(unit_id: int, prefix: str = "") -> Q:
    co = Problem.co_units.through.objects.filter(unit_id=unit_id).values("problem_id")
    return Q(**{f"{prefix}lead_unit_id": unit_id}) | Q(**{f"{prefix}pk__in": co})


def filter_problems(qs: QuerySet[Problem], f: ProblemFilters) -> QuerySet[Problem]:
    if f.year:
        qs = qs.filter(reported_on__year=f.year)
    if f.month:
        qs = qs.filter(reported_on__month=f.month)
    if f.unit:
        qs = qs.filter(unit_q(f.unit))
    if f.leader:
        qs = qs.filter(leader_q(f.leader))
    if f.level:
        qs = qs.filter(level=f.level)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.overdue is not None:
        overdue = Q(state__in=OPEN_STATES, due_date__lt=clock.today())
        qs = qs.filter(overdue) if f.overdue else qs.exclude(overdue)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(description__icontains=f.q))
    return qs


def scoped_problems(user: User) -> QuerySet[Problem]:
    return Problem.objects.filter(problems_q(scope_for(user)))


def problem_list(*, user: User, filters: ProblemFilters | None = None) -> QuerySet[Problem]:
    """Every problem the user may see (any state), filtered."""
    qs = filter_problems(scoped_problems(user), filters or ProblemFilters())
    return qs.select_related(
        "work_item", "enterprise", "lead_unit", "reporting_unit", "reported_by"
    ).prefetch_related(Prefetch("co_units", queryset=Unit.objects.order_by("sort_order")))


def problem_get_for_user(*, user: User, problem_id: int) -> Problem:
    """One problem in the user's scope; missing and out-of-scope both answer 404."""
    return get_object_or_404(problem_list(user=user), pk=problem_id)


def open_problem_list(*, user: User, filters: ProblemFilters | None = None) -> QuerySet[Problem]:
    """问题清单: the problems not yet closed (nor rejected or merged), oldest due first."""
    return (
        problem_list(user=user, filters=filters)
        .filter(state__in=OPEN_STATES)
        .order_by(F("due_date").asc(nulls_last=True), "reported_on", "pk")
    )


def closeout_list(
    *, user: User, period: Period, filters: ProblemFilters | None = None
) -> QuerySet[Problem]:
    """销号清单: the problems closed in `period` (year, month filters mean the close month)."""
    f = filters or ProblemFilters()
    rest = ProblemFilters(**{**f.__dict__, "year": None, "month": None, "state": None})
    return (
        problem_list(user=user, filters=rest)
        .filter(state=S.CLOSED, close_year=period.year, close_month=period.month)
        .order_by("closed_at", "pk")
    )


def task_list(*, user: User, filters: ProblemFilters | None = None) -> QuerySet[WorkItem]:
    """任务清单: the year's work items with their open and overdue problem counts."""
    f = filters or ProblemFilters()
    items = work_item_list(
        user=user, filters=WorkItemFilters(year=f.year, unit=f.unit, leader=f.leader)
    )
    today = clock.today()
    items = items.annotate(
        open_problem_count=Count("problems", filter=Q(problems__state__in=OPEN_STATES)),
        overdue_problem_count=Count(
            "problems",
            filter=Q(problems__state__in=OPEN_STATES, problems__due_date__lt=today),
        ),
    )
    if f.overdue is not None:
        items = (
            items.filter(overdue_problem_count__gt=0)
            if f.overdue
            else items.filter(overdue_problem_count=0)
        )
    return items


def coordination_list(
    *, user: User, filters: ProblemFilters | None = None
) -> QuerySet[Coordination]:
    """协调清单: opinions on problems in scope, with their problem and state."""
    f = filters or ProblemFilters()
    problems = filter_problems(
        scoped_problems(user),
        ProblemFilters(level=f.level, category=f.category, leader=None, q=f.q),
    )
    qs = Coordination.objects.filter(problem__in=problems.values("pk"))
    if f.year:
        qs = qs.filter(created_at__year=f.year)
    if f.month:
        qs = qs.filter(created_at__month=f.month)
    if f.unit:
        qs = qs.filter(units__pk=f.unit)
    if f.leader:
        qs = qs.filter(leader_id=f.leader)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.overdue is not None:
        late = Q(deadline__lt=clock.today()) & ~Q(state=Coordination.State.COMPLETED)
        qs = qs.filter(late) if f.overdue else qs.exclude(late)
    return (
        qs.distinct()
        .select_related("problem", "problem__lead_unit", "leader", "created_by", "meeting")
        .prefetch_related("units")
        .order_by("-created_at", "-pk")
    )


def feedback_list(*, user: User, filters: ProblemFilters | None = None) -> QuerySet[Feedback]:
    """反馈清单: feedback on problems and opinions in scope, with its target and review."""
    f = filters or ProblemFilters()
    problems = filter_problems(
        scoped_problems(user), ProblemFilters(level=f.level, category=f.category, q=f.q)
    ).values("pk")
    qs = Feedback.objects.filter(Q(problem__in=problems) | Q(coordination__problem__in=problems))
    if f.year:
        qs = qs.filter(created_at__year=f.year)
    if f.month:
        qs = qs.filter(created_at__month=f.month)
    if f.unit:
        qs = qs.filter(unit_id=f.unit)
    if f.leader:
        in_area = Problem.objects.filter(leader_q(f.leader)).values("pk")
        qs = qs.filter(Q(problem__in=in_area) | Q(coordination__problem__in=in_area))
    if f.state:
        qs = qs.filter(state=f.state)
    return qs.select_related(
        "unit", "author", "problem", "coordination", "coordination__problem", "reviewed_by"
    ).order_by("-created_at", "-pk")

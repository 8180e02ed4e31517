"""Reads of the five lists (任务清单、问题清单、协调清单、反馈清单、销号清单) and their figures,
always scoped to the user through `scope_for(user)`.

The five lists are five views of one flow: the year's work items with their open problems,
the open problems, the coordination opinions, the feedback, and the problems closed in a month.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from duban.core.money import ratio_pct
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import WorkItemFilters, work_item_list
from duban.liaison.models import Visit
from duban.org.models import Enterprise, Responsibility, Unit, User
from duban.org.scoping import scope_for
from duban.problems.models import (
    DISCARDED_STATES,
    OPEN_STATES,
    AgendaItem,
    Coordination,
    CoUnitResponse,
    ExtensionRequest,
    Feedback,
    Meeting,
    Problem,
    ProblemEvent,
)

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


def _leader_q(leader_id: int) -> Q:
    """Problems in a leader's area: what the leader's own scope would show."""
    leader = User.objects.filter(pk=leader_id).first()
    return scope_for(leader).problems_q() if leader is not None else Q(pk__in=[])


def _unit_q(unit_id: int, prefix: str = "") -> Q:
    co = Problem.co_units.through.objects.filter(unit_id=unit_id).values("problem_id")
    return Q(**{f"{prefix}lead_unit_id": unit_id}) | Q(**{f"{prefix}pk__in": co})


def _filter_problems(qs: QuerySet[Problem], f: ProblemFilters) -> QuerySet[Problem]:
    if f.year:
        qs = qs.filter(reported_on__year=f.year)
    if f.month:
        qs = qs.filter(reported_on__month=f.month)
    if f.unit:
        qs = qs.filter(_unit_q(f.unit))
    if f.leader:
        qs = qs.filter(_leader_q(f.leader))
    if f.level:
        qs = qs.filter(level=f.level)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.overdue is not None:
        overdue = Q(state__in=OPEN_STATES, due_date__lt=timezone.localdate())
        qs = qs.filter(overdue) if f.overdue else qs.exclude(overdue)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(description__icontains=f.q))
    return qs


def _scoped_problems(user: User) -> QuerySet[Problem]:
    return Problem.objects.filter(scope_for(user).problems_q())


def problem_list(*, user: User, filters: ProblemFilters | None = None) -> QuerySet[Problem]:
    """Every problem the user may see (any state), filtered."""
    qs = _filter_problems(_scoped_problems(user), filters or ProblemFilters())
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
    today = timezone.localdate()
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
    problems = _filter_problems(
        _scoped_problems(user),
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
        late = Q(deadline__lt=timezone.localdate()) & ~Q(state=Coordination.State.COMPLETED)
        qs = qs.filter(late) if f.overdue else qs.exclude(late)
    return (
        qs.distinct()
        .select_related("problem", "problem__lead_unit", "leader", "meeting")
        .prefetch_related("units")
        .order_by("-created_at", "-pk")
    )


def feedback_list(*, user: User, filters: ProblemFilters | None = None) -> QuerySet[Feedback]:
    """反馈清单: feedback on problems and opinions in scope, with its target and review."""
    f = filters or ProblemFilters()
    problems = _filter_problems(
        _scoped_problems(user), ProblemFilters(level=f.level, category=f.category, q=f.q)
    ).values("pk")
    qs = Feedback.objects.filter(Q(problem__in=problems) | Q(coordination__problem__in=problems))
    if f.year:
        qs = qs.filter(created_at__year=f.year)
    if f.month:
        qs = qs.filter(created_at__month=f.month)
    if f.unit:
        qs = qs.filter(unit_id=f.unit)
    if f.leader:
        in_area = Problem.objects.filter(_leader_q(f.leader)).values("pk")
        qs = qs.filter(Q(problem__in=in_area) | Q(coordination__problem__in=in_area))
    if f.state:
        qs = qs.filter(state=f.state)
    return qs.select_related(
        "unit", "author", "problem", "coordination", "coordination__problem", "reviewed_by"
    ).order_by("-created_at", "-pk")


@dataclass(frozen=True)
class ProblemFigures:
    """Figures over the problems of a year up to a month (rejected and merged ones excluded).

    total: reported in the year up to the month's end; new: reported in the month; closed:
    closed (销号) in the month; closed_to_date: of the total, closed by the month's end;
    completion_pct (办结率) = closed_to_date / total × 100, unrounded; open and overdue: as of
    today, overdue meaning open past the due date.
    """

    period: Period
    total: int
    new: int
    closed: int
    closed_to_date: int
    open: int
    overdue: int

    @property
    def completion_pct(self) -> Decimal | None:
        return ratio_pct(Decimal(self.closed_to_date), Decimal(self.total))


def problem_figures(
    *, user: User, period: Period, filters: ProblemFilters | None = None
) -> ProblemFigures:
    """The figures on top of every list, for the user's scope and the filters (not year/month)."""
    f = filters or ProblemFilters()
    rest = ProblemFilters(**{**f.__dict__, "year": None, "month": None, "state": None})
    base = _filter_problems(_scoped_problems(user), rest).exclude(state__in=DISCARDED_STATES)
    year_qs = base.filter(reported_on__year=period.year, reported_on__lte=period.last_day)
    closed_by_end = Q(state=S.CLOSED) & (
        Q(close_year__lt=period.year) | Q(close_year=period.year, close_month__lte=period.month)
    )
    today = timezone.localdate()
    counts = year_qs.aggregate(
        total=Count("pk"),
        new=Count("pk", filter=Q(reported_on__month=period.month)),
        closed_to_date=Count("pk", filter=closed_by_end),
    )
    return ProblemFigures(
        period=period,
        total=counts["total"],
        new=counts["new"],
        closed=base.filter(
            close_year=period.year, close_month=period.month, state=S.CLOSED
        ).count(),
        closed_to_date=counts["closed_to_date"],
        open=base.filter(state__in=OPEN_STATES).count(),
        overdue=base.filter(state__in=OPEN_STATES, due_date__lt=today).count(),
    )


@dataclass(frozen=True)
class LeaderLiaison:
    """A leader's 包联 figures: enterprises, projects and institutions, demands and visits."""

    leader: User
    enterprises: int
    projects: int
    institutions: int
    demands: int
    resolved: int
    visits: int

    @property
    def completion_pct(self) -> Decimal | None:
        return ratio_pct(Decimal(self.resolved), Decimal(self.demands))


def liaison_figures(*, user: User, year: int | None = None) -> list[LeaderLiaison]:
    """Per leader with active 包联: what they liaise with, demands received and resolved (办结率)
    and visits. The office sees every leader, a leader their own row, others none."""
    today = timezone.localdate()
    active = Responsibility.objects.filter(relation=Responsibility.Relation.LIAISON).filter(
        Q(start_date__isnull=True) | Q(start_date__lte=today),
        Q(end_date__isnull=True) | Q(end_date__gte=today),
    )
    if user.is_office:
        leaders = User.objects.filter(pk__in=active.values("leader_id"))
    elif user.role == User.Role.LEADER:
        leaders = User.objects.filter(pk=user.pk, pk__in=active.values("leader_id"))
    else:
        return []
    rows = []
    for leader in leaders.order_by("username"):
        mine = active.filter(leader=leader)
        enterprise_ids = list(mine.exclude(enterprise=None).values_list("enterprise_id", flat=True))
        item_ids = list(mine.exclude(work_item=None).values_list("work_item_id", flat=True))
        demands = Problem.objects.filter(source=Problem.Source.DEMAND).exclude(
            state__in=DISCARDED_STATES
        )
        demands = demands.filter(Q(enterprise_id__in=enterprise_ids) | Q(work_item_id__in=item_ids))
        visits = Visit.objects.filter(visitor=leader)
        if year:
            demands = demands.filter(reported_on__year=year)
            visits = visits.filter(date__year=year)
        rows.append(
            LeaderLiaison(
                leader=leader,
                enterprises=len(set(enterprise_ids)),
                projects=len(set(item_ids)),
                institutions=mine.exclude(unit=None).count(),
                demands=demands.count(),
                resolved=demands.filter(state=S.CLOSED).count(),
                visits=visits.count(),
            )
        )
    return rows


@dataclass(frozen=True)
class DemandFigures:
    """Enterprise demands (企业诉求) of a year in scope: received, resolved (销号), answered in
    time (assigned before the 7-day / 2-hour deadline), late (answered after it, or still
    unanswered past it), and the enterprises' satisfaction."""

    received: int
    resolved: int
    answered_in_time: int
    answered_late: int
    satisfied: int
    basic: int
    unsatisfied: int

    @property
    def completion_pct(self) -> Decimal | None:
        return ratio_pct(Decimal(self.resolved), Decimal(self.received))

    @property
    def satisfaction_pct(self) -> Decimal | None:
        """满意率: 满意 and 基本满意 among the rated demands."""
        rated = self.satisfied + self.basic + self.unsatisfied
        return ratio_pct(Decimal(self.satisfied + self.basic), Decimal(rated))


def demand_figures(*, user: User, year: int) -> DemandFigures:
    demands = (
        _scoped_problems(user)
        .filter(source=Problem.Source.DEMAND, reported_on__year=year)
        .exclude(state__in=DISCARDED_STATES)
    )
    sat = Problem.Satisfaction
    counts = demands.aggregate(
        received=Count("pk"),
        resolved=Count("pk", filter=Q(state=S.CLOSED)),
        in_time=Count("pk", filter=Q(answered_at__isnull=False, answered_at__lte=F("plan_due_at"))),
        late=Count(
            "pk",
            filter=Q(answered_at__gt=F("plan_due_at"))
            | Q(answered_at__isnull=True, plan_due_at__lt=timezone.now()),
        ),
        satisfied=Count("pk", filter=Q(satisfaction=sat.SATISFIED)),
        basic=Count("pk", filter=Q(satisfaction=sat.BASIC)),
        unsatisfied=Count("pk", filter=Q(satisfaction=sat.UNSATISFIED)),
    )
    return DemandFigures(
        received=counts["received"],
        resolved=counts["resolved"],
        answered_in_time=counts["in_time"],
        answered_late=counts["late"],
        satisfied=counts["satisfied"],
        basic=counts["basic"],
        unsatisfied=counts["unsatisfied"],
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


@dataclass
class ProblemInbox:
    """What waits on a user in the problem loop (我的待办)."""

    to_triage: list[Problem]
    to_act: list[Problem]
    to_answer: list[Problem]
    to_verify: list[Problem]
    to_close: list[Problem]
    extensions: list[ExtensionRequest]
    opinions: list[Coordination]
    feedback: list[Feedback]

    @property
    def total(self) -> int:
        return sum(
            len(v)
            for v in (
                self.to_triage,
                self.to_act,
                self.to_answer,
                self.to_verify,
                self.to_close,
                self.extensions,
                self.opinions,
                self.feedback,
            )
        )


def problem_inbox(*, user: User) -> ProblemInbox:
    """Problems to accept and assign, act on, answer, verify and close; extensions to approve;
    opinions to act on; feedback to review."""
    visible = problem_list(user=user)
    office = user.is_office
    unit_id = user.unit_id if user.role in (User.Role.REPORTER, User.Role.UNIT_HEAD) else None
    unit_member = unit_id is not None
    uid = unit_id or 0  # only used when unit_member
    empty: list = []
    to_answer = (
        list(
            visible.filter(
                Exists(
                    CoUnitResponse.objects.filter(
                        problem=OuterRef("pk"), unit_id=uid, answered_at__isnull=True
                    )
                ),
                state__in=[S.ASSIGNED, S.FEEDBACK_SUBMITTED],
            )
        )
        if unit_member
        else empty
    )
    extensions = ExtensionRequest.objects.select_related("problem")
    if office:
        pending_ext = list(extensions.filter(state=ExtensionRequest.State.PENDING_OFFICE))
    elif user.role == User.Role.UNIT_HEAD:
        pending_ext = list(
            extensions.filter(state=ExtensionRequest.State.PENDING_HEAD, problem__lead_unit_id=uid)
        )
    else:
        pending_ext = []
    opinions = (
        list(
            coordination_list(user=user)
            .filter(units__pk=uid)
            .exclude(state=Coordination.State.COMPLETED)
            .exclude(feedback__unit_id=uid, feedback__state=Feedback.State.SUBMITTED)
        )
        if unit_member
        else []
    )
    return ProblemInbox(
        to_triage=list(visible.filter(state__in=[S.REPORTED, S.ACCEPTED])) if office else [],
        to_act=(list(visible.filter(state=S.ASSIGNED, lead_unit_id=uid)) if unit_member else []),
        to_answer=to_answer,
        to_verify=list(visible.filter(state=S.FEEDBACK_SUBMITTED)) if office else [],
        to_close=list(visible.filter(state=S.VERIFIED)) if office else [],
        extensions=pending_ext,
        opinions=opinions,
        feedback=(
            list(
                feedback_list(user=user).filter(
                    state=Feedback.State.SUBMITTED, coordination__isnull=False
                )
            )
            if office
            else []
        ),
    )

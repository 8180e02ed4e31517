"""The figures on top of the lists: problems, leaders' liaison, enterprise demands."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q

from duban.core import clock
from duban.core.money import ratio_pct
from duban.core.periods import Period
from duban.org.models import User
from duban.problems.models import (
    DISCARDED_STATES,
    OPEN_STATES,
    Problem,
)
from duban.problems.selectors.lists import (
    ProblemFilters,
    filter_problems,
    scoped_problems,
)

S = Problem.State


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
    base = filter_problems(scoped_problems(user), rest).exclude(state__in=DISCARDED_STATES)
    year_qs = base.filter(reported_on__year=period.year, reported_on__lte=period.last_day)
    closed_by_end = Q(state=S.CLOSED) & (
        Q(close_year__lt=period.year) | Q(close_year=period.year, close_month__lte=period.month)
    )
    today = clock.today()
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
        scoped_problems(user)
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
            | Q(answered_at__isnull=True, plan_due_at__lt=clock.now()),
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

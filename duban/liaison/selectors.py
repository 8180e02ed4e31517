"""Reads of leaders' liaison (包联) and visits, scoped to the user. Liaison sits above problems:
it reads problems (enterprise demands), never the other way round."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from duban.core import clock
from duban.core.money import ratio_pct
from duban.ledger.scoping import work_items_in
from duban.liaison.models import Visit
from duban.org.models import Enterprise, Responsibility, User
from duban.org.scoping import scope_for
from duban.problems.models import DISCARDED_STATES, Problem

S = Problem.State


def visit_list(*, user: User) -> QuerySet[Visit]:
    """Visits the user made, or to items and enterprises in their scope."""
    scope = scope_for(user)
    qs = Visit.objects.select_related("visitor", "work_item", "enterprise")
    if scope.everything:
        return qs
    return qs.filter(
        Q(visitor_id=user.pk)
        | Q(work_item__in=work_items_in(scope).values("pk"))
        | Q(enterprise__in=Enterprise.objects.filter(scope.enterprises_q()).values("pk"))
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
    today = clock.today()
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

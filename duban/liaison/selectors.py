"""Reads of leaders' liaison (包联) and visits, scoped to the user. Liaison sits above problems:
it reads problems (enterprise demands), never the other way round."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Max, Q, QuerySet

from duban.core import clock
from duban.core.money import ratio_pct
from duban.ledger.models import WorkItem
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


# 项目管家: at least one visit a week to each project served (DOMAIN §4).
STEWARD_VISIT_DAYS = 7


@dataclass(frozen=True)
class StewardItem:
    """A project the steward serves, with its latest visit (by anyone) and whether one is due."""

    item: WorkItem
    last_visit: date | None
    due: bool


def steward_items(*, user: User, year: int) -> list[StewardItem]:
    """The steward's active items of `year`, the longest unvisited first; one query."""
    items = (
        WorkItem.objects.filter(steward=user, year=year, status=WorkItem.Status.ACTIVE)
        .select_related("lead_unit")
        .prefetch_related(None)
        .annotate(last_visit=Max("visits__date"))
        .order_by(F("last_visit").asc(nulls_first=True), "pk")
    )
    today = clock.today()
    return [
        StewardItem(
            item=i,
            last_visit=i.last_visit,
            due=i.last_visit is None or (today - i.last_visit).days >= STEWARD_VISIT_DAYS,
        )
        for i in items
    ]


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
    leaders_in_order = list(leaders.order_by("username"))
    if not leaders_in_order:
        return []
    # What each leader liaises with: one read of their active 包联.
    enterprises: dict[int, set[int]] = defaultdict(set)
    items: dict[int, set[int]] = defaultdict(set)
    institutions: dict[int, int] = defaultdict(int)
    for leader_id, enterprise_id, item_id, unit_id in active.filter(
        leader_id__in=[u.pk for u in leaders_in_order]
    ).values_list("leader_id", "enterprise_id", "work_item_id", "unit_id"):
        if enterprise_id:
            enterprises[leader_id].add(enterprise_id)
        if item_id:
            items[leader_id].add(item_id)
        if unit_id:
            institutions[leader_id] += 1
    # The demands of those enterprises and items (one read), each counted once per leader
    # whether it reaches them through its enterprise, its item or both.
    all_enterprises = set().union(*enterprises.values())
    all_items = set().union(*items.values())
    demands = Problem.objects.filter(source=Problem.Source.DEMAND).exclude(
        state__in=DISCARDED_STATES
    )
    demands = demands.filter(Q(enterprise_id__in=all_enterprises) | Q(work_item_id__in=all_items))
    visits = Visit.objects.filter(visitor__in=leaders_in_order)
    if year:
        demands = demands.filter(reported_on__year=year)
        visits = visits.filter(date__year=year)
    by_enterprise: dict[int, set[int]] = defaultdict(set)
    by_item: dict[int, set[int]] = defaultdict(set)
    closed: set[int] = set()
    for pk, enterprise_id, item_id, state in demands.values_list(
        "pk", "enterprise_id", "work_item_id", "state"
    ):
        if enterprise_id:
            by_enterprise[enterprise_id].add(pk)
        if item_id:
            by_item[item_id].add(pk)
        if state == S.CLOSED:
            closed.add(pk)
    visited = dict(
        visits.order_by()
        .values_list("visitor_id")
        .annotate(n=Count("pk"))
        .values_list("visitor_id", "n")
    )
    rows = []
    for leader in leaders_in_order:
        reached = set().union(
            *(by_enterprise[e] for e in enterprises[leader.pk]),
            *(by_item[i] for i in items[leader.pk]),
        )
        rows.append(
            LeaderLiaison(
                leader=leader,
                enterprises=len(enterprises[leader.pk]),
                projects=len(items[leader.pk]),
                institutions=institutions[leader.pk],
                demands=len(reached),
                resolved=len(reached & closed),
                visits=visited.get(leader.pk, 0),
            )
        )
    return rows

"""The one place that decides what a user may see.

Every selector in duban filters through `scope_for(user)`. Units are seen by their own members
(with the units below them) and by leaders and viewers who hold a responsibility for them;
work items by their lead unit and co-units, their lead leader, their steward, and whoever holds
a responsibility for the item or its units; everything else (reports, indicators, milestones,
problems…) is seen exactly when its work item is. The office sees everything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db.models import Q, QuerySet

from duban.core import clock
from duban.org.models import Responsibility, Unit, User


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    everything: bool
    unit_ids: frozenset[int]
    item_ids: frozenset[int]
    enterprise_ids: frozenset[int]

    def work_items_q(self) -> Q:
        """A filter on WorkItem selecting the items in scope."""
        if self.everything:
            return Q()
        if self.user_id is None:
            return Q(pk__in=[])
        work_item = apps.get_model("ledger", "WorkItem")
        co_unit_items = work_item.co_units.through.objects.filter(unit_id__in=self.unit_ids).values(
            "workitem_id"
        )
        return (
            Q(lead_unit_id__in=self.unit_ids)
            | Q(pk__in=co_unit_items)
            | Q(pk__in=self.item_ids)
            | Q(lead_leader_id=self.user_id)
            | Q(steward_id=self.user_id)
        )

    def work_items(self) -> QuerySet:
        work_item = apps.get_model("ledger", "WorkItem")
        return work_item.objects.filter(self.work_items_q())

    def related_q(self, path: str = "work_item") -> Q:
        """A filter on any model hanging off a work item through `path`."""
        if self.everything:
            return Q()
        return Q(**{f"{path}__in": self.work_items().values("pk")})

    def units_q(self) -> Q:
        if self.everything:
            return Q()
        return Q(pk__in=self.unit_ids) | Q(pk__in=self.work_items().values("lead_unit_id"))

    def problems_q(self) -> Q:
        """A filter on Problem: led or co-operated by a unit in scope, reported by the user or
        their units, or hanging off an item or enterprise in scope."""
        if self.everything:
            return Q()
        if self.user_id is None:
            return Q(pk__in=[])
        problem = apps.get_model("problems", "Problem")
        co_unit_problems = problem.co_units.through.objects.filter(
            unit_id__in=self.unit_ids
        ).values("problem_id")
        return (
            Q(lead_unit_id__in=self.unit_ids)
            | Q(pk__in=co_unit_problems)
            | Q(reporting_unit_id__in=self.unit_ids)
            | Q(reported_by_id=self.user_id)
            | Q(work_item__in=self.work_items().values("pk"))
            | Q(enterprise_id__in=self.enterprise_ids)
        )

    def enterprises_q(self) -> Q:
        if self.everything:
            return Q()
        return Q(pk__in=self.enterprise_ids) | Q(
            pk__in=self.work_items()
            .filter(project__owner__isnull=False)
            .values("project__owner_id")
        )


NOTHING = Scope(None, False, frozenset(), frozenset(), frozenset())


def unit_with_descendants(unit_ids: Iterable[int]) -> frozenset[int]:
    """The given units and every unit below them in the tree."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, parent_id in Unit.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    seen: set[int] = set()
    stack = list(unit_ids)
    while stack:
        pk = stack.pop()
        if pk in seen:
            continue
        seen.add(pk)
        stack.extend(children.get(pk, ()))
    return frozenset(seen)


def scope_for(user: User | object) -> Scope:
    """The scope of `user`, computed once per user object (one request)."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return NOTHING
    cached = getattr(user, "_duban_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._duban_scope = scope  # type: ignore[attr-defined]
    return scope


def _compute_scope(user: User) -> Scope:
    if user.is_office:
        return Scope(user.pk, True, frozenset(), frozenset(), frozenset())
    today = clock.today()
    direct_units: set[int] = set()
    item_ids: set[int] = set()
    enterprise_ids: set[int] = set()
    role = user.role
    if role in (User.Role.UNIT_HEAD, User.Role.REPORTER, User.Role.VIEWER) and user.unit_id:
        direct_units.add(user.unit_id)
    if role in (User.Role.LEADER, User.Role.VIEWER, User.Role.STEWARD):
        active = Responsibility.objects.filter(leader=user).filter(
            Q(start_date__isnull=True) | Q(start_date__lte=today),
            Q(end_date__isnull=True) | Q(end_date__gte=today),
        )
        for unit_id, item_id, enterprise_id in active.values_list(
            "unit_id", "work_item_id", "enterprise_id"
        ):
            if unit_id:
                direct_units.add(unit_id)
            if item_id:
                item_ids.add(item_id)
            if enterprise_id:
                enterprise_ids.add(enterprise_id)
    return Scope(
        user.pk,
        False,
        unit_with_descendants(direct_units),
        frozenset(item_ids),
        frozenset(enterprise_ids),
    )


def forget_scope(user: User) -> None:
    """Drop the cached scope after the user's responsibilities change."""
    if hasattr(user, "_duban_scope"):
        del user._duban_scope

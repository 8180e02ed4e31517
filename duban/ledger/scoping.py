"""What a user's scope reaches in the ledger: work items, and everything that hangs off one.

Work items are seen by their lead unit and co-units, their lead leader, their steward, and
whoever holds a responsibility for the item or its units; reports, indicators, milestones…
are seen exactly when their work item is. The office sees everything.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from duban.ledger.models import WorkItem
from duban.org.scoping import Scope, register_enterprise_reach, register_unit_reach


def work_items_q(scope: Scope) -> Q:
    """A filter on WorkItem selecting the items in scope."""
    if scope.everything:
        return Q()
    if scope.user_id is None:
        return Q(pk__in=[])
    co_unit_items = WorkItem.co_units.through.objects.filter(unit_id__in=scope.unit_ids).values(
        "workitem_id"
    )
    return (
        Q(lead_unit_id__in=scope.unit_ids)
        | Q(pk__in=co_unit_items)
        | Q(pk__in=scope.item_ids)
        | Q(lead_leader_id=scope.user_id)
        | Q(steward_id=scope.user_id)
    )


def work_items_in(scope: Scope) -> QuerySet[WorkItem]:
    return WorkItem.objects.filter(work_items_q(scope))


def related_q(scope: Scope, path: str = "work_item") -> Q:
    """A filter on any model hanging off a work item through `path`."""
    if scope.everything:
        return Q()
    return Q(**{f"{path}__in": work_items_in(scope).values("pk")})


def _lead_units(scope: Scope) -> Q:
    return Q(pk__in=work_items_in(scope).values("lead_unit_id"))


def _project_owners(scope: Scope) -> Q:
    return Q(
        pk__in=work_items_in(scope).filter(project__owner__isnull=False).values("project__owner_id")
    )


def register() -> None:
    """Called by the ledger's AppConfig: a scope reaches the units and owners of its items."""
    register_unit_reach(_lead_units)
    register_enterprise_reach(_project_owners)

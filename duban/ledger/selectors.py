"""Reads of the ledger, always through the user's scope (org.scoping)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from duban.ledger.models import Indicator, Milestone, Project, WorkItem
from duban.org.models import Enterprise, Unit, User
from duban.org.scoping import scope_for


@dataclass
class WorkItemFilters:
    year: int | None = None
    unit: int | None = None
    level: str | None = None
    kind: str | None = None
    category: str | None = None
    stage: str | None = None
    status: str | None = None
    leader: int | None = None
    q: str | None = None


def unit_list(*, user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(scope_for(user).units_q()).select_related("parent")


def unit_get_for_user(*, user: User, unit_id: int) -> Unit:
    return get_object_or_404(unit_list(user=user), pk=unit_id)


def enterprise_list(*, user: User) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(scope_for(user).enterprises_q())


def project_list(*, user: User) -> QuerySet[Project]:
    scope = scope_for(user)
    qs = Project.objects.select_related("owner")
    if scope.everything:
        return qs
    return qs.filter(pk__in=scope.work_items().values("project_id"))


def work_item_list(*, user: User, filters: WorkItemFilters | None = None) -> QuerySet[WorkItem]:
    """The items the user may see, filtered; related rows fetched in a fixed number of queries."""
    qs = (
        WorkItem.objects.filter(scope_for(user).work_items_q())
        .select_related("lead_unit", "project", "project__owner", "lead_leader", "steward")
        .prefetch_related(Prefetch("co_units", queryset=Unit.objects.order_by("sort_order")))
    )
    f = filters or WorkItemFilters()
    if f.year:
        qs = qs.filter(year=f.year)
    if f.unit:
        qs = qs.filter(
            Q(lead_unit_id=f.unit)
            | Q(
                pk__in=WorkItem.co_units.through.objects.filter(unit_id=f.unit).values(
                    "workitem_id"
                )
            )
        )
    if f.level:
        qs = qs.filter(level=f.level)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.stage:
        qs = qs.filter(project__stage=f.stage)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.leader:
        qs = qs.filter(lead_leader_id=f.leader)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(project__code__icontains=f.q))
    return qs.order_by("kind", "lead_unit__sort_order", "seq", "pk")


def work_item_get_for_user(*, user: User, item_id: int) -> WorkItem:
    """One item in the user's scope; missing and out-of-scope both answer 404."""
    return get_object_or_404(work_item_list(user=user), pk=item_id)


def indicators_for_item(item: WorkItem) -> QuerySet[Indicator]:
    return item.indicators.all()


def milestones_for_item(item: WorkItem) -> QuerySet[Milestone]:
    return item.milestones.select_related("responsible_unit")

"""Reads for pages and the API: bulletins a user may see, the 口径 a user may ask for, and the
rows behind a figure cut to the user's scope (a unit sees its own rows and is told how many
more the figure covers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from duban.bulletins.catalogue import FigureQuery
from duban.bulletins.models import Bulletin
from duban.ledger.models import FundingSource, Project
from duban.ledger.scoping import related_q, work_items_in
from duban.org.models import Responsibility, User
from duban.org.scoping import scope_for
from duban.problems.models import Problem
from duban.problems.scoping import problems_q


def bulletin_list(*, user: User) -> QuerySet[Bulletin]:
    """The office sees every bulletin; others the published ones."""
    qs = Bulletin.objects.select_related("unit")
    if user.is_office:
        return qs
    return qs.filter(published_at__isnull=False)


def bulletin_get_for_user(*, user: User, bulletin_id: int) -> Bulletin:
    row = bulletin_list(user=user).filter(pk=bulletin_id).first()
    if row is None:
        raise Http404
    return row


def query_for_user(user: User, query: FigureQuery) -> FigureQuery:
    """The 口径 a user may ask for: the office any; a unit's people their unit; a leader or a
    viewer their area. Stewards keep the asked 口径, their rows cut to their scope."""
    if user.is_office:
        return query
    if user.role in (User.Role.UNIT_HEAD, User.Role.REPORTER) and user.unit_id:
        return FigureQuery(query.year, query.month, query.levels, user.unit_id, None)
    if user.role in (User.Role.LEADER, User.Role.VIEWER):
        return FigureQuery(query.year, query.month, query.levels, None, user.pk)
    return query


@dataclass(frozen=True)
class FigureRows:
    row_model: str
    rows: list[dict[str, Any]]
    hidden: int  # rows behind the figure outside the user's scope


def _visible(user: User, row_model: str) -> QuerySet[Any]:
    scope = scope_for(user)
    if row_model == "ledger.workitem":
        return work_items_in(scope)
    if row_model == "ledger.fundingsource":
        return FundingSource.objects.filter(related_q(scope))
    if row_model == "ledger.project":
        if scope.everything:
            return Project.objects.all()
        return Project.objects.filter(work_items__in=work_items_in(scope).values("pk")).distinct()
    if row_model == "problems.problem":
        return Problem.objects.filter(problems_q(scope))
    if row_model == "org.responsibility":
        if scope.everything:
            return Responsibility.objects.all()
        return Responsibility.objects.filter(leader_id=user.pk)
    return Responsibility.objects.none()


def _describe(row_model: str, qs: QuerySet[Any]) -> list[dict[str, Any]]:
    if row_model == "ledger.workitem":
        return [
            {"id": pk, "name": title, "unit": unit or "", "url": reverse("ledger:item", args=[pk])}
            for pk, title, unit in qs.order_by("pk").values_list("pk", "title", "lead_unit__name")
        ]
    if row_model == "ledger.fundingsource":
        return [
            {
                "id": pk,
                "name": title,
                "unit": str(amount),
                "url": reverse("ledger:item", args=[item]),
            }
            for pk, title, amount, item in qs.order_by("pk").values_list(
                "pk", "work_item__title", "amount", "work_item_id"
            )
        ]
    if row_model == "ledger.project":
        return [
            {"id": pk, "name": name, "unit": str(total or ""), "url": ""}
            for pk, name, total in qs.order_by("pk").values_list("pk", "name", "total_investment")
        ]
    if row_model == "problems.problem":
        return [
            {
                "id": pk,
                "name": title,
                "unit": unit or "",
                "url": reverse("problems:problem", args=[pk]),
            }
            for pk, title, unit in qs.order_by("pk").values_list("pk", "title", "lead_unit__name")
        ]
    return [
        {"id": pk, "name": leader, "unit": str(ent or item or unit or ""), "url": ""}
        for pk, leader, ent, item, unit in qs.order_by("pk").values_list(
            "pk", "leader__username", "enterprise__name", "work_item__title", "unit__name"
        )
    ]


def figure_rows(*, user: User, row_model: str, ids: list[int]) -> FigureRows:
    """The rows behind a figure that the user may see, and how many more there are."""
    qs = _visible(user, row_model).filter(pk__in=ids)
    rows = _describe(row_model, qs)
    return FigureRows(row_model, rows, len(set(ids)) - len(rows))


__all__ = [
    "FigureRows",
    "bulletin_get_for_user",
    "bulletin_list",
    "figure_rows",
    "query_for_user",
]

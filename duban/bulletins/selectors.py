"""Reads for pages and the API: bulletins a user may see, the 口径 a user may ask for, and the
rows behind a figure cut to the user's scope (a unit sees its own rows and is told how many
more the figure covers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from duban.bulletins.catalogue import FigureQuery
from duban.bulletins.models import Bulletin
from duban.bulletins.row_models import ROW_MODELS, describe
from duban.org.models import User


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


def figure_rows(*, user: User, row_model: str, ids: list[int]) -> FigureRows:
    """The rows behind a figure that the user may see, and how many more there are."""
    if row_model not in ROW_MODELS:
        return FigureRows(row_model, [], len(set(ids)))
    qs = ROW_MODELS[row_model].visible(user).filter(pk__in=ids)
    rows = describe(row_model, qs)
    return FigureRows(row_model, rows, len(set(ids)) - len(rows))


__all__ = [
    "FigureRows",
    "bulletin_get_for_user",
    "bulletin_list",
    "figure_rows",
    "query_for_user",
]

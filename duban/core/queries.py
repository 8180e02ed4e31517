"""Reading a few rows of a long, ordered list."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def first_rows(qs: QuerySet[M], limit: int) -> list[M]:
    """The first `limit` rows of `qs` in its order, in two queries: the ids (the filter and the
    order on the table alone, often from an index) and then those rows with their joins.

    One query with the joins makes the database join every matching row before it sorts and
    cuts (SQLite does, for a list ordered by a column no index of the filter serves): for the
    office's overdue problems of a province that is tens of thousands of joins for ten rows.
    """
    ids: list[Any] = list(qs.values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    return list(qs.filter(pk__in=ids))

"""Page-number pagination for list endpoints: `{"count", "page", "page_size", "items"}`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db.models import Model, QuerySet
from ninja import Schema
from pydantic import Field

from duban.core.api.params import MAX_PAGE

MAX_PAGE_SIZE = 500

M = TypeVar("M", bound=Model)
Out = TypeVar("Out")


class PageParams(Schema):
    page: int = Field(
        1, ge=1, le=MAX_PAGE, description="1-based page number; past the end gives no items"
    )
    page_size: int | None = Field(
        None,
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Items per page (default DUBAN_API_PAGE_SIZE, at most {MAX_PAGE_SIZE})",
    )

    @property
    def size(self) -> int:
        return self.page_size or int(settings.DUBAN_API_PAGE_SIZE)


@dataclass
class PageSlice(Generic[M]):
    count: int
    page: int
    page_size: int
    rows: list[M]


def paginate(qs: QuerySet[M], params: PageParams) -> PageSlice[M]:
    """Count once, then fetch one page: two queries plus the queryset's prefetches."""
    size = params.size
    count = qs.count()
    offset = (params.page - 1) * size
    rows = list(qs[offset : offset + size]) if offset < count else []
    return PageSlice(count=count, page=params.page, page_size=size, rows=rows)


class ListPage(Schema, Generic[Out]):
    """A page of a list: how many rows there are in all, and this page's."""

    count: int
    page: int
    page_size: int
    items: list[Out]


def page_answer(qs: QuerySet[M], params: PageParams, out: Callable[[M], Out]) -> dict[str, Any]:
    """A list endpoint's answer (`ListPage`), a page at a time: the rows in the queryset's order,
    ties broken by id so that pages neither repeat nor skip a row."""
    ordering = list(qs.query.order_by or qs.model._meta.ordering or [])
    page = paginate(qs.order_by(*ordering, "pk"), params)
    return {
        "count": page.count,
        "page": page.page,
        "page_size": page.page_size,
        "items": [out(row) for row in page.rows],
    }

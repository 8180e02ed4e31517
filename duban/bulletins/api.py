"""API: the figure catalogue over a 口径 (with the rows behind each figure, cut to the user's
scope) and the generated bulletins."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from duban.bulletins.catalogue import FigureQuery, UnknownFigureError, compute_many
from duban.bulletins.models import Bulletin
from duban.bulletins.selectors import (
    bulletin_get_for_user,
    bulletin_list,
    figure_rows,
    query_for_user,
)
from duban.core.api.errors import ERRORS
from duban.core.api.pagination import ListPage, PageParams, page_answer
from duban.core.api.params import Id, Year
from duban.core.errors import ApplicationError
from duban.ledger.models import WorkItem
from duban.org.auth import TokenAuth, request_user
from duban.org.models import User

router = Router(tags=["bulletins"], auth=TokenAuth())
Month = Annotated[int, Field(ge=1, le=12, description="A month, 1–12")]


class FigureOut(Schema):
    key: str
    label: str
    definition: str
    kind: str
    value: str | None = Field(description="Exact value (Decimal as text, or a count); null: 无")
    text: str = Field(description="As the office writes it")
    note: str
    row_model: str
    rows: list[int] = Field(description="Ids of the rows behind the value that you may see")
    rows_hidden: int = Field(description="Rows behind the value outside your scope")


class FiguresPage(Schema):
    year: int
    month: int
    levels: list[str]
    unit_id: int | None
    leader_id: int | None
    figures: list[FigureOut]


class BulletinOut(Schema):
    id: int
    kind: str
    title: str
    year: int
    month: int
    levels: list[str]
    draft: bool
    published: bool


class BulletinDetail(BulletinOut):
    paragraphs: list[str]
    figures: list[FigureOut]


def _figure_out(user: User, data: dict[str, Any]) -> FigureOut:
    ids = [int(i) for i in data["rows"]]
    rows = figure_rows(user=user, row_model=str(data["row_model"]), ids=ids)
    return FigureOut(
        key=str(data["key"]),
        label=str(data["label"]),
        definition=str(data["definition"]),
        kind=str(data["kind"]),
        value=None if data["value"] is None else str(data["value"]),
        text=str(data["text"]),
        note=str(data["note"]),
        row_model=rows.row_model,
        rows=[r["id"] for r in rows.rows],
        rows_hidden=rows.hidden,
    )


@router.get(
    "/figures",
    response={200: FiguresPage, **ERRORS},
    summary="Every figure of the catalogue over a 口径, with its rows (a unit: its own figures)",
)
def figures(
    request: HttpRequest,
    year: Query[Year],
    month: int = Query(12, ge=1, le=12, description="A month, 1–12 (default 12)"),
    levels: Query[list[WorkItem.Level] | None] = None,
    key: Query[list[str] | None] = None,
) -> FiguresPage:
    user = request_user(request)
    q = query_for_user(user, FigureQuery(year, month, tuple(str(lv) for lv in levels or ())))
    try:
        results = compute_many(key or None, q)
    except UnknownFigureError as e:
        # An unknown key is the caller's mistake: 422 with the list of known keys.
        raise ApplicationError(str(e), field="key") from e
    return FiguresPage(
        year=q.year,
        month=q.month,
        levels=list(q.levels),
        unit_id=q.unit_id,
        leader_id=q.leader_id,
        figures=[_figure_out(user, r.as_json()) for r in results.values()],
    )


def _bulletin_out(b: Bulletin) -> dict[str, Any]:
    return {
        "id": b.pk,
        "kind": b.kind,
        "title": b.title,
        "year": b.year,
        "month": b.month,
        "levels": b.levels,
        "draft": b.draft,
        "published": b.published_at is not None,
    }


@router.get(
    "/bulletins",
    response={200: ListPage[BulletinOut], **ERRORS},
    summary="Bulletins, a page at a time",
)
def bulletins(request: HttpRequest, paging: Query[PageParams]) -> Any:
    user = request_user(request)
    return page_answer(bulletin_list(user=user), paging, lambda b: BulletinOut(**_bulletin_out(b)))


@router.get(
    "/bulletins/{bulletin_id}",
    response={200: BulletinDetail, **ERRORS},
    summary="A bulletin as generated: its paragraphs and figures with their rows",
)
def bulletin(request: HttpRequest, bulletin_id: Id) -> BulletinDetail:
    from duban.bulletins.output import figures_json

    user = request_user(request)
    b = bulletin_get_for_user(user=user, bulletin_id=bulletin_id)
    data = figures_json(b)
    return BulletinDetail(
        **_bulletin_out(b),
        paragraphs=data["paragraphs"],
        figures=[_figure_out(user, f) for f in b.figures.values()],
    )

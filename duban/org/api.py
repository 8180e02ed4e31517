"""API: who am I, and the units in my scope."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from duban.core.api.pagination import PageParams, paginate
from duban.core.api.schemas import ErrorOut, UnitRef
from duban.org.auth import request_user
from duban.org.models import Unit
from duban.org.selectors import unit_list

router = Router(tags=["org"])


class MeOut(Schema):
    id: int
    username: str
    name: str = Field(description="姓名, or the username when none is recorded")
    role: str = Field(description="office, leader, unit_head, reporter, steward or viewer")
    role_label: str
    is_office: bool = Field(description="True when the user sees everything")
    unit: UnitRef | None


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: Unit.Kind
    kind_label: str
    parent_id: int | None
    assessed: bool = Field(description="参加考核")
    is_active: bool


class UnitPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[UnitOut]


def _unit_ref(unit: Unit | None) -> UnitRef | None:
    return None if unit is None else UnitRef(id=unit.pk, code=unit.code, name=unit.name)


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="The token's user")
def me(request: HttpRequest) -> MeOut:
    user = request_user(request)
    return MeOut(
        id=user.pk,
        username=user.username,
        name=user.display_name,
        role=user.role,
        role_label=str(user.get_role_display()),
        is_office=user.is_office,
        unit=_unit_ref(user.unit),
    )


@router.get(
    "/units",
    response={200: UnitPage, 401: ErrorOut, 422: ErrorOut},
    summary="Units in the user's scope",
)
def units(request: HttpRequest, paging: Query[PageParams]) -> UnitPage:
    page = paginate(unit_list(user=request_user(request)).order_by("sort_order", "code"), paging)
    return UnitPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[
            UnitOut(
                id=u.pk,
                code=u.code,
                name=u.name,
                short_name=u.short_name,
                kind=Unit.Kind(u.kind),
                kind_label=str(u.get_kind_display()),
                parent_id=u.parent_id,
                assessed=u.assessed,
                is_active=u.is_active,
            )
            for u in page.rows
        ],
    )

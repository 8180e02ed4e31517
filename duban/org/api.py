"""API: who am I, and the units in my scope."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from duban.core.api.errors import ERRORS, run_service
from duban.core.api.pagination import PageParams, paginate
from duban.core.api.params import MAX_ID
from duban.core.api.schemas import UnitRef, unit_ref_or_none
from duban.core.errors import ApplicationError
from duban.org.auth import request_user
from duban.org.models import Unit, User
from duban.org.selectors import unit_list
from duban.org.services import unit_create

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


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The token's user")
def me(request: HttpRequest) -> MeOut:
    user = request_user(request)
    return MeOut(
        id=user.pk,
        username=user.username,
        name=user.display_name,
        role=user.role,
        role_label=str(user.get_role_display()),
        is_office=user.is_office,
        unit=unit_ref_or_none(user.unit),
    )


@router.get(
    "/units",
    response={200: UnitPage, **ERRORS},
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


def _require_office(request: HttpRequest) -> User:
    user = request_user(request)
    if not user.is_office:
        raise ApplicationError(_("只有推进办可以管理单位、账号和企业。"), code="forbidden")
    return user


class UnitIn(Schema):
    code: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=100)
    kind: Unit.Kind
    short_name: str = Field("", max_length=50)
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)
    assessed: bool = True
    sort_order: int = Field(0, ge=0, le=1_000_000)


class UnitCreatedOut(Schema):
    id: int
    code: str
    name: str
    kind: Unit.Kind
    parent_id: int | None


@router.post("/units", response={201: UnitCreatedOut, **ERRORS}, summary="Create a unit (office)")
def unit_create_api(request: HttpRequest, body: UnitIn) -> Status[UnitCreatedOut]:
    _require_office(request)
    parent = get_object_or_404(Unit, pk=body.parent_id) if body.parent_id else None
    unit = run_service(
        lambda: unit_create(
            code=body.code,
            name=body.name,
            kind=body.kind,
            short_name=body.short_name,
            parent=parent,
            assessed=body.assessed,
            sort_order=body.sort_order,
        )
    )
    return Status(
        201,
        UnitCreatedOut(
            id=unit.pk,
            code=unit.code,
            name=unit.name,
            kind=Unit.Kind(unit.kind),
            parent_id=unit.parent_id,
        ),
    )

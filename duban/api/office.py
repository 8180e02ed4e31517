"""API for the office: units, leaders' responsibilities, user accounts, and enterprises.

The same services as the admin pages and the CLI. No answer ever carries a password: a
password set by the office is given to its user by hand and must be changed at first sign-in.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from duban.core.api.errors import ERRORS, run_service
from duban.core.api.pagination import PageParams, paginate
from duban.core.api.params import MAX_ID, Id
from duban.core.api.schemas import UnitRef, unit_ref_or_none
from duban.core.errors import ApplicationError
from duban.core.formatting import join_clauses
from duban.ledger.models import WorkItem
from duban.org.auth import request_user
from duban.org.models import Enterprise, Responsibility, Unit, User
from duban.org.selectors import enterprise_list
from duban.org.services import (
    api_token_revoke_all,
    enterprise_create,
    responsibility_create,
    user_create,
    user_password_set_by_office,
)

router = Router(tags=["office"])


def _office(request: HttpRequest) -> User:
    user = request_user(request)
    if not user.is_office:
        raise ApplicationError(_("只有推进办可以管理单位、账号和企业。"), code="forbidden")
    return user


class ResponsibilityIn(Schema):
    leader_id: int = Field(ge=1, le=MAX_ID, description="A leader, viewer or steward")
    relation: Responsibility.Relation
    unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    work_item_id: int | None = Field(None, ge=1, le=MAX_ID)
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID)
    start_date: date | None = None
    end_date: date | None = None


class ResponsibilityOut(Schema):
    id: int
    leader_id: int
    relation: Responsibility.Relation
    unit_id: int | None
    work_item_id: int | None
    enterprise_id: int | None
    start_date: date | None
    end_date: date | None


@router.post(
    "/responsibilities",
    response={201: ResponsibilityOut, **ERRORS},
    summary="Give a leader a relation (分管/联系/牵头/包联) to one unit, item or enterprise (office)",
    description="422 unless exactly one of unit, item, enterprise is given, or for reversed dates.",
)
def responsibility_create_api(
    request: HttpRequest, body: ResponsibilityIn
) -> Status[ResponsibilityOut]:
    _office(request)
    leader = get_object_or_404(User, pk=body.leader_id)
    r = run_service(
        lambda: responsibility_create(
            leader=leader,
            relation=body.relation,
            unit=get_object_or_404(Unit, pk=body.unit_id) if body.unit_id else None,
            work_item=(
                get_object_or_404(WorkItem, pk=body.work_item_id) if body.work_item_id else None
            ),
            enterprise=(
                get_object_or_404(Enterprise, pk=body.enterprise_id) if body.enterprise_id else None
            ),
            start_date=body.start_date,
            end_date=body.end_date,
        )
    )
    return Status(
        201,
        ResponsibilityOut(
            id=r.pk,
            leader_id=r.leader_id,
            relation=Responsibility.Relation(r.relation),
            unit_id=r.unit_id,
            work_item_id=r.work_item_id,
            enterprise_id=r.enterprise_id,
            start_date=r.start_date,
            end_date=r.end_date,
        ),
    )


class UserIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    role: User.Role
    unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    full_name: str = Field("", max_length=50)
    title: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    password: str | None = Field(
        None,
        max_length=128,
        description="A first password, to be changed at first sign-in; leave out for none "
        "(the account cannot sign in until one is set). Never returned.",
    )


class UserOut(Schema):
    id: int
    username: str
    name: str
    role: User.Role
    unit: UnitRef | None
    is_active: bool
    must_change_password: bool


def _user_out(u: User) -> UserOut:
    return UserOut(
        id=u.pk,
        username=u.username,
        name=u.display_name,
        role=User.Role(u.role),
        unit=unit_ref_or_none(u.unit),
        is_active=u.is_active,
        must_change_password=u.must_change_password,
    )


@router.post("/users", response={201: UserOut, **ERRORS}, summary="Create an account (office)")
def user_create_api(request: HttpRequest, body: UserIn) -> Status[UserOut]:
    _office(request)
    unit = get_object_or_404(Unit, pk=body.unit_id) if body.unit_id else None
    user = run_service(
        lambda: user_create(
            username=body.username,
            role=body.role,
            unit_code=unit.code if unit else None,
            full_name=body.full_name,
            title=body.title,
            phone=body.phone,
            password=body.password,
            must_change_password=True,
        )
    )
    return Status(201, _user_out(user))


@transaction.atomic
def _deactivate(user: User, by: User) -> User:
    if user.pk == by.pk:
        raise ApplicationError(_("不能停用自己的账号。"))
    User.objects.filter(pk=user.pk).update(is_active=False)
    api_token_revoke_all(user=user)
    user.is_active = False
    return user


@router.post(
    "/users/{user_id}/deactivate",
    response={200: UserOut, **ERRORS},
    summary="Deactivate an account: it can no longer sign in, its API tokens are revoked (office)",
)
def user_deactivate_api(request: HttpRequest, user_id: Path[Id]) -> UserOut:
    by = _office(request)
    user = get_object_or_404(User, pk=user_id)
    return _user_out(run_service(lambda: _deactivate(user, by)))


class PasswordIn(Schema):
    password: str = Field(
        min_length=1, max_length=128, description="The new password, to be changed at sign-in"
    )


@transaction.atomic
def _password_reset(user: User, password: str) -> User:
    try:
        validate_password(password, user)
    except ValidationError as e:
        raise ApplicationError(join_clauses(e.messages), field="password") from e
    user.set_password(password)
    user.save(update_fields=["password"])
    return user_password_set_by_office(user=user)


@router.post(
    "/users/{user_id}/password",
    response={200: UserOut, **ERRORS},
    summary="Reset an account's password (office): the user must change it at next sign-in",
    description="422 for a weak password (the reason says why). The password is never returned.",
)
def user_password_api(request: HttpRequest, user_id: Path[Id], body: PasswordIn) -> UserOut:
    _office(request)
    user = get_object_or_404(User, pk=user_id)
    return _user_out(run_service(lambda: _password_reset(user, body.password)))


class EnterpriseIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field("", max_length=18, description="统一社会信用代码 (checked)")
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=30)


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    contact_name: str
    contact_phone: str


class EnterprisePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[EnterpriseOut]


def _enterprise_out(e: Enterprise) -> EnterpriseOut:
    return EnterpriseOut(
        id=e.pk,
        name=e.name,
        credit_code=e.credit_code,
        contact_name=e.contact_name,
        contact_phone=e.contact_phone,
    )


@router.get(
    "/enterprises", response={200: EnterprisePage, **ERRORS}, summary="Enterprises in scope"
)
def enterprises(request: HttpRequest, paging: Query[PageParams]) -> EnterprisePage:
    page = paginate(enterprise_list(user=request_user(request)).order_by("name", "pk"), paging)
    return EnterprisePage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[_enterprise_out(e) for e in page.rows],
    )


@router.post(
    "/enterprises",
    response={201: EnterpriseOut, **ERRORS},
    summary="Register an enterprise (office); 422 for a taken name or a bad credit code",
)
def enterprise_create_api(request: HttpRequest, body: EnterpriseIn) -> Status[EnterpriseOut]:
    _office(request)
    e = run_service(lambda: enterprise_create(**body.model_dump()))
    return Status(201, _enterprise_out(e))

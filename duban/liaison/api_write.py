"""API: visits — record one, list them, turn a finding into a problem (the page's services)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from duban.core.api.errors import ERRORS, run_service
from duban.core.api.pagination import PageParams, paginate
from duban.core.api.params import MAX_ID, Id
from duban.core.api.schemas import UserRef, user_ref
from duban.ledger.selectors import work_item_list
from duban.liaison.downloads import photo_response
from duban.liaison.models import VisitPhoto
from duban.liaison.selectors import visit_list
from duban.liaison.services import visit_log, visit_photo_add, visit_raise_problem
from duban.org.auth import request_user
from duban.org.models import User
from duban.org.selectors import enterprise_list
from duban.problems.api.problems import ProblemOut, _problem
from duban.problems.models import Problem

router = Router(tags=["liaison"])


class VisitIn(Schema):
    date: date
    work_item_id: int | None = Field(None, ge=1, le=MAX_ID)
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID)
    findings: str = Field("", max_length=5000, description="走访发现")
    visitor_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The office records a visit for a leader or steward"
    )


class PhotoOut(Schema):
    id: int
    content_type: str
    file: str = Field(description="Path of the photo (same token)")


def _photo(p: VisitPhoto) -> PhotoOut:
    return PhotoOut(
        id=p.pk, content_type=p.content_type, file=f"/api/v1/visits/{p.visit_id}/photos/{p.pk}"
    )


class VisitOut(Schema):
    id: int
    date: date
    visitor: UserRef
    work_item_id: int | None
    work_item_title: str | None
    enterprise_id: int | None
    enterprise_name: str | None
    findings: str
    photos: list[PhotoOut]


class VisitPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VisitOut]


class FindingIn(Schema):
    category: Problem.Category
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(max_length=5000)
    request: str = Field("", max_length=5000)
    urgent: bool = False


def _out(v: Any) -> VisitOut:
    return VisitOut(
        id=v.pk,
        date=v.date,
        visitor=user_ref(v.visitor),
        work_item_id=v.work_item_id,
        work_item_title=v.work_item.title if v.work_item else None,
        enterprise_id=v.enterprise_id,
        enterprise_name=v.enterprise.name if v.enterprise else None,
        findings=v.findings,
        photos=[_photo(p) for p in v.photos.all()],
    )


@router.get("/visits", response={200: VisitPage, **ERRORS}, summary="Visits in the user's scope")
def visits(request: HttpRequest, paging: Query[PageParams]) -> VisitPage:
    qs = visit_list(user=request_user(request)).prefetch_related("photos").order_by("-date", "-pk")
    page = paginate(qs, paging)
    return VisitPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[_out(v) for v in page.rows],
    )


@router.post(
    "/visits",
    response={201: VisitOut, **ERRORS},
    summary="Record a visit to an item or enterprise (steward, leader; the office for them)",
    description="403 for other roles; 404 for an item, enterprise or visitor outside the "
    "user's scope; 422 when the item or enterprise is outside the visitor's.",
)
def visit_create(request: HttpRequest, body: VisitIn) -> Status[VisitOut]:
    user = request_user(request)
    data: dict[str, Any] = {"date": body.date, "findings": body.findings}
    if body.work_item_id is not None:
        data["work_item"] = get_object_or_404(work_item_list(user=user), pk=body.work_item_id)
    if body.enterprise_id is not None:
        data["enterprise"] = get_object_or_404(enterprise_list(user=user), pk=body.enterprise_id)
    visitor = None
    if body.visitor_id is not None:
        visitor = get_object_or_404(User.objects.filter(is_active=True), pk=body.visitor_id)
    visit = run_service(lambda: visit_log(by=user, data=data, visitor=visitor))
    visit = visit_list(user=user).get(pk=visit.pk)
    return Status(201, _out(visit))


@router.post(
    "/visits/{visit_id}/problems",
    response={201: ProblemOut, **ERRORS},
    summary="Turn a visit's finding into a reported problem on the same item or enterprise",
    description="403 for anyone but the visitor and the office; 404 outside the user's scope.",
)
def visit_problem(request: HttpRequest, visit_id: Path[Id], body: FindingIn) -> Status[ProblemOut]:
    user = request_user(request)
    visit = get_object_or_404(visit_list(user=user), pk=visit_id)
    problem = run_service(lambda: visit_raise_problem(visit=visit, by=user, data=body.model_dump()))
    return Status(201, _problem(problem))


@router.post(
    "/visits/{visit_id}/photos",
    response={201: PhotoOut, **ERRORS},
    summary="Add a photo to a visit (multipart form, field `file`; optional, never required)",
    description="JPEG, PNG or WebP judged by the content, at most DUBAN_VISIT_PHOTO_MAX_MB and "
    "six a visit. 403 for anyone but the visitor and the office; 404 outside the user's "
    "scope; 422 a refused type, size or count (the message says why; nothing is kept).",
)
def visit_photo_upload(
    request: HttpRequest, visit_id: Path[Id], file: File[UploadedFile]
) -> Status[PhotoOut]:
    user = request_user(request)
    visit = get_object_or_404(visit_list(user=user), pk=visit_id)
    photo = run_service(lambda: visit_photo_add(visit=visit, by=user, file=file))
    return Status(201, _photo(photo))


@router.get(
    "/visits/{visit_id}/photos/{photo_id}",
    response={200: None, **ERRORS},
    summary="One photo of a visit (the type judged at upload, never sniffed)",
)
def visit_photo_file(request: HttpRequest, visit_id: Path[Id], photo_id: Path[Id]) -> FileResponse:
    visits = visit_list(user=request_user(request)).filter(pk=visit_id)
    photo = get_object_or_404(VisitPhoto.objects.filter(visit__in=visits.values("pk")), pk=photo_id)
    return photo_response(photo)

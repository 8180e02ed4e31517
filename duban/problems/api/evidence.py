"""Evidence (佐证材料) of a problem through the API: list, upload, download — the page's
service and scope (the file's type is judged by its content; it is always sent back as a
download, never rendered)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Path, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from duban.core.api.params import Id
from duban.core.api.schemas import UserRef, user_ref
from duban.org.auth import request_user
from duban.problems import services as svc
from duban.problems.api.base import ERRORS, router, run_service
from duban.problems.downloads import evidence_response
from duban.problems.models import Evidence
from duban.problems.selectors import problem_get_for_user, problem_list

# The shown name (default: the file's own).
EvidenceName = Annotated[str, Field(max_length=200, description="Shown name (default: the file's)")]


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    feedback_id: int | None
    uploaded_by: UserRef | None
    uploaded_at: datetime
    download: str = Field(description="Path of the file's download (same token)")


def evidence_out(e: Evidence) -> EvidenceOut:
    return EvidenceOut(
        id=e.pk,
        name=e.name,
        content_type=e.content_type,
        feedback_id=e.feedback_id,
        uploaded_by=user_ref(e.uploaded_by),
        uploaded_at=e.created_at,
        download=f"/api/v1/problems/{e.problem_id}/evidence/{e.pk}/file",
    )


@router.get(
    "/problems/{problem_id}/evidence",
    response={200: list[EvidenceOut], **ERRORS},
    summary="A problem's evidence files (photos, PDF, Office documents)",
)
def evidence_index(request: HttpRequest, problem_id: Path[Id]) -> list[EvidenceOut]:
    problem = problem_get_for_user(user=request_user(request), problem_id=problem_id)
    return [evidence_out(e) for e in problem.evidence.select_related("uploaded_by")]


@router.post(
    "/problems/{problem_id}/evidence",
    response={201: EvidenceOut, **ERRORS},
    summary="Attach an evidence file to a problem (multipart form, field `file`)",
    description="The type is judged by the content (JPEG, PNG, WebP, PDF, Office documents), "
    "the size bounded (DUBAN_EVIDENCE_MAX_MB). 403 for a user who may not add evidence; "
    "404 outside the user's scope; 422 a refused type or size, or a rejected or merged "
    "problem (the message says why). Nothing is kept of a refused file.",
)
def evidence_upload(
    request: HttpRequest,
    problem_id: Path[Id],
    file: File[UploadedFile],
    name: Form[EvidenceName | None] = None,
) -> Status[EvidenceOut]:
    user = request_user(request)
    problem = problem_get_for_user(user=user, problem_id=problem_id)
    evidence = run_service(
        lambda: svc.evidence_add(problem=problem, by=user, file=file, name=(name or "").strip())
    )
    return Status(201, evidence_out(evidence))


@router.get(
    "/problems/{problem_id}/evidence/{evidence_id}/file",
    response={200: None, **ERRORS},
    summary="Download one evidence file (as an attachment, with the type judged at upload)",
)
def evidence_file(
    request: HttpRequest, problem_id: Path[Id], evidence_id: Path[Id]
) -> FileResponse:
    problems = problem_list(user=request_user(request)).filter(pk=problem_id)
    evidence = get_object_or_404(
        Evidence.objects.filter(problem__in=problems.values("pk")), pk=evidence_id
    )
    return evidence_response(evidence)

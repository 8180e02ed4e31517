"""The other lists: 任务清单, 协调清单, 反馈清单, and the reviews of feedback and extensions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Schema, Status
from pydantic import Field

from duban.core.api.pagination import PageParams, paginate
from duban.core.api.params import TEXT_MAX, Id
from duban.core.api.schemas import UnitRef, UserRef, unit_ref, unit_ref_or_none, user_ref
from duban.org.auth import request_user
from duban.problems import services as svc
from duban.problems.api.base import ERRORS, ListQuery, router, run_service
from duban.problems.api.problems import ExtensionOut, extension_out
from duban.problems.models import Coordination, ExtensionRequest, Feedback
from duban.problems.selectors import (
    coordination_list,
    feedback_list,
    problem_list,
    task_list,
)


class TaskOut(Schema):
    id: int
    year: int
    title: str
    lead_unit: UnitRef | None
    open_problems: int
    overdue_problems: int


class TaskPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TaskOut]


@router.get(
    "/tasks", response={200: TaskPage, **ERRORS}, summary="任务清单: items with open problems"
)
def tasks(request: HttpRequest, q: Query[ListQuery], paging: Query[PageParams]) -> TaskPage:
    page = paginate(task_list(user=request_user(request), filters=q.filters()), paging)
    return TaskPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[
            TaskOut(
                id=i.pk,
                year=i.year,
                title=i.title,
                lead_unit=unit_ref_or_none(i.lead_unit),
                open_problems=i.open_problem_count,  # type: ignore[attr-defined]
                overdue_problems=i.overdue_problem_count,  # type: ignore[attr-defined]
            )
            for i in page.rows
        ],
    )


class OpinionOut(Schema):
    id: int
    problem_id: int
    leader: UserRef | None
    recorded_by: UserRef | None = Field(description="Who typed the opinion in")
    on_behalf: bool = Field(description="Recorded for the leader by someone else (the office)")
    meeting_id: int | None
    text: str
    units: list[UnitRef]
    deadline: date
    state: Coordination.State


class OpinionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[OpinionOut]


@router.get("/coordination", response={200: OpinionPage, **ERRORS}, summary="协调清单")
def coordination(
    request: HttpRequest, q: Query[ListQuery], paging: Query[PageParams]
) -> OpinionPage:
    page = paginate(coordination_list(user=request_user(request), filters=q.filters()), paging)
    return OpinionPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[
            OpinionOut(
                id=o.pk,
                problem_id=o.problem_id,
                leader=user_ref(o.leader),
                recorded_by=user_ref(o.created_by),
                on_behalf=o.on_behalf,
                meeting_id=o.meeting_id,
                text=o.text,
                units=[unit_ref(u) for u in o.units.all()],
                deadline=o.deadline,
                state=Coordination.State(o.state),
            )
            for o in page.rows
        ],
    )


class OpinionFeedbackIn(Schema):
    text: str = Field(max_length=TEXT_MAX)


class FeedbackOut(Schema):
    id: int
    version: int = Field(description="Send it back to accept or return the feedback")
    unit: UnitRef | None
    problem_id: int | None
    coordination_id: int | None
    text: str
    state: Feedback.State
    return_reason: str
    created_at: datetime


def _feedback(fb: Feedback) -> FeedbackOut:
    return FeedbackOut(
        id=fb.pk,
        version=fb.version,
        unit=unit_ref_or_none(fb.unit),
        problem_id=fb.problem_id,
        coordination_id=fb.coordination_id,
        text=fb.text,
        state=Feedback.State(fb.state),
        return_reason=fb.return_reason,
        created_at=fb.created_at,
    )


@router.post(
    "/coordination/{opinion_id}/feedback",
    response={201: FeedbackOut, **ERRORS},
    summary="An assigned unit's feedback on an opinion",
)
def opinion_feedback(
    request: HttpRequest, opinion_id: Path[Id], body: OpinionFeedbackIn
) -> Status[FeedbackOut]:
    user = request_user(request)
    opinion = get_object_or_404(coordination_list(user=user), pk=opinion_id)
    feedback = run_service(
        lambda: svc.coordination_feedback(opinion=opinion, by=user, text=body.text)
    )
    return Status(201, _feedback(feedback))


class FeedbackPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[FeedbackOut]


@router.get("/feedback", response={200: FeedbackPage, **ERRORS}, summary="反馈清单")
def feedback(request: HttpRequest, q: Query[ListQuery], paging: Query[PageParams]) -> FeedbackPage:
    page = paginate(feedback_list(user=request_user(request), filters=q.filters()), paging)
    return FeedbackPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[_feedback(fb) for fb in page.rows],
    )


class ReviewIn(Schema):
    version: int = Field(description="The version as read; a stale one answers 409")
    reason: str = Field("", max_length=TEXT_MAX)


class ReviewAction(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"


@router.post(
    "/feedback/{feedback_id}/{action}",
    response={200: FeedbackOut, **ERRORS},
    summary="The office accepts or returns (with a reason) a feedback",
)
def feedback_review(
    request: HttpRequest, feedback_id: Path[Id], action: ReviewAction, body: ReviewIn
) -> FeedbackOut:
    user = request_user(request)
    fb = get_object_or_404(feedback_list(user=user), pk=feedback_id)
    if action == ReviewAction.ACCEPT:
        run_service(lambda: svc.feedback_accept(feedback=fb, by=user, version=body.version))
    else:
        run_service(
            lambda: svc.feedback_return(
                feedback=fb, by=user, reason=body.reason, version=body.version
            )
        )
    fb.refresh_from_db()
    return _feedback(fb)


@router.post(
    "/extensions/{extension_id}/{action}",
    response={200: ExtensionOut, **ERRORS},
    summary="Approve (head, then office) or reject an extension",
)
def extension_review(
    request: HttpRequest, extension_id: Path[Id], action: ReviewAction, body: ReviewIn
) -> ExtensionOut:
    user = request_user(request)
    visible = problem_list(user=user).values("pk")
    ext = get_object_or_404(ExtensionRequest.objects.filter(problem__in=visible), pk=extension_id)
    if action == ReviewAction.ACCEPT:
        ext = run_service(
            lambda: svc.extension_approve(extension=ext, by=user, version=body.version)
        )
    else:
        ext = run_service(
            lambda: svc.extension_reject(
                extension=ext, by=user, reason=body.reason, version=body.version
            )
        )
    return extension_out(ext)

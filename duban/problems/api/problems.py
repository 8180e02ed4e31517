"""Problems: the problem lists, figures, one problem with its history, reporting and every
transition."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Query, Schema, Status
from pydantic import Field

from duban.core.api.pagination import PageParams, paginate
from duban.core.api.params import MAX_ID, TEXT_MAX, Id
from duban.core.api.schemas import Pct, UnitRef, UserRef, unit_ref, unit_ref_or_none, user_ref
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.auth import request_user
from duban.org.models import Unit, User
from duban.problems import services as svc
from duban.problems.api.base import ERRORS, ListQuery, router, run_service
from duban.problems.models import ExtensionRequest, Problem
from duban.problems.selectors import (
    closeout_list,
    open_problem_list,
    problem_co_responses,
    problem_events,
    problem_figures,
    problem_get_for_user,
    problem_list,
)


class ProblemOut(Schema):
    id: int
    version: int
    source: Problem.Source
    category: Problem.Category
    title: str
    description: str
    request: str
    work_item_id: int | None
    enterprise_id: int | None
    lead_unit: UnitRef | None
    co_units: list[UnitRef]
    level: int
    due_date: date | None
    original_due_date: date | None
    state: Problem.State
    state_label: str
    resolution: str
    reject_reason: str
    merged_into_id: int | None
    reported_on: date
    reported_by: UserRef | None
    close_month: str | None = Field(description="YYYY-MM of the close-out (销号)")
    reopen_count: int
    urgent: bool
    plan_due_at: datetime | None
    satisfaction: str


class EventOut(Schema):
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor: UserRef | None
    at: datetime
    note: str


class ExtensionOut(Schema):
    id: int
    version: int = Field(description="Send it back to approve or reject the extension")
    problem_id: int
    current_due_date: date
    new_due_date: date
    reason: str
    state: ExtensionRequest.State
    reject_reason: str


def extension_out(ext: ExtensionRequest) -> ExtensionOut:
    return ExtensionOut(
        id=ext.pk,
        version=ext.version,
        problem_id=ext.problem_id,
        current_due_date=ext.current_due_date,
        new_due_date=ext.new_due_date,
        reason=ext.reason,
        state=ExtensionRequest.State(ext.state),
        reject_reason=ext.reject_reason,
    )


class CoResponseOut(Schema):
    id: int
    version: int = Field(description="Send it back as `answer_version` to answer for your unit")
    unit: UnitRef
    due_date: date
    answer: str
    answered_by: UserRef | None
    answered_at: datetime | None


class ProblemDetailOut(ProblemOut):
    events: list[EventOut]
    extensions: list[ExtensionOut]
    co_responses: list[CoResponseOut] = Field(description="Each co-unit's answer, due or given")


class ProblemPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProblemOut]


def _problem(p: Problem) -> ProblemOut:
    period = p.close_period
    return ProblemOut(
        id=p.pk,
        version=p.version,
        source=Problem.Source(p.source),
        category=Problem.Category(p.category),
        title=p.title,
        description=p.description,
        request=p.request,
        work_item_id=p.work_item_id,
        enterprise_id=p.enterprise_id,
        lead_unit=unit_ref_or_none(p.lead_unit),
        co_units=[unit_ref(u) for u in p.co_units.all()],
        level=p.level,
        due_date=p.due_date,
        original_due_date=p.original_due_date,
        state=Problem.State(p.state),
        state_label=str(p.get_state_display()),
        resolution=p.resolution,
        reject_reason=p.reject_reason,
        merged_into_id=p.merged_into_id,
        reported_on=p.reported_on,
        reported_by=user_ref(p.reported_by),
        close_month=str(period) if period else None,
        reopen_count=p.reopen_count,
        urgent=p.urgent,
        plan_due_at=p.plan_due_at,
        satisfaction=p.satisfaction,
    )


def _page(qs: Any, paging: PageParams) -> ProblemPage:
    page = paginate(qs, paging)
    return ProblemPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[_problem(p) for p in page.rows],
    )


@router.get(
    "/problems", response={200: ProblemPage, **ERRORS}, summary="问题: every problem in scope"
)
def problems(request: HttpRequest, q: Query[ListQuery], paging: Query[PageParams]) -> ProblemPage:
    return _page(problem_list(user=request_user(request), filters=q.filters()), paging)


@router.get(
    "/problems/open", response={200: ProblemPage, **ERRORS}, summary="问题清单: open problems"
)
def problems_open(
    request: HttpRequest, q: Query[ListQuery], paging: Query[PageParams]
) -> ProblemPage:
    return _page(open_problem_list(user=request_user(request), filters=q.filters()), paging)


@router.get(
    "/problems/closeout/{period}",
    response={200: ProblemPage, **ERRORS},
    summary="销号清单: problems closed in a month (YYYY-MM)",
)
def problems_closeout(
    request: HttpRequest, period: str, q: Query[ListQuery], paging: Query[PageParams]
) -> ProblemPage:
    month = run_service(lambda: Period.parse(period))
    return _page(
        closeout_list(user=request_user(request), period=month, filters=q.filters()), paging
    )


class ListFiguresOut(Schema):
    period: str
    total: int
    new: int
    closed: int
    closed_to_date: int
    open: int
    overdue: int
    completion_pct: Pct | None = Field(description="办结率, from unrounded counts")


@router.get(
    "/problems/figures/{period}",
    response={200: ListFiguresOut, **ERRORS},
    summary="Totals, new and closed in the month, 办结率, open and overdue",
)
def problems_figures(request: HttpRequest, period: str, q: Query[ListQuery]) -> ListFiguresOut:
    month = run_service(lambda: Period.parse(period))
    f = problem_figures(user=request_user(request), period=month, filters=q.filters())
    return ListFiguresOut(
        period=str(month),
        total=f.total,
        new=f.new,
        closed=f.closed,
        closed_to_date=f.closed_to_date,
        open=f.open,
        overdue=f.overdue,
        completion_pct=f.completion_pct,
    )


@router.get(
    "/problems/{problem_id}",
    response={200: ProblemDetailOut, **ERRORS},
    summary="One problem with its history (who, when, from → to, why)",
)
def problem_detail(request: HttpRequest, problem_id: Path[Id]) -> ProblemDetailOut:
    problem = problem_get_for_user(user=request_user(request), problem_id=problem_id)
    events = [
        EventOut(
            action=e.action,
            action_label=str(e.get_action_display()),
            from_state=e.from_state,
            to_state=e.to_state,
            actor=user_ref(e.actor),
            at=e.at,
            note=e.note,
        )
        for e in problem_events(problem)
    ]
    extensions = [extension_out(e) for e in problem.extensions.order_by("pk")]
    co_responses = [
        CoResponseOut(
            id=r.pk,
            version=r.version,
            unit=unit_ref(r.unit),
            due_date=r.due_date,
            answer=r.answer,
            answered_by=user_ref(r.answered_by),
            answered_at=r.answered_at,
        )
        for r in problem_co_responses(problem)
    ]
    return ProblemDetailOut(
        **_problem(problem).model_dump(),
        events=events,
        extensions=extensions,
        co_responses=co_responses,
    )


class ReportIn(Schema):
    source: Problem.Source = Problem.Source.UNIT_REPORT
    work_item_id: Id | None = None
    enterprise_id: Id | None = None
    category: Problem.Category
    title: str = Field(max_length=200)
    description: str = Field(max_length=TEXT_MAX)
    request: str = Field("", max_length=TEXT_MAX)
    urgent: bool = False


@router.post("/problems", response={201: ProblemOut, **ERRORS}, summary="Report a problem")
def problem_report(request: HttpRequest, body: ReportIn) -> Status[ProblemOut]:
    from duban.ledger.selectors import work_item_list
    from duban.org.selectors import enterprise_list

    user = request_user(request)
    data: dict[str, Any] = body.model_dump(exclude={"work_item_id", "enterprise_id"})
    if body.work_item_id is not None:
        data["work_item"] = get_object_or_404(work_item_list(user=user), pk=body.work_item_id)
    if body.enterprise_id is not None:
        data["enterprise"] = get_object_or_404(enterprise_list(user=user), pk=body.enterprise_id)
    problem = run_service(lambda: svc.problem_report(by=user, data=data))
    return Status(201, _problem(problem))


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    MERGE = "merge"
    ASSIGN = "assign"
    ANSWER = "answer"
    FEEDBACK = "feedback"
    VERIFY = "verify"
    RETURN = "return"
    CLOSE = "close"
    REOPEN = "reopen"
    ESCALATE = "escalate"
    EXTENSION = "extension"
    OPINION = "opinion"
    SATISFACTION = "satisfaction"


class ActionIn(Schema):
    version: int = Field(description="The problem's version as read; a stale one answers 409")
    answer_version: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="answer: your unit's answer's version as read (`co_responses[].version` of "
        "the problem's detail); a stale one answers 409",
    )
    note: str = Field("", max_length=TEXT_MAX)
    reason: str = Field("", max_length=TEXT_MAX)
    text: str = Field("", max_length=TEXT_MAX)
    resolution: str | None = Field(None, max_length=TEXT_MAX)
    answer: str = Field("", max_length=TEXT_MAX)
    into: int | None = Field(
        None, ge=1, le=MAX_ID, description="merge: the problem that carries on"
    )
    lead_unit: Id | None = None
    co_units: list[Id] = Field([], max_length=1000)
    units: list[Id] = Field([], max_length=1000)
    leader: Id | None = None
    level: int = Field(1, ge=1, le=4)
    due_date: date | None = None
    new_due_date: date | None = None
    deadline: date | None = None
    satisfaction: str = Field("", max_length=20)


def _units(ids: list[int]) -> list[Unit]:
    units = list(Unit.objects.filter(pk__in=ids))
    if len(units) != len(set(ids)):
        raise ApplicationError(_("所选单位不存在。"), field="units")
    return sorted(units, key=lambda u: ids.index(u.pk))


def _required(value: Any, name: str) -> Any:
    if value is None:
        raise ApplicationError(_("缺少必填项：%(field)s。") % {"field": name}, field=name)
    return value


@router.post(
    "/problems/{problem_id}/{action}",
    response={200: ProblemOut, **ERRORS},
    summary="A transition (accept, reject, merge, assign, answer, feedback, verify, return, "
    "close, reopen, escalate, extension, opinion, satisfaction)",
)
def problem_act(
    request: HttpRequest, problem_id: Path[Id], action: Action, body: ActionIn
) -> ProblemOut:
    user = request_user(request)
    p = problem_get_for_user(user=user, problem_id=problem_id)
    v = body.version
    calls: dict[Action, Callable[[], Any]] = {
        Action.ACCEPT: lambda: svc.problem_accept(problem=p, by=user, version=v, note=body.note),
        Action.REJECT: lambda: svc.problem_reject(
            problem=p, by=user, version=v, reason=body.reason
        ),
        Action.MERGE: lambda: svc.problem_merge(
            problem=p,
            by=user,
            version=v,
            into=problem_get_for_user(user=user, problem_id=_required(body.into, "into")),
        ),
        Action.ASSIGN: lambda: svc.problem_assign(
            problem=p,
            by=user,
            version=v,
            lead_unit=_units([_required(body.lead_unit, "lead_unit")])[0],
            co_units=_units(body.co_units),
            level=body.level,
            due_date=body.due_date,
        ),
        Action.ANSWER: lambda: svc.problem_answer_as_co_unit(
            problem=p,
            by=user,
            answer=body.answer,
            version=_required(body.answer_version, "answer_version"),
        ),
        Action.FEEDBACK: lambda: svc.problem_submit_feedback(
            problem=p, by=user, version=v, text=body.text, resolution=body.resolution or ""
        ),
        Action.VERIFY: lambda: svc.problem_verify(
            problem=p, by=user, version=v, resolution=body.resolution, note=body.note
        ),
        Action.RETURN: lambda: svc.problem_return(
            problem=p, by=user, version=v, reason=body.reason
        ),
        Action.CLOSE: lambda: svc.problem_close(problem=p, by=user, version=v, note=body.note),
        Action.REOPEN: lambda: svc.problem_reopen(
            problem=p, by=user, version=v, reason=body.reason, due_date=body.due_date
        ),
        Action.ESCALATE: lambda: svc.problem_escalate(
            problem=p, by=user, version=v, reason=body.reason
        ),
        Action.EXTENSION: lambda: svc.extension_request(
            problem=p,
            by=user,
            version=v,
            reason=body.reason,
            new_due_date=_required(body.new_due_date, "new_due_date"),
        ),
        Action.OPINION: lambda: svc.coordination_create(
            problem=p,
            by=user,
            text=body.text,
            units=_units(body.units),
            deadline=_required(body.deadline, "deadline"),
            leader=User.objects.filter(pk=body.leader).first() if body.leader else None,
        ),
        Action.SATISFACTION: lambda: svc.problem_rate_satisfaction(
            problem=p, by=user, version=v, satisfaction=body.satisfaction
        ),
    }
    run_service(calls[action])
    return _problem(problem_get_for_user(user=user, problem_id=problem_id))

"""API: the five lists, a problem with its history, and every transition, scoped like the pages.

Mounted by the API object (`api.add_router("", problems_router)`). Errors are JSON
`{"detail": …}`: 403 when the role may not act, 404 for a missing or out-of-scope object, 409
when the problem changed since `version`, 422 for any other refusal (the message says why).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from duban.api.auth import TokenAuth, request_user
from duban.api.pagination import PageParams, paginate
from duban.api.schemas import ErrorOut, Pct, UnitRef, UserRef
from duban.core.errors import ApplicationError, ConflictError
from duban.core.periods import Period
from duban.org.models import Unit, User
from duban.problems import services as svc
from duban.problems.models import Coordination, ExtensionRequest, Feedback, Meeting, Problem
from duban.problems.selectors import (
    ProblemFilters,
    closeout_list,
    coordination_list,
    demand_figures,
    feedback_list,
    liaison_figures,
    meeting_get_for_user,
    meeting_list,
    open_problem_list,
    problem_events,
    problem_figures,
    problem_get_for_user,
    problem_list,
    task_list,
)

router = Router(tags=["problems"], auth=TokenAuth())
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _unit(unit: Unit | None) -> UnitRef | None:
    return None if unit is None else UnitRef(id=unit.pk, code=unit.code, name=unit.name)


def _user(user: User | None) -> UserRef | None:
    if user is None:
        return None
    return UserRef(id=user.pk, username=user.username, name=user.display_name)


def _run(call: Callable[[], Any]) -> Any:
    """Run a service, turning its refusals into HTTP answers (nothing was written)."""
    try:
        return call()
    except ConflictError as e:
        raise HttpError(409, str(e)) from e
    except ApplicationError as e:
        raise HttpError(403 if e.code == "forbidden" else 422, str(e)) from e


class ListQuery(Schema):
    year: int | None = Field(None, ge=1900, le=2200)
    month: int | None = Field(None, ge=1, le=12)
    unit: int | None = Field(None, description="Lead unit or co-unit id")
    leader: int | None = Field(None, description="A leader's id: the problems in their area")
    level: int | None = Field(None, ge=1, le=4)
    category: Problem.Category | None = None
    state: str | None = None
    source: Problem.Source | None = None
    overdue: bool | None = None

    def filters(self) -> ProblemFilters:
        return ProblemFilters(
            year=self.year,
            month=self.month,
            unit=self.unit,
            leader=self.leader,
            level=self.level,
            category=self.category,
            state=self.state,
            source=self.source,
            overdue=self.overdue,
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


class ProblemDetailOut(ProblemOut):
    events: list[EventOut]


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
        lead_unit=_unit(p.lead_unit),
        co_units=[UnitRef(id=u.pk, code=u.code, name=u.name) for u in p.co_units.all()],
        level=p.level,
        due_date=p.due_date,
        original_due_date=p.original_due_date,
        state=Problem.State(p.state),
        state_label=str(p.get_state_display()),
        resolution=p.resolution,
        reject_reason=p.reject_reason,
        merged_into_id=p.merged_into_id,
        reported_on=p.reported_on,
        reported_by=_user(p.reported_by),
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
    month = _run(lambda: Period.parse(period))
    return _page(
        closeout_list(user=request_user(request), period=month, filters=q.filters()), paging
    )


class FiguresOut(Schema):
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
    response={200: FiguresOut, **ERRORS},
    summary="Totals, new and closed in the month, 办结率, open and overdue",
)
def problems_figures(request: HttpRequest, period: str, q: Query[ListQuery]) -> FiguresOut:
    month = _run(lambda: Period.parse(period))
    f = problem_figures(user=request_user(request), period=month, filters=q.filters())
    return FiguresOut(
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
def problem_detail(request: HttpRequest, problem_id: int) -> ProblemDetailOut:
    problem = problem_get_for_user(user=request_user(request), problem_id=problem_id)
    events = [
        EventOut(
            action=e.action,
            action_label=str(e.get_action_display()),
            from_state=e.from_state,
            to_state=e.to_state,
            actor=_user(e.actor),
            at=e.at,
            note=e.note,
        )
        for e in problem_events(problem)
    ]
    return ProblemDetailOut(**_problem(problem).model_dump(), events=events)


class ReportIn(Schema):
    source: Problem.Source = Problem.Source.UNIT_REPORT
    work_item_id: int | None = None
    enterprise_id: int | None = None
    category: Problem.Category
    title: str = Field(max_length=200)
    description: str
    request: str = ""
    urgent: bool = False


@router.post("/problems", response={201: ProblemOut, **ERRORS}, summary="Report a problem")
def problem_report(request: HttpRequest, body: ReportIn) -> Status[ProblemOut]:
    from duban.ledger.selectors import enterprise_list, work_item_list

    user = request_user(request)
    data: dict[str, Any] = body.model_dump(exclude={"work_item_id", "enterprise_id"})
    if body.work_item_id is not None:
        data["work_item"] = get_object_or_404(work_item_list(user=user), pk=body.work_item_id)
    if body.enterprise_id is not None:
        data["enterprise"] = get_object_or_404(enterprise_list(user=user), pk=body.enterprise_id)
    problem = _run(lambda: svc.problem_report(by=user, data=data))
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
    version: int | None = Field(None, description="The version read; a stale one answers 409")
    note: str = ""
    reason: str = ""
    text: str = ""
    resolution: str | None = None
    answer: str = ""
    into: int | None = Field(None, description="merge: the problem that carries on")
    lead_unit: int | None = None
    co_units: list[int] = []
    units: list[int] = []
    leader: int | None = None
    level: int = 1
    due_date: date | None = None
    new_due_date: date | None = None
    deadline: date | None = None
    satisfaction: str = ""


def _units(ids: list[int]) -> list[Unit]:
    units = list(Unit.objects.filter(pk__in=ids))
    if len(units) != len(set(ids)):
        raise HttpError(422, "unknown unit id")
    return sorted(units, key=lambda u: ids.index(u.pk))


def _required(value: Any, name: str) -> Any:
    if value is None:
        raise HttpError(422, f"{name} is required")
    return value


@router.post(
    "/problems/{problem_id}/{action}",
    response={200: ProblemOut, **ERRORS},
    summary="A transition (accept, reject, merge, assign, answer, feedback, verify, return, "
    "close, reopen, escalate, extension, opinion, satisfaction)",
)
def problem_act(
    request: HttpRequest, problem_id: int, action: Action, body: ActionIn
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
            problem=p, by=user, answer=body.answer
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
    _run(calls[action])
    return _problem(problem_get_for_user(user=user, problem_id=problem_id))


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
                lead_unit=_unit(i.lead_unit),
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
                leader=_user(o.leader),
                meeting_id=o.meeting_id,
                text=o.text,
                units=[UnitRef(id=u.pk, code=u.code, name=u.name) for u in o.units.all()],
                deadline=o.deadline,
                state=Coordination.State(o.state),
            )
            for o in page.rows
        ],
    )


class OpinionFeedbackIn(Schema):
    text: str


class FeedbackOut(Schema):
    id: int
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
        unit=_unit(fb.unit),
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
    request: HttpRequest, opinion_id: int, body: OpinionFeedbackIn
) -> Status[FeedbackOut]:
    user = request_user(request)
    opinion = get_object_or_404(coordination_list(user=user), pk=opinion_id)
    feedback = _run(lambda: svc.coordination_feedback(opinion=opinion, by=user, text=body.text))
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
    version: int | None = None
    reason: str = ""


class ReviewAction(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"


@router.post(
    "/feedback/{feedback_id}/{action}",
    response={200: FeedbackOut, **ERRORS},
    summary="The office accepts or returns (with a reason) a feedback",
)
def feedback_review(
    request: HttpRequest, feedback_id: int, action: ReviewAction, body: ReviewIn
) -> FeedbackOut:
    user = request_user(request)
    fb = get_object_or_404(feedback_list(user=user), pk=feedback_id)
    if action == ReviewAction.ACCEPT:
        _run(lambda: svc.feedback_accept(feedback=fb, by=user, version=body.version))
    else:
        _run(
            lambda: svc.feedback_return(
                feedback=fb, by=user, reason=body.reason, version=body.version
            )
        )
    fb.refresh_from_db()
    return _feedback(fb)


class ExtensionOut(Schema):
    id: int
    problem_id: int
    current_due_date: date
    new_due_date: date
    reason: str
    state: ExtensionRequest.State
    reject_reason: str


@router.post(
    "/extensions/{extension_id}/{action}",
    response={200: ExtensionOut, **ERRORS},
    summary="Approve (head, then office) or reject an extension",
)
def extension_review(
    request: HttpRequest, extension_id: int, action: ReviewAction, body: ReviewIn
) -> ExtensionOut:
    user = request_user(request)
    visible = problem_list(user=user).values("pk")
    ext = get_object_or_404(ExtensionRequest.objects.filter(problem__in=visible), pk=extension_id)
    if action == ReviewAction.ACCEPT:
        ext = _run(lambda: svc.extension_approve(extension=ext, by=user, version=body.version))
    else:
        ext = _run(
            lambda: svc.extension_reject(
                extension=ext, by=user, reason=body.reason, version=body.version
            )
        )
    return ExtensionOut(
        id=ext.pk,
        problem_id=ext.problem_id,
        current_due_date=ext.current_due_date,
        new_due_date=ext.new_due_date,
        reason=ext.reason,
        state=ExtensionRequest.State(ext.state),
        reject_reason=ext.reject_reason,
    )


class AgendaOut(Schema):
    kind: str
    text: str
    problem_id: int | None
    work_item_id: int | None


class MeetingOut(Schema):
    id: int
    kind: Meeting.Kind
    level: int
    title: str
    chair: UserRef | None
    date: date
    state: Meeting.State
    agenda: list[AgendaOut]


def _meeting(m: Meeting) -> MeetingOut:
    return MeetingOut(
        id=m.pk,
        kind=Meeting.Kind(m.kind),
        level=m.level,
        title=m.title,
        chair=_user(m.chair),
        date=m.date,
        state=Meeting.State(m.state),
        agenda=[
            AgendaOut(
                kind=a.kind, text=a.text, problem_id=a.problem_id, work_item_id=a.work_item_id
            )
            for a in m.agenda.all()
        ],
    )


@router.get("/meetings", response={200: list[MeetingOut], **ERRORS}, summary="Dispatch meetings")
def meetings(request: HttpRequest) -> list[MeetingOut]:
    qs = meeting_list(user=request_user(request)).prefetch_related("agenda").order_by("-date")
    return [_meeting(m) for m in qs]


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS}, summary="A meeting")
def meeting_detail(request: HttpRequest, meeting_id: int) -> MeetingOut:
    return _meeting(meeting_get_for_user(user=request_user(request), meeting_id=meeting_id))


class LiaisonOut(Schema):
    leader: UserRef | None
    enterprises: int
    projects: int
    institutions: int
    demands: int
    resolved: int
    visits: int
    completion_pct: Pct | None


@router.get(
    "/liaison/leaders",
    response={200: list[LiaisonOut], **ERRORS},
    summary="包联 figures per leader: enterprises, projects, demands, 办结率, visits",
)
def liaison_leaders(request: HttpRequest, year: int | None = None) -> list[LiaisonOut]:
    return [
        LiaisonOut(
            leader=_user(r.leader),
            enterprises=r.enterprises,
            projects=r.projects,
            institutions=r.institutions,
            demands=r.demands,
            resolved=r.resolved,
            visits=r.visits,
            completion_pct=r.completion_pct,
        )
        for r in liaison_figures(user=request_user(request), year=year)
    ]


class DemandFiguresOut(Schema):
    year: int
    received: int
    resolved: int
    answered_in_time: int
    answered_late: int
    satisfied: int
    basic: int
    unsatisfied: int
    completion_pct: Pct | None = Field(description="办结率")
    satisfaction_pct: Pct | None = Field(description="满意率 (满意 + 基本满意) among rated")


@router.get(
    "/liaison/demands/{year}",
    response={200: DemandFiguresOut, **ERRORS},
    summary="企业诉求 of a year in scope: received, resolved, answered in time, satisfaction",
)
def liaison_demands(request: HttpRequest, year: int) -> DemandFiguresOut:
    f = demand_figures(user=request_user(request), year=year)
    return DemandFiguresOut(
        year=year,
        received=f.received,
        resolved=f.resolved,
        answered_in_time=f.answered_in_time,
        answered_late=f.answered_late,
        satisfied=f.satisfied,
        basic=f.basic,
        unsatisfied=f.unsatisfied,
        completion_pct=f.completion_pct,
        satisfaction_pct=f.satisfaction_pct,
    )

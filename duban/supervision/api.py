"""API for prompts, replies, cards, flags and interviews, scoped like the pages: a unit sees its
own, a leader their area, the office everything; out of scope answers 404. Every change sends
the `version` it read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from duban.core.api.errors import ERRORS, office_only, run_service
from duban.core.api.pagination import ListPage, PageParams, page_answer, paginate
from duban.core.api.params import MAX_ID, MAX_YEAR, MIN_YEAR, Id
from duban.core.api.schemas import UnitRef, unit_ref
from duban.core.bulk import values_in
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.core.services import refuse_unless
from duban.org.auth import TokenAuth, request_user
from duban.org.models import User
from duban.supervision import selectors as sel
from duban.supervision.models import (
    Card,
    Colour,
    FalseReport,
    Flag,
    Interview,
    Prompt,
    PromptItem,
)
from duban.supervision.permissions import (
    can_manage_supervision,
    can_reply_prompt,
    can_report_flag,
)
from duban.supervision.services import cards as card_svc
from duban.supervision.services import flags as flag_svc
from duban.supervision.services import interviews as iv_svc
from duban.supervision.services import prompts as prompt_svc
from duban.supervision.services.false_reports import false_report_record

router = Router(tags=["supervision"], auth=TokenAuth())
M = TypeVar("M", bound=Model)
Out = TypeVar("Out")


class UnitFilter(Schema):
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="Only this unit's")


def _listed(
    qs: QuerySet[M], q: UnitFilter, paging: PageParams, out: Callable[[M], Out]
) -> dict[str, Any]:
    """A list endpoint's answer, a page at a time (a province's month has 2,000 cards): the
    rows in scope, of one unit when asked, with how many there are."""
    if q.unit:
        qs = qs.filter(unit_id=q.unit)
    return page_answer(qs, paging, out)


# -- prompts ----------------------------------------------------------------------------------


class PromptLineOut(Schema):
    id: int
    unit: UnitRef | None
    answered_at: datetime | None
    work_item_id: int | None
    problem_id: int | None
    title: str
    reason: str
    reason_text: str
    figures: dict[str, Any]
    dropped: bool
    answer: str
    new_date: date | None


class PromptOut(Schema):
    id: int
    version: int
    kind: Prompt.Kind
    state: Prompt.State
    year: int
    month: int
    unit: UnitRef | None = Field(description="The unit the prompt is to (null: a leader's area)")
    leader_id: int | None = Field(description="The district leader whose area the prompt is to")
    recipient: str
    number: str
    issued_at: datetime | None
    reply_due: date | None
    replied_at: datetime | None
    reply_late: bool
    return_reason: str
    lines: list[PromptLineOut]


class PromptPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PromptOut]


def _prompt(p: Prompt, lines: list[PromptItem] | None = None) -> PromptOut:
    return PromptOut(
        id=p.pk,
        version=p.version,
        kind=Prompt.Kind(p.kind),
        state=Prompt.State(p.state),
        year=p.year,
        month=p.month,
        unit=unit_ref(p.unit) if p.unit else None,
        leader_id=p.leader_id,
        recipient=p.recipient,
        number=p.number,
        issued_at=p.issued_at,
        reply_due=p.reply_due,
        replied_at=p.replied_at,
        reply_late=p.reply_late,
        return_reason=p.return_reason,
        lines=[
            PromptLineOut(
                id=line.pk,
                unit=unit_ref(line.unit) if line.unit else None,
                answered_at=line.answered_at,
                work_item_id=line.work_item_id,
                problem_id=line.problem_id,
                title=line.title,
                reason=line.reason,
                reason_text=line.reason_text,
                figures=line.figures,
                dropped=line.dropped,
                answer=line.answer,
                new_date=line.new_date,
            )
            for line in (_lines_of([p])[p.pk] if lines is None else lines)
        ],
    )


def _lines_of(prompts: list[Prompt]) -> dict[int, list[PromptItem]]:
    """The prompts' lines with what they name, read in one query for all of them."""
    out: dict[int, list[PromptItem]] = {p.pk: [] for p in prompts}
    lines = PromptItem.objects.filter(prompt_id__in=values_in(list(out), of="bigint"))
    for line in lines.select_related("work_item", "problem", "unit"):
        out[line.prompt_id].append(line)
    return out


def _prompts(prompts: list[Prompt]) -> list[PromptOut]:
    lines = _lines_of(prompts)
    return [_prompt(p, lines[p.pk]) for p in prompts]


class PromptQuery(Schema):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR)
    month: int | None = Field(None, ge=1, le=12)
    kind: Prompt.Kind | None = None
    state: Prompt.State | None = None


@router.get("/prompts", response={200: PromptPage, **ERRORS}, summary="提示: prompts in scope")
def prompts(request: HttpRequest, q: Query[PromptQuery], paging: Query[PageParams]) -> PromptPage:
    qs = sel.prompt_list(
        user=request_user(request), year=q.year, month=q.month, kind=q.kind, state=q.state
    )
    page = paginate(qs, paging)
    return PromptPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=_prompts(page.rows),
    )


class DraftIn(Schema):
    kind: Prompt.Kind
    include_repeats: bool = False


@router.post(
    "/prompts/draft",
    response={200: list[PromptOut], **ERRORS},
    summary="Draft the month's batch from the current lights (office)",
)
def prompts_draft(request: HttpRequest, body: DraftIn) -> list[PromptOut]:
    user = request_user(request)
    office_only(can_manage_supervision(user))
    drafts = run_service(
        lambda: prompt_svc.prompt_batch_draft(
            kind=body.kind, include_repeats=body.include_repeats, by=user
        )
    )
    return _prompts(drafts)


class PromptVersion(Schema):
    id: Id
    version: int = Field(..., ge=1, le=MAX_ID)


class IssueIn(Schema):
    prompts: list[PromptVersion] = Field(..., min_length=1, max_length=1000)


@router.post(
    "/prompts/issue",
    response={200: list[PromptOut], **ERRORS},
    summary="Issue draft prompts: numbers and reply deadlines (office)",
)
def prompts_issue(request: HttpRequest, body: IssueIn) -> list[PromptOut]:
    user = request_user(request)
    office_only(can_manage_supervision(user))
    versions = {p.id: p.version for p in body.prompts}
    # Every prompt named must be in the user's scope, like one read alone (404 otherwise).
    found = sel.prompt_list(user=user).filter(pk__in=values_in(list(versions), of="bigint"))
    if set(found.order_by().values_list("pk", flat=True)) != set(versions):
        raise Http404
    return _prompts(run_service(lambda: prompt_svc.prompt_issue(prompts=versions, by=user)))


class PromptFiguresOut(Schema):
    month: int
    kind: Prompt.Kind
    unit: str
    prompts: int
    items: int
    replied_on_time: int
    replied_late: int


class PromptYearQuery(Schema):
    year: int = Field(..., ge=MIN_YEAR, le=MAX_YEAR)


@router.get(
    "/prompts/figures",
    response={200: list[PromptFiguresOut], **ERRORS},
    summary="Prompts issued and items listed per month, kind and unit; replies on time and late",
)
def prompt_figures(request: HttpRequest, q: Query[PromptYearQuery]) -> list[PromptFiguresOut]:
    rows = sel.prompt_figures(user=request_user(request), year=q.year)
    return [
        PromptFiguresOut(
            month=r.month,
            kind=Prompt.Kind(r.kind),
            unit=r.unit,
            prompts=r.prompts,
            items=r.items,
            replied_on_time=r.replied_on_time,
            replied_late=r.replied_late,
        )
        for r in rows
    ]


@router.get("/prompts/{prompt_id}", response={200: PromptOut, **ERRORS}, summary="A prompt")
def prompt_detail(request: HttpRequest, prompt_id: Path[Id]) -> PromptOut:
    return _prompt(sel.prompt_get_for_user(user=request_user(request), prompt_id=prompt_id))


class AnswerIn(Schema):
    line: Id
    answer: str = Field(..., max_length=2000)
    new_date: date | None = None


class PromptActionIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID)
    answers: list[AnswerIn] = Field(default_factory=list, max_length=1000)
    reason: str = Field("", max_length=2000)


class PromptAction(StrEnum):
    REPLY = "reply"
    ACCEPT = "accept"
    RETURN = "return"


@router.post(
    "/prompts/{prompt_id}/{action}",
    response={200: PromptOut, **ERRORS},
    summary="Reply (the unit), accept or return (the office)",
)
def prompt_act(
    request: HttpRequest, prompt_id: Path[Id], action: PromptAction, body: PromptActionIn
) -> PromptOut:
    user = request_user(request)
    p = sel.prompt_get_for_user(user=user, prompt_id=prompt_id)
    if action == PromptAction.REPLY:
        refuse_unless(can_reply_prompt(user, p), _("只有被提示单位可以答复。"))
        answers = {a.line: (a.answer, a.new_date) for a in body.answers}
        call: Callable[[], Prompt] = lambda: prompt_svc.prompt_reply(  # noqa: E731
            prompt=p, by=user, answers=answers, version=body.version
        )
    else:
        office_only(can_manage_supervision(user))
        if action == PromptAction.ACCEPT:
            call = lambda: prompt_svc.prompt_accept(  # noqa: E731
                prompt=p, by=user, version=body.version
            )
        else:
            call = lambda: prompt_svc.prompt_return(  # noqa: E731
                prompt=p, by=user, reason=body.reason, version=body.version
            )
    return _prompt(run_service(call))


# -- cards ----------------------------------------------------------------------------------


class ExplanationOut(Schema):
    colour: Colour
    text: str
    links: list[list[str]]


class CardOut(Schema):
    id: int
    version: int
    unit: UnitRef
    year: int
    month: int
    colour: Colour
    computed: Colour
    override_reason: str
    rules_version: int | None
    published: bool
    facts: dict[str, list[int]]
    explanation: list[ExplanationOut]


def _card(c: Card, explanation: list[sel.ExplanationLine] | None = None) -> CardOut:
    return CardOut(
        id=c.pk,
        version=c.version,
        unit=unit_ref(c.unit),
        year=c.year,
        month=c.month,
        colour=Colour(c.colour),
        computed=Colour(c.computed),
        override_reason=c.override_reason,
        rules_version=c.rules_id,
        published=c.published_at is not None,
        facts=c.facts,
        explanation=[
            ExplanationOut(colour=Colour(e.colour), text=e.text, links=[list(x) for x in e.links])
            for e in (sel.card_explanation(c) if explanation is None else explanation)
        ],
    )


class CardQuery(UnitFilter):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR)
    month: int | None = Field(None, ge=1, le=12)


@router.get(
    "/cards",
    response={200: ListPage[CardOut], **ERRORS},
    summary="亮牌: cards in scope (units and leaders: published only), a page at a time",
)
def cards(request: HttpRequest, q: Query[CardQuery], paging: Query[PageParams]) -> Any:
    qs = sel.card_list(user=request_user(request), year=q.year, month=q.month)
    page = _listed(qs, q, paging, lambda c: c)
    # The page's explanations together: the rows their facts name, a query per kind of row.
    explained = sel.cards_explained(page["items"])
    page["items"] = [_card(c, explained[c.pk]) for c in page["items"]]
    return page


class CardCountsOut(Schema):
    year: int
    month: int | None
    green: int
    yellow: int
    red: int


@router.get(
    "/cards/counts",
    response={200: CardCountsOut, **ERRORS},
    summary="Green, yellow and red cards of a month, or of the year without a month (in scope)",
)
def card_counts(request: HttpRequest, q: Query[CardQuery]) -> CardCountsOut:
    if q.year is None:
        raise ApplicationError(_("请指定年度（year）。"), field="year")
    n = sel.card_counts(user=request_user(request), year=q.year, month=q.month)
    return CardCountsOut(year=q.year, month=q.month, green=n.green, yellow=n.yellow, red=n.red)


@router.get("/cards/{card_id}", response={200: CardOut, **ERRORS}, summary="A card")
def card_detail(request: HttpRequest, card_id: Path[Id]) -> CardOut:
    return _card(sel.card_get_for_user(user=request_user(request), card_id=card_id))


class OverrideIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID)
    colour: Colour
    reason: str = Field(..., max_length=2000)


@router.post(
    "/cards/{card_id}/override",
    response={200: CardOut, **ERRORS},
    summary="Override a card with a written reason (office)",
)
def card_override(request: HttpRequest, card_id: Path[Id], body: OverrideIn) -> CardOut:
    user = request_user(request)
    office_only(can_manage_supervision(user))
    c = sel.card_get_for_user(user=user, card_id=card_id)
    return _card(
        run_service(
            lambda: card_svc.card_override(
                card=c, colour=body.colour, reason=body.reason, by=user, version=body.version
            )
        )
    )


class PublishOut(Schema):
    published: int


@router.post(
    "/months/{period}/cards/publish",
    response={200: PublishOut, **ERRORS},
    summary="Publish a closed month's cards (office)",
)
def cards_publish(request: HttpRequest, period: str) -> PublishOut:
    user = request_user(request)
    office_only(can_manage_supervision(user))
    n = run_service(lambda: card_svc.cards_publish(period=Period.parse(period), by=user))
    return PublishOut(published=n)


# -- flags and interviews -------------------------------------------------------------------


class FlagOut(Schema):
    id: int
    version: int
    number: str
    target: Flag.Target
    state: Flag.State
    unit: UnitRef
    work_item_id: int | None
    problem_id: int | None
    subject: str
    suggested_because: str
    reason: str
    actions: str
    deadline: date | None
    criteria: str
    flagged_on: date | None
    evidence: str
    delisted_on: date | None
    deadline_missed: bool


def _flag(f: Flag) -> FlagOut:
    return FlagOut(
        id=f.pk,
        version=f.version,
        number=f.number,
        target=Flag.Target(f.target),
        state=Flag.State(f.state),
        unit=unit_ref(f.unit),
        work_item_id=f.work_item_id,
        problem_id=f.problem_id,
        subject=f.subject,
        suggested_because=f.suggested_because_shown,
        reason=f.reason,
        actions=f.actions,
        deadline=f.deadline,
        criteria=f.criteria,
        flagged_on=f.flagged_on,
        evidence=f.evidence,
        delisted_on=f.delisted_on,
        deadline_missed=f.deadline_missed,
    )


class FlagQuery(UnitFilter):
    state: Flag.State | None = None


@router.get(
    "/flags",
    response={200: ListPage[FlagOut], **ERRORS},
    summary="挂牌督办 in scope, a page at a time",
)
def flags(request: HttpRequest, q: Query[FlagQuery], paging: Query[PageParams]) -> Any:
    return _listed(sel.flag_list(user=request_user(request), state=q.state), q, paging, _flag)


class FlagTarget(StrEnum):
    UNIT = "unit"
    ITEM = "item"
    PROBLEM = "problem"


class FlagIn(Schema):
    target: FlagTarget
    id: Id = Field(..., description="The unit's, item's or problem's id")
    reason: str = Field(..., max_length=2000)
    actions: str = Field(..., max_length=2000)
    criteria: str = Field(..., max_length=2000)
    deadline: date
    leader: Id


@router.post(
    "/flags",
    response={200: FlagOut, **ERRORS},
    summary="Flag a unit, an item or a problem directly (office); takes the next 督办 number",
)
def flag_new(request: HttpRequest, body: FlagIn) -> FlagOut:
    user = request_user(request)
    office_only(can_manage_supervision(user))
    subject = sel.flag_subject(user=user, target=str(body.target), pk=body.id)
    leader = User.objects.filter(pk=body.leader).first()
    return _flag(
        run_service(
            lambda: flag_svc.flag_create(
                **subject,
                reason=body.reason,
                actions=body.actions,
                deadline=body.deadline,
                criteria=body.criteria,
                flagged_by=leader,
            )
        )
    )


@router.get("/flags/{flag_id}", response={200: FlagOut, **ERRORS}, summary="A flag")
def flag_detail(request: HttpRequest, flag_id: Path[Id]) -> FlagOut:
    return _flag(sel.flag_get_for_user(user=request_user(request), flag_id=flag_id))


class FlagAction(StrEnum):
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    PROGRESS = "progress"
    REQUEST_DELIST = "request_delist"
    DELIST = "delist"
    REFUSE_DELIST = "refuse_delist"


class FlagActionIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID)
    reason: str = Field("", max_length=2000)
    actions: str = Field("", max_length=2000)
    criteria: str = Field("", max_length=2000)
    deadline: date | None = None
    leader: int | None = Field(None, ge=1, le=MAX_ID)
    text: str = Field("", max_length=4000)


@router.post(
    "/flags/{flag_id}/{action}",
    response={200: FlagOut, **ERRORS},
    summary="Confirm, dismiss, report progress, request or approve delisting",
)
def flag_act(
    request: HttpRequest, flag_id: Path[Id], action: FlagAction, body: FlagActionIn
) -> FlagOut:
    user = request_user(request)
    f = sel.flag_get_for_user(user=user, flag_id=flag_id)
    v = body.version
    if action in (FlagAction.PROGRESS, FlagAction.REQUEST_DELIST):
        refuse_unless(can_report_flag(user, f), _("只有被挂牌单位可以报告进展或申请摘牌。"))
        if action == FlagAction.PROGRESS:
            run_service(lambda: flag_svc.flag_report_progress(flag=f, by=user, text=body.text))
            f.refresh_from_db()
            return _flag(f)
        return _flag(
            run_service(
                lambda: flag_svc.flag_request_delist(flag=f, by=user, evidence=body.text, version=v)
            )
        )
    office_only(can_manage_supervision(user))
    leader = User.objects.filter(pk=body.leader).first() if body.leader else None
    calls: dict[FlagAction, Callable[[], Flag]] = {
        FlagAction.CONFIRM: lambda: flag_svc.flag_confirm(
            flag=f,
            reason=body.reason,
            actions=body.actions,
            deadline=body.deadline,
            criteria=body.criteria,
            flagged_by=leader,
            version=v,
        ),
        FlagAction.DISMISS: lambda: flag_svc.flag_dismiss(flag=f, reason=body.reason, version=v),
        FlagAction.DELIST: lambda: flag_svc.flag_delist(flag=f, by=user, approve=True, version=v),
        FlagAction.REFUSE_DELIST: lambda: flag_svc.flag_delist(
            flag=f, by=user, approve=False, note=body.text, version=v
        ),
    }
    return _flag(run_service(calls[action]))


class InterviewOut(Schema):
    id: int
    version: int
    unit: UnitRef
    year: int
    month: int
    level: Interview.Level
    state: Interview.State
    because: str
    scheduled_on: date | None
    interviewer: str
    interviewees: str
    outcome: str


def _interview(i: Interview) -> InterviewOut:
    return InterviewOut(
        id=i.pk,
        version=i.version,
        unit=unit_ref(i.unit),
        year=i.year,
        month=i.month,
        level=Interview.Level(i.level),
        state=Interview.State(i.state),
        because=i.because_shown,
        scheduled_on=i.scheduled_on,
        interviewer=i.interviewer,
        interviewees=i.interviewees,
        outcome=i.outcome,
    )


class InterviewQuery(UnitFilter):
    state: Interview.State | None = None


@router.get(
    "/interviews",
    response={200: ListPage[InterviewOut], **ERRORS},
    summary="约谈 in scope, a page at a time",
)
def interviews(request: HttpRequest, q: Query[InterviewQuery], paging: Query[PageParams]) -> Any:
    qs = sel.interview_list(user=request_user(request), state=q.state)
    return _listed(qs, q, paging, _interview)


class InterviewAction(StrEnum):
    SCHEDULE = "schedule"
    RECORD = "record"
    DISMISS = "dismiss"


class InterviewActionIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID)
    on: date | None = None
    interviewer: str = Field("", max_length=200)
    interviewees: str = Field("", max_length=200)
    text: str = Field("", max_length=4000)


@router.post(
    "/interviews/{interview_id}/{action}",
    response={200: InterviewOut, **ERRORS},
    summary="Schedule, record or dismiss an interview (office)",
)
def interview_act(
    request: HttpRequest, interview_id: Path[Id], action: InterviewAction, body: InterviewActionIn
) -> InterviewOut:
    user = request_user(request)
    iv = sel.interview_get_for_user(user=user, interview_id=interview_id)
    office_only(can_manage_supervision(user))
    v = body.version
    calls: dict[InterviewAction, Callable[[], Interview]] = {
        InterviewAction.SCHEDULE: lambda: iv_svc.interview_schedule(
            interview=iv,
            on=body.on,
            interviewer=body.interviewer,
            interviewees=body.interviewees,
            version=v,
        ),
        InterviewAction.RECORD: lambda: iv_svc.interview_record(
            interview=iv, outcome=body.text, version=v
        ),
        InterviewAction.DISMISS: lambda: iv_svc.interview_dismiss(
            interview=iv, reason=body.text, version=v
        ),
    }
    return _interview(run_service(calls[action]))


# -- false reports ---------------------------------------------------------------------------


class FalseReportIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID)
    reason: str = Field(..., max_length=2000)


class FalseReportOut(Schema):
    id: int
    report_id: int
    unit: UnitRef
    year: int
    month: int
    reason: str
    found_at: datetime


def _false_report(f: FalseReport) -> FalseReportOut:
    return FalseReportOut(
        id=f.pk,
        report_id=f.report_id,
        unit=unit_ref(f.unit),
        year=f.year,
        month=f.month,
        reason=f.reason,
        found_at=f.found_at,
    )


@router.get(
    "/false-reports",
    response={200: ListPage[FalseReportOut], **ERRORS},
    summary="虚假填报: reports returned as false (in scope), a page at a time",
)
def false_reports(request: HttpRequest, q: Query[CardQuery], paging: Query[PageParams]) -> Any:
    qs = sel.false_report_list(user=request_user(request), year=q.year, month=q.month)
    return _listed(qs, q, paging, _false_report)


@router.post(
    "/reports/{report_id}/false",
    response={200: FalseReportOut, **ERRORS},
    summary="Return a monthly report as false (office); it counts against the unit's card",
)
def report_false(request: HttpRequest, report_id: Path[Id], body: FalseReportIn) -> FalseReportOut:
    user = request_user(request)
    office_only(can_manage_supervision(user))
    report = sel.report_for_office(user=user, report_id=report_id)
    return _false_report(
        run_service(
            lambda: false_report_record(
                report=report, by=user, reason=body.reason, version=body.version
            )
        )
    )

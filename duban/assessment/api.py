"""API for the 1+N assessment, scoped like the pages: a unit sees its own events at once and a
ranking once published; the office everything. Out of scope answers 404. Every change of an
existing object sends the `version` it read."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from duban.assessment import selectors as sel
from duban.assessment.models import (
    Domain,
    Objection,
    Ranking,
    Rule,
    Scheme,
    ScoreEvent,
    ScoringRun,
    Source,
    Standing,
)
from duban.assessment.permissions import can_manage_assessment
from duban.assessment.services import manual as svc
from duban.assessment.services.schemes import RuleSpec, scheme_revise
from duban.assessment.services.scoring import events_compute, ranking_publish
from duban.core.api.errors import ERRORS, office_only, run_service
from duban.core.api.pagination import ListPage, PageParams, page_answer, paginate
from duban.core.api.params import MAX_ID, MAX_YEAR, MIN_YEAR, PERIOD_PATTERN, Id, Year
from duban.core.api.schemas import UnitRef, UserRef, unit_ref, user_ref
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.auth import TokenAuth, request_user
from duban.org.models import User

router = Router(tags=["assessment"], auth=TokenAuth())
PeriodText = Annotated[str, Field(pattern=PERIOD_PATTERN, description="A month, YYYY-MM")]
Points = Annotated[Decimal, Field(ge=-100, le=100, max_digits=6, decimal_places=2)]


# -- schemes ----------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    domain: Domain
    code: str
    description: str
    points: Decimal
    cap: Decimal | None
    automatic: bool
    source: str


class SchemeOut(Schema):
    id: int
    year: int
    number: int
    from_month: int
    name: str
    base_score: Decimal
    grade_by: Scheme.GradeBy
    bands: list[dict[str, str]]
    groups: dict[str, str]
    objection_days: int
    note: str
    rules: list[RuleOut]


def _rule(r: Rule) -> RuleOut:
    return RuleOut(
        id=r.pk,
        domain=Domain(r.domain),
        code=r.code,
        description=r.description,
        points=r.points,
        cap=r.cap,
        automatic=r.automatic,
        source=r.source,
    )


def _scheme(s: Scheme) -> SchemeOut:
    return SchemeOut(
        id=s.pk,
        year=s.year,
        number=s.number,
        from_month=s.from_month,
        name=s.name,
        base_score=s.base_score,
        grade_by=Scheme.GradeBy(s.grade_by),
        bands=[{str(k): str(v) for k, v in b.items()} for b in s.bands],
        groups={str(k): str(v) for k, v in s.groups.items()},
        objection_days=s.objection_days,
        note=s.note,
        rules=[_rule(r) for r in s.rules.all()],
    )


class AssessmentYearQuery(Schema):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR)


@router.get(
    "/assessment/schemes",
    response={200: ListPage[SchemeOut], **ERRORS},
    summary="考核办法: the schemes (versions) and their rules, a page at a time",
)
def schemes(request: HttpRequest, q: Query[AssessmentYearQuery], paging: Query[PageParams]) -> Any:
    return page_answer(sel.scheme_list(user=request_user(request), year=q.year), paging, _scheme)


class RuleIn(Schema):
    domain: Domain
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    description: str = Field(..., min_length=1, max_length=200)
    points: Points
    cap: Decimal | None = Field(None, ge=-1000, le=1000, max_digits=8, decimal_places=2)
    automatic: bool = True
    source: Source | None = None


class ReviseIn(Schema):
    from_month: int = Field(..., ge=1, le=12)
    rules: list[RuleIn] | None = Field(None, max_length=200)
    base_score: Decimal | None = Field(None, ge=0, le=1000, max_digits=8, decimal_places=2)
    objection_days: int | None = Field(None, ge=1, le=30)
    note: str = Field("", max_length=200)


@router.post(
    "/assessment/schemes/{year}/revise",
    response={200: SchemeOut, **ERRORS},
    summary="A new version of the year's scheme, from a month not yet published (office)",
)
def scheme_revise_api(request: HttpRequest, year: Path[Year], body: ReviseIn) -> SchemeOut:
    user = request_user(request)
    office_only(can_manage_assessment(user))
    specs = None
    if body.rules is not None:
        specs = [
            RuleSpec(r.domain, r.code, r.description, r.points, r.cap, r.automatic, r.source or "")
            for r in body.rules
        ]
    changes: dict[str, object] = {}
    if body.base_score is not None:
        changes["base_score"] = body.base_score
    if body.objection_days is not None:
        changes["objection_days"] = body.objection_days
    scheme = run_service(
        lambda: scheme_revise(
            year=year,
            from_month=body.from_month,
            by=user,
            rules=specs,
            changes=changes,
            note=body.note,
        )
    )
    return _scheme(scheme)


# -- events -----------------------------------------------------------------------------------


class ScoringRunOut(Schema):
    """The computation that last wrote an automatic event (its audit, with its origin)."""

    id: int
    at: datetime
    by: UserRef | None
    added: int
    changed: int
    removed: int


class ScoreEventOut(Schema):
    id: int
    version: int
    year: int
    month: int
    unit: UnitRef
    rule: str
    rule_description: str
    points: Decimal
    state: ScoreEvent.State
    origin: str
    origin_id: int | None
    origin_url: str
    label: str
    reason: str
    evidence: str
    approved_at: datetime | None
    objection_until: date | None = Field(
        description="the last day the reading unit may object (none: it may not object to this "
        "event, or the month's ranking is published)"
    )
    run: ScoringRunOut | None = Field(
        description="an automatic event: the scoring run that last wrote it (none: manual)"
    )


class ScoreEventPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ScoreEventOut]


def _run(run: ScoringRun | None) -> ScoringRunOut | None:
    if run is None:
        return None
    by = run.by
    return ScoringRunOut(
        id=run.pk,
        at=run.at,
        by=user_ref(by),
        added=run.added,
        changed=run.changed,
        removed=run.removed,
    )


def _events(user: User, events: list[ScoreEvent]) -> list[ScoreEventOut]:
    urls = sel.origin_urls(events, user=user)
    last_days = svc.objection_last_days(events, user=user)
    out = []
    for e in events:
        until = last_days.get(e.pk)
        out.append(
            ScoreEventOut(
                id=e.pk,
                version=e.version,
                year=e.year,
                month=e.month,
                unit=unit_ref(e.unit),
                rule=e.rule.code,
                rule_description=e.rule.description,
                points=e.points,
                state=ScoreEvent.State(e.state),
                origin=e.origin,
                origin_id=e.origin_id,
                origin_url=urls.get(e.pk, ""),
                label=e.label,
                reason=e.reason,
                evidence=e.evidence,
                approved_at=e.approved_at,
                objection_until=until,
                run=_run(e.run),
            )
        )
    return out


class EventQuery(Schema):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR)
    month: int | None = Field(None, ge=1, le=12)
    unit: int | None = Field(None, ge=1, le=MAX_ID)
    state: ScoreEvent.State | None = None


@router.get(
    "/assessment/events",
    response={200: ScoreEventPage, **ERRORS},
    summary="Score events in scope, each with its origin (a unit: its own, at once)",
)
def events(request: HttpRequest, q: Query[EventQuery], paging: Query[PageParams]) -> ScoreEventPage:
    user = request_user(request)
    qs = sel.event_list(user=user, year=q.year, month=q.month, unit_id=q.unit, state=q.state)
    page = paginate(qs, paging)
    return ScoreEventPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=_events(user, page.rows),
    )


@router.get(
    "/assessment/events/{event_id}", response={200: ScoreEventOut, **ERRORS}, summary="An event"
)
def event_detail(request: HttpRequest, event_id: Path[Id]) -> ScoreEventOut:
    user = request_user(request)
    return _events(user, [sel.event_get_for_user(user=user, event_id=event_id)])[0]


class ManualIn(Schema):
    unit: Id
    rule: Id
    period: PeriodText
    reason: str = Field(..., max_length=2000)
    evidence: str = Field(..., max_length=2000)


@router.post(
    "/assessment/events",
    response={200: ScoreEventOut, **ERRORS},
    summary="A manual bonus or deduction with evidence, pending a second office user (office)",
)
def manual_propose(request: HttpRequest, body: ManualIn) -> ScoreEventOut:
    user = request_user(request)
    office_only(can_manage_assessment(user))
    unit = sel.units_in_scope(user=user).filter(pk=body.unit).first()
    rule = Rule.objects.filter(pk=body.rule).first()
    if unit is None or rule is None:
        raise ApplicationError(_("单位或细则不存在。"), field="unit" if unit is None else "rule")
    event = run_service(
        lambda: svc.manual_event_propose(
            unit=unit,
            rule=rule,
            period=Period.parse(body.period),
            reason=body.reason,
            evidence=body.evidence,
            by=user,
        )
    )
    return _events(user, [event])[0]


class DecideIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID)
    note: str = Field("", max_length=500)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@router.post(
    "/assessment/events/{event_id}/review/{action}",
    response={200: ScoreEventOut, **ERRORS},
    summary="Approve or reject a manual event: an office user other than its author",
)
def manual_decide(
    request: HttpRequest, event_id: Path[Id], action: Decision, body: DecideIn
) -> ScoreEventOut:
    user = request_user(request)
    office_only(can_manage_assessment(user))
    e = sel.event_get_for_user(user=user, event_id=event_id)
    event = run_service(
        lambda: svc.manual_event_decide(
            event=e,
            approve=action == Decision.APPROVE,
            by=user,
            version=body.version,
            note=body.note,
        )
    )
    return _events(user, [event])[0]


# -- objections -------------------------------------------------------------------------------


class ObjectionOut(Schema):
    id: int
    version: int
    event_id: int
    unit: UnitRef
    reason: str
    state: Objection.State
    decision: str
    raised_at: datetime
    decided_at: datetime | None


def _objection(o: Objection) -> ObjectionOut:
    return ObjectionOut(
        id=o.pk,
        version=o.version,
        event_id=o.event_id,
        unit=unit_ref(o.unit),
        reason=o.reason,
        state=Objection.State(o.state),
        decision=o.decision,
        raised_at=o.created_at,
        decided_at=o.decided_at,
    )


class ObjectIn(Schema):
    reason: str = Field(..., max_length=2000)


@router.post(
    "/assessment/events/{event_id}/objections",
    response={200: ObjectionOut, **ERRORS},
    summary="A unit objects to one of its events, within the window",
)
def objection_raise(request: HttpRequest, event_id: Path[Id], body: ObjectIn) -> ObjectionOut:
    user = request_user(request)
    e = sel.event_get_for_user(user=user, event_id=event_id)
    o = run_service(lambda: svc.objection_raise(event=e, reason=body.reason, by=user))
    return _objection(o)


class ObjectionQuery(Schema):
    state: Objection.State | None = None


@router.get(
    "/assessment/objections",
    response={200: ListPage[ObjectionOut], **ERRORS},
    summary="Objections in scope, a page at a time",
)
def objections(request: HttpRequest, q: Query[ObjectionQuery], paging: Query[PageParams]) -> Any:
    qs = sel.objection_list(user=request_user(request), state=q.state)
    return page_answer(qs, paging, _objection)


class ObjectionDecision(StrEnum):
    UPHOLD = "uphold"
    CANCEL = "cancel"


class ObjectionDecideIn(Schema):
    version: int = Field(..., ge=1, le=MAX_ID)
    decision: str = Field(..., max_length=2000)


@router.post(
    "/assessment/objections/{objection_id}/{action}",
    response={200: ObjectionOut, **ERRORS},
    summary="Uphold the event or cancel it, with the reason (office)",
)
def objection_decide(
    request: HttpRequest,
    objection_id: Path[Id],
    action: ObjectionDecision,
    body: ObjectionDecideIn,
) -> ObjectionOut:
    user = request_user(request)
    office_only(can_manage_assessment(user))
    o = sel.objection_get_for_user(user=user, objection_id=objection_id)
    decided = run_service(
        lambda: svc.objection_decide(
            objection=o,
            cancel=action == ObjectionDecision.CANCEL,
            decision=body.decision,
            by=user,
            version=body.version,
        )
    )
    return _objection(decided)


# -- rankings ---------------------------------------------------------------------------------


class StandingOut(Schema):
    unit: UnitRef
    group: str
    points: Decimal
    score: Decimal
    ytd: Decimal
    rank: int
    previous_rank: int | None
    change: int | None
    grade: str


class RankingOut(Schema):
    year: int
    month: int
    scheme_version: int
    published: bool
    published_at: datetime | None
    span: Standing.Span
    standings: list[StandingOut]


def _ranking(r: Ranking, span: Standing.Span) -> RankingOut:
    rows = sel.ranking_standings(ranking=r, span=span)
    return RankingOut(
        year=r.year,
        month=r.month,
        scheme_version=r.scheme.number,
        published=r.published_at is not None,
        published_at=r.published_at,
        span=span,
        standings=[
            StandingOut(
                unit=unit_ref(s.unit),
                group=s.group,
                points=s.points,
                score=s.score,
                ytd=s.ytd,
                rank=s.rank,
                previous_rank=s.previous_rank,
                change=s.change,
                grade=s.grade,
            )
            for s in rows
        ],
    )


class RankingSummary(Schema):
    year: int
    month: int
    published: bool


@router.get(
    "/assessment/rankings",
    response={200: ListPage[RankingSummary], **ERRORS},
    summary="月榜: the months ranked (units: published only), a page at a time",
)
def rankings(request: HttpRequest, q: Query[AssessmentYearQuery], paging: Query[PageParams]) -> Any:
    qs = sel.ranking_list(user=request_user(request), year=q.year)
    return page_answer(
        qs,
        paging,
        lambda r: RankingSummary(year=r.year, month=r.month, published=r.published_at is not None),
    )


class SpanQuery(Schema):
    span: Standing.Span = Standing.Span.MONTH


@router.get(
    "/assessment/rankings/{period}",
    response={200: RankingOut, **ERRORS},
    summary="A month's ranking by group with rank change; quarter and year spans with grades",
)
def ranking_detail(
    request: HttpRequest, period: Path[PeriodText], q: Query[SpanQuery]
) -> RankingOut:
    ranking = sel.ranking_get_for_user(user=request_user(request), period=Period.parse(period))
    return _ranking(ranking, q.span)


class RankingAction(StrEnum):
    COMPUTE = "compute"
    PUBLISH = "publish"


@router.post(
    "/assessment/rankings/{period}/{action}",
    response={200: RankingOut, **ERRORS},
    summary="Score a closed month again (idempotent) or publish its ranking (office)",
)
def ranking_act(
    request: HttpRequest, period: Path[PeriodText], action: RankingAction
) -> RankingOut:
    user = request_user(request)
    office_only(can_manage_assessment(user))
    p = Period.parse(period)
    if action == RankingAction.PUBLISH:
        ranking = run_service(lambda: ranking_publish(period=p, by=user))
    else:
        ranking = run_service(lambda: events_compute(period=p, by=user))
    return _ranking(ranking, Standing.Span.MONTH)

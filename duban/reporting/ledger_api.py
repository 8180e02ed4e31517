"""API: the ledger's work items, with their figures for a month, in the user's scope; the
office replaces an item's funding breakdown and monthly plan curve.

Errors are JSON `{"detail": …}`: 403 when the role may not edit the ledger, 404 for a missing or
out-of-scope item, 409 when the item changed since `version`, 422 for invalid data (the
message says why)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from duban.core.api.errors import ERRORS, run_service
from duban.core.api.pagination import PageParams, PageSlice, paginate
from duban.core.api.params import MAX_ID, MAX_YEAR, MIN_YEAR, Id
from duban.core.api.schemas import (
    DecimalStr,
    FiguresOut,
    Money,
    UnitRef,
    UserRef,
    unit_ref,
    user_ref,
)
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.ledger.models import FundingSource, Project, WorkItem
from duban.ledger.permissions import can_edit_work_item
from duban.ledger.selectors import (
    WorkItemFilters,
    indicators_for_item,
    milestones_for_item,
    work_item_get_for_user,
    work_item_list,
)
from duban.ledger.services import FUNDING_MAX_LINES, funding_set, work_item_set_plan_curve
from duban.org.auth import request_user
from duban.reporting.params import PERIOD_DESCRIPTION, PERIOD_PATTERN, period_param
from duban.reporting.progress import ItemFigures, ItemProgress, Light, ReportStatus
from duban.reporting.selectors import ids_with_light, progress_for_items

router = Router(tags=["ledger"])


class WorkItemQuery(Schema):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="年度")
    unit: int | None = Field(
        None, ge=1, le=MAX_ID, description="Unit id: items it leads or co-operates on"
    )
    level: WorkItem.Level | None = None
    kind: WorkItem.Kind | None = None
    category: WorkItem.Category | None = None
    stage: Project.Stage | None = Field(None, description="The project's stage")
    status: WorkItem.Status | None = None
    leader: int | None = Field(None, ge=1, le=MAX_ID, description="Lead leader's user id")
    q: str | None = Field(None, max_length=100, description="In the title or the project code")
    period: str | None = Field(None, pattern=PERIOD_PATTERN, description=PERIOD_DESCRIPTION)
    light: Light | None = Field(None, description="Only items with this light for the period")


class PeriodQuery(Schema):
    period: str | None = Field(None, pattern=PERIOD_PATTERN, description=PERIOD_DESCRIPTION)


class ReasonOut(Schema):
    code: str = Field(
        description="behind, overdue, due_soon, not_started, not_in_statistics, "
        "milestone_overdue, milestone_due_soon, indicator_overdue, "
        "indicator_due_soon, indicator_behind or done"
    )
    light: Light
    text: str = Field(description="The reason as a sentence, in the request's language")
    params: dict[str, Any]


class ProgressOut(Schema):
    period: str
    light: Light = Field(description="green, yellow or red, computed by the progress core")
    light_label: str
    reasons: list[ReasonOut]
    report: ReportStatus = Field(description="The month's report: on_time, late, missing, not_due")
    report_counted: bool = Field(description="Whether the month's report counts in figures")
    start: str = Field(description="none, started, not_due, due (this month) or late")
    statistics: str = Field(description="入统: none (not applicable), in or not_yet")
    milestones_due: int
    milestones_overdue: int
    as_of: date = Field(description="The day dates were judged on")
    frozen: bool = Field(description="True when read from the closed month's snapshot")
    rules_version: int = Field(description="The version of the light rules that made it")


def progress_out(p: ItemProgress) -> ProgressOut:
    return ProgressOut(
        period=str(p.period),
        light=p.light,
        light_label=str(p.light.label),
        reasons=[
            ReasonOut(code=r.code, light=r.light, text=r.text, params=dict(r.params))
            for r in p.reasons
        ],
        report=p.report,
        report_counted=p.report_counted,
        start=str(p.start),
        statistics=str(p.statistics),
        milestones_due=p.milestones_due,
        milestones_overdue=p.milestones_overdue,
        as_of=p.as_of,
        frozen=p.frozen,
        rules_version=p.rules_version,
    )


class WorkItemOut(Schema):
    id: int
    year: int
    kind: WorkItem.Kind
    kind_label: str
    seq: str = Field(description="序号 in the ledger")
    title: str
    project_id: int | None
    project_code: str | None = Field(description="项目代码 (24 characters); null for a task")
    lead_unit: UnitRef
    co_units: list[UnitRef]
    lead_leader: UserRef | None
    steward: UserRef | None
    level: WorkItem.Level
    level_label: str
    category: str = Field(description="new, continuing, completing, preliminary or empty")
    category_label: str
    status: WorkItem.Status
    status_label: str
    annual_plan: Money | None = Field(description="年度计划投资 (万元)")
    planned_start: date | None
    actual_start: date | None
    planned_finish: date | None
    actual_finish: date | None
    in_statistics: bool
    figures: FiguresOut | None = Field(
        description="Figures for the requested period; null for an item of another year"
    )
    progress: ProgressOut | None = Field(
        description="The light and its reasons for the requested period (null: another year, "
        "or a closed month that did not hold the item)"
    )


class WorkItemPage(Schema):
    count: int
    page: int
    page_size: int
    period: str = Field(description="YYYY-MM the figures are computed for")
    items: list[WorkItemOut]


class OwnerOut(Schema):
    name: str
    credit_code: str = Field(description="统一社会信用代码")


class ProjectOut(Schema):
    id: int
    code: str | None
    name: str
    owner: OwnerOut | None = Field(description="建设单位")
    location: str
    scale_content: str = Field(description="建设规模及内容")
    start_year: int | None
    end_year: int | None
    total_investment: Money | None = Field(description="总投资 (万元)")
    stage: Project.Stage
    stage_label: str
    nature: str = Field(description="government, approval, filing or empty")
    nature_label: str
    industry: Project.Industry
    industry_label: str


class FundingOut(Schema):
    source: FundingSource.Source
    source_label: str
    amount: Money
    note: str


class PlanMonthOut(Schema):
    month: int
    amount: Money


class IndicatorOut(Schema):
    id: int
    name: str
    unit_of_measure: str
    baseline: DecimalStr | None
    target: DecimalStr | None
    deadline: date | None
    weight: DecimalStr


class MilestoneOut(Schema):
    id: int
    sort_order: int
    name: str
    planned_date: date | None
    actual_date: date | None
    responsible_unit: UnitRef | None


class WorkItemDetailOut(WorkItemOut):
    version: int = Field(description="Send it back with a change; a stale one answers 409")
    content_scale: str = Field(description="内容规模/工作目标")
    schedule: str = Field(description="进度安排")
    source: str
    assigned_on: date | None
    prior_cumulative: Money = Field(description="以前年度累计完成投资 (万元)")
    in_statistics_date: date | None
    handed_out_at: datetime | None = Field(description="下达时间")
    project: ProjectOut | None
    funding: list[FundingOut] = Field(description="资金来源")
    plan_curve: list[PlanMonthOut] = Field(description="Monthly plan (万元); empty: straight m/12")
    indicators: list[IndicatorOut]
    milestones: list[MilestoneOut]


def figures_out(figures: ItemFigures, period: Period) -> FiguresOut:
    return FiguresOut(
        period=str(period),
        investment_month=figures.investment_month,
        ytd_investment=figures.ytd_investment,
        since_start=figures.since_start,
        completion_pct=figures.completion_pct,
        time_progress_pct=figures.time_progress_pct,
        gap_pp=figures.gap_pp,
        gap_text=figures.gap_text,
        uses_plan_curve=figures.uses_plan_curve,
    )


def _item_fields(item: WorkItem, progress: ItemProgress | None) -> dict[str, object]:
    return {
        "id": item.pk,
        "year": item.year,
        "kind": item.kind,
        "kind_label": str(item.get_kind_display()),
        "seq": item.seq,
        "title": item.title,
        "project_id": item.project_id,
        "project_code": item.project.code if item.project else None,
        "lead_unit": unit_ref(item.lead_unit),
        # Prefetched by the selector: `.all()` reads the cache, no query per item.
        "co_units": [unit_ref(u) for u in item.co_units.all()],
        "lead_leader": user_ref(item.lead_leader),
        "steward": user_ref(item.steward),
        "level": item.level,
        "level_label": str(item.get_level_display()),
        "category": item.category,
        "category_label": str(item.get_category_display()) if item.category else "",
        "status": item.status,
        "status_label": str(item.get_status_display()),
        "annual_plan": item.annual_plan,
        "planned_start": item.planned_start,
        "actual_start": item.actual_start,
        "planned_finish": item.planned_finish,
        "actual_finish": item.actual_finish,
        "in_statistics": item.in_statistics,
        "figures": figures_out(progress.figures, progress.period) if progress else None,
        "progress": progress_out(progress) if progress else None,
    }


def _funding_out(item: WorkItem) -> list[FundingOut]:
    return [
        FundingOut(
            source=FundingSource.Source(f.source),
            source_label=str(f.get_source_display()),
            amount=f.amount,
            note=f.note,
        )
        for f in item.funding.all()
    ]


def _plan_curve_out(item: WorkItem) -> list[PlanMonthOut]:
    return [PlanMonthOut(month=p.month, amount=p.amount) for p in item.plan_months.all()]


def _project_out(project: Project | None) -> ProjectOut | None:
    if project is None:
        return None
    owner = project.owner
    return ProjectOut(
        id=project.pk,
        code=project.code,
        name=project.name,
        owner=None if owner is None else OwnerOut(name=owner.name, credit_code=owner.credit_code),
        location=project.location,
        scale_content=project.scale_content,
        start_year=project.start_year,
        end_year=project.end_year,
        total_investment=project.total_investment,
        stage=Project.Stage(project.stage),
        stage_label=str(project.get_stage_display()),
        nature=project.nature,
        nature_label=str(project.get_nature_display()) if project.nature else "",
        industry=Project.Industry(project.industry),
        industry_label=str(project.get_industry_display()),
    )


def paginate_ids(qs: Any, ids: list[int], params: PageParams) -> PageSlice[WorkItem]:
    """One page of `qs` restricted to `ids`, in the order of `ids`."""
    size = params.size
    offset = (params.page - 1) * size
    wanted = ids[offset : offset + size]
    found = {i.pk: i for i in qs.filter(pk__in=wanted)}
    return PageSlice(
        count=len(ids),
        page=params.page,
        page_size=size,
        rows=[found[pk] for pk in wanted if pk in found],
    )


@router.get(
    "/work-items",
    response={200: WorkItemPage, **ERRORS},
    summary="Work items in the user's scope, with figures for a month",
)
def work_items(
    request: HttpRequest, filters: Query[WorkItemQuery], paging: Query[PageParams]
) -> WorkItemPage:
    """Filters combine with AND. The figures are computed in the same query as the items."""
    user = request_user(request)
    period = period_param(filters.period, year=filters.year, user=user)
    qs = work_item_list(
        user=user,
        filters=WorkItemFilters(
            year=filters.year,
            unit=filters.unit,
            level=filters.level,
            kind=filters.kind,
            category=filters.category,
            stage=filters.stage,
            status=filters.status,
            leader=filters.leader,
            q=filters.q,
        ),
    )
    if filters.light is not None:
        # The light is derived, not stored: the core computes it for the filtered items (in a
        # fixed number of queries), and the page is cut from the matching ids in list order.
        page = paginate_ids(qs, ids_with_light(qs, period, [filters.light]), paging)
    else:
        page = paginate(qs, paging)
    progress = progress_for_items([i for i in page.rows if i.year == period.year], period)
    items = [
        WorkItemOut(**_item_fields(item, progress.get(item.pk)))  # type: ignore[arg-type]
        for item in page.rows
    ]
    return WorkItemPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        period=str(period),
        items=items,
    )


@router.get(
    "/work-items/{item_id}",
    response={200: WorkItemDetailOut, **ERRORS},
    summary="One work item with its project, funding, plan curve, indicators and milestones",
)
def work_item_detail(
    request: HttpRequest, item_id: Path[Id], query: Query[PeriodQuery]
) -> WorkItemDetailOut:
    """An item outside the user's scope answers 404, exactly like a missing one."""
    user = request_user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    period = period_param(query.period, year=item.year, user=user)
    progress = None
    if item.year == period.year:
        progress = progress_for_items([item], period).get(item.pk)
    return WorkItemDetailOut(
        **_item_fields(item, progress),  # type: ignore[arg-type]
        version=item.version,
        content_scale=item.content_scale,
        schedule=item.schedule,
        source=item.source,
        assigned_on=item.assigned_on,
        prior_cumulative=item.prior_cumulative,
        in_statistics_date=item.in_statistics_date,
        handed_out_at=item.handed_out_at,
        project=_project_out(item.project),
        funding=_funding_out(item),
        plan_curve=_plan_curve_out(item),
        indicators=[
            IndicatorOut(
                id=i.pk,
                name=i.name,
                unit_of_measure=i.unit_of_measure,
                baseline=i.baseline,
                target=i.target,
                deadline=i.deadline,
                weight=i.weight,
            )
            for i in indicators_for_item(item)
        ],
        milestones=[
            MilestoneOut(
                id=m.pk,
                sort_order=m.sort_order,
                name=m.name,
                planned_date=m.planned_date,
                actual_date=m.actual_date,
                responsible_unit=unit_ref(m.responsible_unit) if m.responsible_unit else None,
            )
            for m in milestones_for_item(item)
        ],
    )


def _editable_item(request: HttpRequest, item_id: int) -> WorkItem:
    """The item in the user's scope (else 404) that the user may edit (else 403)."""
    user = request_user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    if not can_edit_work_item(user, item):
        raise ApplicationError(_("只有推进办可以修改台账。"), code="forbidden")
    return item


class FundingLineIn(Schema):
    source: FundingSource.Source
    amount: Decimal = Field(description="万元, ≥ 0, at most 4 decimals; a string keeps it exact")
    note: str = Field("", max_length=2000)  # the service names the row past 200


class FundingIn(Schema):
    version: int = Field(description="The item's version as read; a stale one answers 409")
    funding: list[FundingLineIn] = Field(
        max_length=FUNDING_MAX_LINES, description="The whole breakdown; [] removes it"
    )


class FundingListOut(Schema):
    version: int = Field(description="The item's version after the change")
    total: Money = Field(description="Sum of the lines (万元)")
    funding: list[FundingOut]


class PlanMonthIn(Schema):
    month: int = Field(ge=1, le=12)
    amount: Decimal = Field(description="万元, ≥ 0, at most 4 decimals; a string keeps it exact")


class PlanCurveIn(Schema):
    version: int = Field(description="The item's version as read; a stale one answers 409")
    plan_curve: list[PlanMonthIn] = Field(
        max_length=12,
        description="Months 1–12 adding up to the annual plan; a month left out counts as 0; "
        "[] removes the curve (序时进度 is then m/12)",
    )


class PlanCurveOut(Schema):
    version: int = Field(description="The item's version after the change")
    annual_plan: Money | None = Field(description="年度计划投资 (万元)")
    plan_curve: list[PlanMonthOut]


@router.put(
    "/work-items/{item_id}/funding",
    response={200: FundingListOut, **ERRORS},
    summary="Replace a work item's funding breakdown (资金来源)",
)
def work_item_funding_put(
    request: HttpRequest, item_id: Path[Id], body: FundingIn
) -> FundingListOut:
    """The office only. The total may not exceed the project's total investment."""
    item = _editable_item(request, item_id)
    lines = [(line.source.value, line.amount, line.note) for line in body.funding]
    run_service(
        lambda: funding_set(item=item, lines=lines, version=body.version, by=request_user(request))
    )
    item = WorkItem.objects.get(pk=item.pk)
    funding = _funding_out(item)
    return FundingListOut(
        version=item.version, total=sum((f.amount for f in funding), Decimal(0)), funding=funding
    )


@router.put(
    "/work-items/{item_id}/plan-curve",
    response={200: PlanCurveOut, **ERRORS},
    summary="Replace a work item's monthly plan curve (月度计划)",
)
def work_item_plan_curve_put(
    request: HttpRequest, item_id: Path[Id], body: PlanCurveIn
) -> PlanCurveOut:
    """The office only. The months must add up to the item's annual plan."""
    item = _editable_item(request, item_id)
    by_month: dict[int, Decimal] = {}
    for entry in body.plan_curve:
        if entry.month in by_month:
            raise ApplicationError(_("%(m)s月重复出现。") % {"m": entry.month}, field="plan_curve")
        by_month[entry.month] = entry.amount
    amounts = [by_month.get(month) for month in range(1, 13)] if by_month else []
    run_service(
        lambda: work_item_set_plan_curve(
            item=item, amounts=amounts, version=body.version, by=request_user(request)
        )
    )
    item = WorkItem.objects.get(pk=item.pk)
    return PlanCurveOut(
        version=item.version, annual_plan=item.annual_plan, plan_curve=_plan_curve_out(item)
    )

"""API: monthly reports with their derived figures, in the user's scope."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from duban.core.api.pagination import PageParams, paginate
from duban.core.api.params import MAX_ID, MAX_YEAR, MIN_YEAR, Id
from duban.core.api.schemas import DecimalStr, ErrorOut, FiguresOut, Money, UnitRef, UserRef
from duban.ledger.api import figures_out, unit_ref, user_ref
from duban.ledger.models import WorkItem
from duban.ledger.selectors import work_item_get_for_user
from duban.org.auth import request_user
from duban.reporting.models import MonthlyReport
from duban.reporting.selectors import (
    ReportFilters,
    report_figures_of,
    report_get_for_user,
    report_list,
    reports_with_figures,
)

router = Router(tags=["reporting"])


class ReportQuery(Schema):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR)
    month: int | None = Field(None, ge=1, le=12)
    unit: int | None = Field(
        None, ge=1, le=MAX_ID, description="Lead unit id of the report's work item"
    )
    state: MonthlyReport.State | None = None


class ReportItemRef(Schema):
    id: int
    year: int
    kind: WorkItem.Kind
    title: str
    project_code: str | None
    lead_unit: UnitRef


class ReportOut(Schema):
    id: int
    work_item: ReportItemRef
    year: int
    month: int
    period: str = Field(description="YYYY-MM")
    state: MonthlyReport.State
    state_label: str
    investment_month: Money | None = Field(description="本月完成投资 (万元), as filled in")
    funds_month: Money | None = Field(description="本月资金到位 (万元)")
    progress_text: str = Field(description="形象进度")
    progress_pct: DecimalStr | None = Field(description="形象进度 (%)")
    started: bool
    started_on: date | None
    in_statistics: bool
    in_statistics_on: date | None
    no_change: bool = Field(description="无变化")
    return_reason: str
    times_returned: int
    created_by: UserRef | None
    submitted_at: datetime | None
    first_submitted_at: datetime | None
    reviewed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    figures: FiguresOut = Field(
        description=(
            "The item's figures for the report's month from counted (submitted or accepted) "
            "reports: a draft's own amount is not counted until it is submitted"
        )
    )


class IndicatorValueOut(Schema):
    indicator_id: int
    name: str
    unit_of_measure: str
    target: DecimalStr | None
    value: DecimalStr | None
    note: str


class MilestoneReachedOut(Schema):
    milestone_id: int
    name: str
    reached_on: date


class ReportDetailOut(ReportOut):
    problems_text: str = Field(description="存在问题")
    next_steps: str = Field(description="下步计划")
    signed_off_by: UserRef | None
    reviewed_by: UserRef | None
    indicator_values: list[IndicatorValueOut]
    milestones_reached: list[MilestoneReachedOut]


class ReportPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ReportOut]


def _report_fields(report: MonthlyReport) -> dict[str, object]:
    item = report.work_item
    return {
        "id": report.pk,
        "work_item": ReportItemRef(
            id=item.pk,
            year=item.year,
            kind=WorkItem.Kind(item.kind),
            title=item.title,
            project_code=item.project.code if item.project else None,
            lead_unit=unit_ref(item.lead_unit),
        ),
        "year": report.year,
        "month": report.month,
        "period": str(report.period),
        "state": report.state,
        "state_label": str(report.get_state_display()),
        "investment_month": report.investment_month,
        "funds_month": report.funds_month,
        "progress_text": report.progress_text,
        "progress_pct": report.progress_pct,
        "started": report.started,
        "started_on": report.started_on,
        "in_statistics": report.in_statistics,
        "in_statistics_on": report.in_statistics_on,
        "no_change": report.no_change,
        "return_reason": report.return_reason,
        "times_returned": report.times_returned,
        "created_by": user_ref(report.created_by),
        "submitted_at": report.submitted_at,
        "first_submitted_at": report.first_submitted_at,
        "reviewed_at": report.reviewed_at,
        "created_at": report.created_at,
        "updated_at": report.updated_at,
        "figures": figures_out(report_figures_of(report), report.period),
    }


def _page(request: HttpRequest, filters: ReportFilters, paging: PageParams) -> ReportPage:
    qs = reports_with_figures(report_list(user=request_user(request), filters=filters))
    page = paginate(qs, paging)
    return ReportPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[ReportOut(**_report_fields(r)) for r in page.rows],  # type: ignore[arg-type]
    )


@router.get(
    "/reports",
    response={200: ReportPage, 401: ErrorOut, 422: ErrorOut},
    summary="Monthly reports in the user's scope, newest month first",
)
def reports(
    request: HttpRequest, filters: Query[ReportQuery], paging: Query[PageParams]
) -> ReportPage:
    return _page(
        request,
        ReportFilters(
            year=filters.year, month=filters.month, unit=filters.unit, state=filters.state
        ),
        paging,
    )


@router.get(
    "/work-items/{item_id}/reports",
    response={200: ReportPage, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="The monthly reports of one work item",
)
def work_item_reports(
    request: HttpRequest, item_id: Path[Id], paging: Query[PageParams]
) -> ReportPage:
    """An item outside the user's scope answers 404, exactly like a missing one."""
    item = work_item_get_for_user(user=request_user(request), item_id=item_id)
    return _page(request, ReportFilters(item=item.pk), paging)


@router.get(
    "/reports/{report_id}",
    response={200: ReportDetailOut, 401: ErrorOut, 404: ErrorOut},
    summary="One monthly report with its derived figures, indicator values and nodes reached",
)
def report_detail(request: HttpRequest, report_id: Path[Id]) -> ReportDetailOut:
    """A report outside the user's scope answers 404, exactly like a missing one."""
    report = report_get_for_user(user=request_user(request), report_id=report_id)
    # Scoped above; this second read only adds the figures' subqueries.
    report = (
        reports_with_figures(MonthlyReport.objects.filter(pk=report.pk))
        .select_related(
            "work_item",
            "work_item__lead_unit",
            "work_item__project",
            "created_by",
            "signed_off_by",
            "reviewed_by",
        )
        .get()
    )
    values = report.indicator_values.select_related("indicator").order_by(
        "indicator__sort_order", "indicator_id"
    )
    reached = report.milestones_reached.select_related("milestone").order_by(
        "milestone__sort_order", "milestone_id"
    )
    return ReportDetailOut(
        **_report_fields(report),  # type: ignore[arg-type]
        problems_text=report.problems_text,
        next_steps=report.next_steps,
        signed_off_by=user_ref(report.signed_off_by),
        reviewed_by=user_ref(report.reviewed_by),
        indicator_values=[
            IndicatorValueOut(
                indicator_id=v.indicator_id,
                name=v.indicator.name,
                unit_of_measure=v.indicator.unit_of_measure,
                target=v.indicator.target,
                value=v.value,
                note=v.note,
            )
            for v in values
        ],
        milestones_reached=[
            MilestoneReachedOut(
                milestone_id=r.milestone_id, name=r.milestone.name, reached_on=r.reached_on
            )
            for r in reached
        ],
    )

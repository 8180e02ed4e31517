"""API: monthly reports with their derived figures, in the user's scope."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from duban.core.api.errors import ERRORS, run_service
from duban.core.api.pagination import PageParams, paginate
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
from duban.core.money import to_decimal
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import work_item_get_for_user
from duban.org.auth import request_user
from duban.org.models import User
from duban.reporting.ledger_api import figures_out
from duban.reporting.models import IndicatorValue, MonthClose, MonthlyReport, ReportMilestone
from duban.reporting.progress import ItemProgress
from duban.reporting.selectors import (
    ReportFilters,
    report_get_for_user,
    report_list,
    report_progress,
    reports_progress,
)
from duban.reporting.services import (
    month_close,
    month_close_blockers,
    month_close_refusal,
    report_correct,
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
    version: int = Field(description="Send it back with a change; a stale one answers 409")
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
    figures: FiguresOut | None = Field(
        description=(
            "The item's figures for the report's month from counted (submitted or accepted) "
            "reports: a draft's own amount is not counted until it is submitted; a closed "
            "month's figures are read from its snapshot. Null in the answer to a write (put, "
            "batch, submit, sign-off, accept, return, no change): a write does not recompute "
            "them; read the report (`GET /reports/{id}`) for them"
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


def _report_fields(report: MonthlyReport, progress: ItemProgress | None) -> dict[str, object]:
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
        "version": report.version,
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
        "figures": figures_out(progress.figures, report.period) if progress else None,
    }


def _page(request: HttpRequest, filters: ReportFilters, paging: PageParams) -> ReportPage:
    page = paginate(report_list(user=request_user(request), filters=filters), paging)
    progress = reports_progress(page.rows)
    return ReportPage(
        count=page.count,
        page=page.page,
        page_size=page.page_size,
        items=[
            ReportOut(**_report_fields(r, progress.get(r.pk)))  # type: ignore[arg-type]
            for r in page.rows
        ],
    )


@router.get(
    "/reports",
    response={200: ReportPage, **ERRORS},
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
    response={200: ReportPage, **ERRORS},
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
    response={200: ReportDetailOut, **ERRORS},
    summary="One monthly report with its derived figures, indicator values and nodes reached",
)
def report_detail(request: HttpRequest, report_id: Path[Id]) -> ReportDetailOut:
    """A report outside the user's scope answers 404, exactly like a missing one."""
    report = report_get_for_user(user=request_user(request), report_id=report_id)
    return report_detail_out(report.pk)


def report_detail_out(report_id: int, *, figures: bool = True) -> ReportDetailOut:
    """The detail of a report already in the user's scope (a write's answer reuses it, without
    `figures`: the month-end burst must not recompute an item's figures on every write)."""
    report = (
        MonthlyReport.objects.filter(pk=report_id)
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
    return report_detail_of(
        report,
        values=list(values),
        reached=list(reached),
        progress=report_progress(report) if figures else None,
    )


def report_detail_of(
    report: MonthlyReport,
    *,
    values: Sequence[IndicatorValue] = (),
    reached: Sequence[ReportMilestone] = (),
    progress: ItemProgress | None = None,
) -> ReportDetailOut:
    """The detail of a report held in memory as stored, with its item (lead unit, project),
    people, values and nodes loaded (in their display order): no query. A write that has
    just stored a new report answers with it instead of reading it back."""
    return ReportDetailOut(
        **_report_fields(report, progress),  # type: ignore[arg-type]
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


class BlockerOut(Schema):
    report_id: int
    item_title: str
    unit_name: str
    state_label: str


class MonthCloseOut(Schema):
    period: str
    closed: bool
    closed_at: datetime | None
    closed_by: UserRef | None
    as_of: date | None = Field(description="The day the frozen lights were judged on")
    rules_version: int | None
    summary: dict[str, int] = Field(
        description="Frozen counts: items, units, green, yellow, red, reports_due, on_time, "
        "late, missing"
    )
    refusal: str | None = Field(description="Why the month cannot be closed now (null: it can)")
    blockers: list[BlockerOut] = Field(description="Reports waiting for sign-off or review")


def _require_office(request: HttpRequest) -> User:
    user = request_user(request)
    if not user.is_office:
        raise ApplicationError(_("只有推进办可以关账。"), code="forbidden")
    return user


def _month_out(period: Period) -> MonthCloseOut:
    close = MonthClose.objects.filter(year=period.year, month=period.month).first()
    return MonthCloseOut(
        period=str(period),
        closed=close is not None,
        closed_at=close.created_at if close else None,
        closed_by=user_ref(close.closed_by) if close else None,
        as_of=close.as_of if close else None,
        rules_version=close.rules_id if close else None,
        summary=dict(close.summary) if close else {},
        refusal=None if close else month_close_refusal(period),
        blockers=[] if close else [BlockerOut(**vars(b)) for b in month_close_blockers(period)],
    )


def _period(text: str) -> Period:
    return run_service(lambda: Period.parse(text))


@router.get(
    "/months/{period}",
    response={200: MonthCloseOut, **ERRORS},
    summary="A month's close: frozen counts when closed, else what blocks it (office)",
)
def month_status(request: HttpRequest, period: str) -> MonthCloseOut:
    _require_office(request)
    return _month_out(_period(period))


@router.post(
    "/months/{period}/close",
    response={200: MonthCloseOut, **ERRORS},
    summary="Close a month: lock its reports, freeze every item's figures and light (office)",
)
def month_close_api(request: HttpRequest, period: str) -> MonthCloseOut:
    """422 with the reason when the month has not ended, is already closed or has reports
    waiting; 409 when another office closed it at the same moment. There is no reopening."""
    user = _require_office(request)
    p = _period(period)
    run_service(lambda: month_close(period=p, by=user))
    return _month_out(p)


class CorrectionIn(Schema):
    version: int = Field(description="The report's version, as read from /reports/{id}")
    reason: str = Field(
        min_length=1, max_length=2000, description="Why the closed month is corrected"
    )
    investment_month: DecimalStr | None = None
    funds_month: DecimalStr | None = None
    progress_text: str | None = Field(None, max_length=5000)
    progress_pct: DecimalStr | None = None


class CorrectionOut(Schema):
    id: int
    report_id: int
    reason: str
    counted_from: str = Field(description="The first open month the corrected figures count in")
    old_values: dict[str, Any]
    new_values: dict[str, Any]


@router.post(
    "/reports/{report_id}/correction",
    response={200: CorrectionOut, **ERRORS},
    summary="Correct a report of a closed month (office, with a reason)",
)
def report_correction(
    request: HttpRequest, report_id: Path[Id], body: CorrectionIn
) -> CorrectionOut:
    """The closed month keeps its frozen figures; the corrected ones count from the next open
    month of the year, where the correction is listed."""
    user = request_user(request)
    report = report_get_for_user(user=user, report_id=report_id)
    values = {
        k: to_decimal(v) if k != "progress_text" else v
        for k, v in body.dict(exclude_unset=True, exclude={"version", "reason"}).items()
    }
    c = run_service(
        lambda: report_correct(
            report=report, by=user, version=body.version, reason=body.reason, values=values
        )
    )
    return CorrectionOut(
        id=c.pk,
        report_id=c.report_id,
        reason=c.reason,
        counted_from=str(c.counted_from),
        old_values=c.old_values,
        new_values=c.new_values,
    )

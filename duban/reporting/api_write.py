"""API: the monthly job written by a unit's own system — fill, submit, sign off, accept, return,
no change, and a unit's whole month in one all-or-nothing batch.

Every endpoint calls the same service as the report page; scope as the reads: an item, report
or unit outside the user's scope answers 404. A report that exists is changed only with the
`version` read (a stale one answers 409). Send an `Idempotency-Key` header to retry safely.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Schema, Status
from pydantic import Field

from duban.core.api.errors import ERRORS, errors_or, run_service
from duban.core.api.params import MAX_ID, Id
from duban.core.api.schemas import DecimalStr, UnitRef, unit_ref
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import work_item_get_for_user, work_item_list
from duban.org.auth import request_user
from duban.org.models import Unit, User
from duban.org.selectors import unit_get_for_user
from duban.reporting.api import ReportDetailOut, report_detail_of, report_detail_out
from duban.reporting.models import MonthlyReport
from duban.reporting.permissions import can_fill_report, can_fill_unit_reports
from duban.reporting.selectors import report_get_for_user
from duban.reporting.services import (
    BatchResult,
    BatchRow,
    BatchRowsError,
    report_accept,
    report_no_change,
    report_put,
    report_return,
    report_sign_off,
    report_submit,
    reports_batch_save,
)
from duban.sheets.api import SheetIssueOut, issue_out

router = Router(tags=["reporting"])

MAX_BATCH = 2000


class IndicatorValueIn(Schema):
    indicator_id: int = Field(ge=1, le=MAX_ID)
    value: DecimalStr | None = None
    note: str = Field("", max_length=500)


class MilestoneReachedIn(Schema):
    milestone_id: int = Field(ge=1, le=MAX_ID)
    reached_on: date | None = Field(description="null: not reached (clears it)")


class ReportFieldsIn(Schema):
    """The fields to save; a field left out keeps its value."""

    investment_month: DecimalStr | None = Field(None, description="本月完成投资 (万元)")
    funds_month: DecimalStr | None = Field(None, description="本月资金到位 (万元)")
    progress_text: str | None = Field(None, max_length=5000, description="形象进度/工作进展")
    progress_pct: DecimalStr | None = Field(None, description="形象进度 (%)")
    started: bool | None = None
    started_on: date | None = None
    in_statistics: bool | None = None
    in_statistics_on: date | None = None
    problems_text: str | None = Field(None, max_length=5000, description="存在问题")
    next_steps: str | None = Field(None, max_length=5000, description="下步计划")
    indicator_values: list[IndicatorValueIn] | None = Field(None, max_length=200)
    milestones_reached: list[MilestoneReachedIn] | None = Field(None, max_length=200)


class ReportPutIn(ReportFieldsIn):
    version: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Required when the report exists (as read); leave out to create it",
    )
    submit: bool = Field(False, description="Submit after saving, in the same step")


class BatchRowIn(ReportFieldsIn):
    work_item: int = Field(ge=1, le=MAX_ID, description="The work item's id (led by the unit)")
    version: int | None = Field(
        None, ge=1, le=MAX_ID, description="Required when the item's report exists"
    )


class BatchIn(Schema):
    submit: bool = Field(False, description="Submit every report after saving")
    rows: list[BatchRowIn] = Field(min_length=1, max_length=MAX_BATCH)


class BatchRowOut(Schema):
    row: int = Field(description="1-based position in `rows`")
    work_item: int
    report_id: int
    version: int
    state: MonthlyReport.State
    created: bool


class BatchOut(Schema):
    unit: UnitRef
    period: str
    saved: int
    submitted: int
    rows: list[BatchRowOut]


class BatchErrorOut(Schema):
    detail: str
    errors: list[SheetIssueOut] = Field(
        description="Each refused row (sheet `batch`, `row` its 1-based position, `header` the "
        "field), in the words the monthly workbook import uses"
    )


class VersionIn(Schema):
    version: int = Field(ge=1, le=MAX_ID, description="The report's version, as read")


class NoChangeIn(Schema):
    version: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Required when the month's report exists (as read); leave out to create it",
    )


class ReturnIn(VersionIn):
    reason: str = Field(min_length=1, max_length=2000, description="Why it is returned")


def _period(text: str) -> Period:
    return run_service(lambda: Period.parse(text))


def _values(body: ReportFieldsIn) -> dict[str, Any]:
    skip = {"version", "submit", "work_item", "indicator_values", "milestones_reached"}
    data = {k: getattr(body, k) for k in body.model_fields_set - skip}
    for k in ("progress_text", "problems_text", "next_steps"):
        if k in data and data[k] is None:
            data[k] = ""
    for k in ("started", "in_statistics"):
        if k in data and data[k] is None:
            data[k] = False
    return data


def _indicators(body: ReportFieldsIn) -> dict[int, tuple[Decimal | None, str]] | None:
    if body.indicator_values is None:
        return None
    return {v.indicator_id: (v.value, v.note) for v in body.indicator_values}


def _milestones(body: ReportFieldsIn) -> dict[int, date | None] | None:
    if body.milestones_reached is None:
        return None
    return {m.milestone_id: m.reached_on for m in body.milestones_reached}


@router.put(
    "/work-items/{item_id}/reports/{period}",
    response={200: ReportDetailOut, 201: ReportDetailOut, **ERRORS},
    summary="Create or update the item's report for a month (a draft or returned one)",
    description=(
        "Creates the report (201) when the month has none, else updates it (200) and then "
        "`version` is required (422 without it, 409 when stale). `submit: true` submits in the "
        "same step; when either refuses nothing is written. 422 with the reason for a closed "
        "month, a future month, a report already submitted, or a bad amount or date; 403 when "
        "the role may not fill the item's reports; 404 for an item outside the user's scope."
    ),
)
def report_put_api(
    request: HttpRequest,
    item_id: Path[Id],
    period: str,
    body: ReportPutIn,
) -> Status[ReportDetailOut]:
    user = request_user(request)
    p = _period(period)
    item = _item_to_fill(user, item_id)
    report, created = run_service(
        lambda: report_put(
            item=item,
            period=p,
            by=user,
            version=body.version,
            data=_values(body),
            indicator_values=_indicators(body),
            milestones_reached=_milestones(body),
            submit=body.submit,
        )
    )
    if created and not body.indicator_values and not body.milestones_reached:
        # Stored just now, by this user, with no values or nodes under it: the report in
        # memory is what a read would give (its item, lead unit and project read above).
        return Status(201, report_detail_of(report))
    return Status(201 if created else 200, report_detail_out(report.pk, figures=False))


def _unit_to_fill(user: User, unit_id: int) -> Unit:
    """The unit in the user's scope (404 otherwise), read by its key when the user fills its
    reports (their own unit, or the office: both see it), as `_item_to_fill` does."""
    if can_fill_unit_reports(user, unit_id):
        unit = Unit.objects.filter(pk=unit_id).first()
        if unit is not None:
            return unit
    return unit_get_for_user(user=user, unit_id=unit_id)


def _item_to_fill(user: User, item_id: int) -> WorkItem:
    """The item in the user's scope (404 otherwise) with what a report's checks and answer
    read — its lead unit and project — and nothing the item's pages show besides.

    Whoever may fill an item's reports sees the item (its lead unit's reporters and head, its
    steward, the office: each is in the scope's rule, `ledger.scoping.work_items_q`; held by
    `tests/test_api_report_writes.py`), so the item is read by its key and the scope is read
    only for someone who may not fill it: outside their scope it answers 404, as every read
    does, and inside it the service refuses the role (403)."""
    item = WorkItem.objects.select_related("lead_unit", "project").filter(pk=item_id).first()
    if item is not None and can_fill_report(user, item):
        return item
    items = (
        work_item_list(user=user)
        .select_related(None)
        .select_related("lead_unit", "project")
        .prefetch_related(None)
    )
    return get_object_or_404(items, pk=item_id)


@router.post(
    "/work-items/{item_id}/reports/{period}/no-change",
    response={200: ReportDetailOut, **ERRORS},
    summary="A task with nothing new this month: last month's progress, submitted (无变化)",
    description="Creates the month's report when it has none; a report it has (a draft, a "
    "returned one) is replaced only with its `version` as read (422 without it, 409 when "
    "stale). 422 for a project, a task without an earlier report this year, a report already "
    "submitted or a closed month.",
)
def report_no_change_api(
    request: HttpRequest, item_id: Path[Id], period: str, body: NoChangeIn
) -> ReportDetailOut:
    user = request_user(request)
    p = _period(period)
    item = work_item_get_for_user(user=user, item_id=item_id)
    report = run_service(
        lambda: report_no_change(item=item, period=p, by=user, version=body.version)
    )
    return report_detail_out(report.pk, figures=False)


def _report_step(
    action: str,
    service: Callable[..., MonthlyReport],
    body: type[VersionIn],
    summary: str,
    description: str,
) -> None:
    """Declare `POST /reports/{report_id}/<action>`: one step of a report's workflow, calling
    `service(report=, by=, **body)` (the version read, and a reason where `body` has one)."""

    def endpoint(request: HttpRequest, report_id: int, body: VersionIn) -> ReportDetailOut:
        user = request_user(request)
        report = report_get_for_user(user=user, report_id=report_id)
        run_service(lambda: service(report=report, by=user, **body.model_dump()))
        return report_detail_out(report.pk, figures=False)

    endpoint.__name__ = endpoint.__qualname__ = f"report_{action.replace('-', '_')}_api"
    # The annotations ninja reads: the path's bounds and this step's body.
    endpoint.__annotations__ = {
        "request": HttpRequest,
        "report_id": Path[Id],
        "body": body,
        "return": ReportDetailOut,
    }
    router.post(
        f"/reports/{{report_id}}/{action}",
        response={200: ReportDetailOut, **ERRORS},
        summary=summary,
        description=description,
    )(endpoint)


_report_step(
    "submit",
    report_submit,
    VersionIn,
    "Submit a draft or returned report (to the unit head first when sign-off is on)",
    "422 when incomplete (the reason names the field) or not editable; 409 stale.",
)
_report_step(
    "sign-off",
    report_sign_off,
    VersionIn,
    "The lead unit head's sign-off of a report waiting for it (审签)",
    "403 for anyone but the lead unit's head; 422 when not waiting for sign-off.",
)
_report_step(
    "accept",
    report_accept,
    VersionIn,
    "Accept a submitted report and apply its facts to the item (office or steward)",
    "403 for other roles; 422 when not submitted or the month is closed.",
)
_report_step(
    "return",
    report_return,
    ReturnIn,
    "Return a submitted (or waiting) report with the reason the unit will read",
    "403 for other roles; 422 without a reason or when not submitted.",
)


@router.post(
    "/units/{unit_id}/reports/{period}",
    response={200: BatchOut, **errors_or(BatchErrorOut)},
    summary="A unit's whole month in one request: every report saved (and submitted), or none",
    description=(
        f"Up to {MAX_BATCH} rows, one per work item the unit leads. All or nothing: when any "
        "row is refused, 422 lists every refused row (`errors`, as the monthly workbook "
        "upload gives them) and nothing is written. Rows for existing reports need their "
        "`version`. 403 when the user does not fill this unit's reports; 404 for a unit "
        "outside the user's scope; 422 with `detail` alone for a closed month."
    ),
)
def reports_batch_api(request: HttpRequest, unit_id: Path[Id], period: str, body: BatchIn) -> Any:
    user = request_user(request)
    p = _period(period)
    unit = _unit_to_fill(user, unit_id)
    rows = [
        BatchRow(
            work_item_id=r.work_item,
            version=r.version,
            data=_values(r),
            indicator_values=_indicators(r),
            milestones_reached=_milestones(r),
        )
        for r in body.rows
    ]

    def save() -> BatchResult | BatchRowsError:
        try:
            return reports_batch_save(unit=unit, period=p, by=user, rows=rows, submit=body.submit)
        except BatchRowsError as e:
            return e

    result = run_service(save)
    if isinstance(result, BatchRowsError):
        return Status(422, {"detail": str(result), "errors": [issue_out(i) for i in result.issues]})
    return BatchOut(
        unit=unit_ref(unit),
        period=str(p),
        saved=len(result.reports),
        submitted=sum(1 for r in result.reports if r.state != MonthlyReport.State.DRAFT),
        rows=[
            BatchRowOut(
                row=n,
                work_item=r.work_item_id,
                report_id=r.pk,
                version=r.version,
                state=MonthlyReport.State(r.state),
                created=c,
            )
            for n, (r, c) in enumerate(zip(result.reports, result.created, strict=True), 1)
        ],
    )

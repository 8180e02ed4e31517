"""Moving a report along: submit, sign off, accept (applying it to the item), return, no change."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.history import recorded_as_by
from duban.core.periods import Period
from duban.ledger.models import Project, WorkItem
from duban.org.models import User
from duban.reporting.events import report_returned_event, report_submitted_events
from duban.reporting.models import EDITABLE_STATES, MonthlyReport, ReportingSettings
from duban.reporting.permissions import (
    can_fill_report,
    can_review_report,
    can_sign_off_report,
    signs_off_on_submit,
)
from duban.reporting.services.base import (
    _lock,
    _refuse_if_closed,
    _refuse_unless_allowed,
    _save,
    _transition_refused,
)
from duban.reporting.services.filling import report_prepare, report_save, report_start

logger = logging.getLogger(__name__)
S = MonthlyReport.State


def _check_complete(report: MonthlyReport) -> None:
    item = report.work_item
    if item.kind == WorkItem.Kind.PROJECT:
        if report.investment_month is None:
            raise ApplicationError(
                _("请填写本月完成投资（没有投资请填0）。"), field="investment_month"
            )
        if not report.progress_text.strip():
            raise ApplicationError(_("请填写形象进度。"), field="progress_text")
    elif (
        not report.progress_text.strip()
        and not report.indicator_values.exclude(value=None).exists()
    ):
        raise ApplicationError(_("请填写工作进展或指标完成值。"), field="progress_text")


def _mark_submitted(report: MonthlyReport) -> None:
    now = clock.now()
    report.state = S.SUBMITTED
    report.submitted_at = now
    if report.first_submitted_at is None:
        report.first_submitted_at = now


@transaction.atomic
@recorded_as_by
def report_submit(*, report: MonthlyReport, by: User, version: int | None) -> MonthlyReport:
    """Submit a draft or returned report; with sign-off on, a reporter's goes to the head first."""
    report = _lock(report, version)
    item = report.work_item
    _refuse_unless_allowed(can_fill_report(by, item), _("您不能报送该事项的月报。"))
    _refuse_if_closed(report.period)
    if report.state not in EDITABLE_STATES:
        raise _transition_refused(report, _("报送"))
    _check_complete(report)
    if ReportingSettings.load().require_head_signoff and not signs_off_on_submit(by, item):
        report.state = S.PENDING_SIGNOFF
        reason = "submit: awaiting sign-off"
    else:
        _mark_submitted(report)
        report.signed_off_by = by if signs_off_on_submit(by, item) else None
        reason = "submit"
    _save(report, reason)
    logger.info("report.submitted", extra={"report_id": report.pk, "state": report.state})
    report_submitted_events(report)
    return report


@transaction.atomic
@recorded_as_by
def report_save_and_submit(
    *,
    report: MonthlyReport,
    by: User,
    version: int | None,
    data: Mapping[str, Any],
    indicator_values: Mapping[int, tuple[Decimal | None, str]] | None = None,
    milestones_reached: Mapping[int, date | None] | None = None,
) -> MonthlyReport:
    """Save the figures and submit in one step: when either refuses, nothing is written."""
    report = report_save(
        report=report,
        by=by,
        version=version,
        data=data,
        indicator_values=indicator_values,
        milestones_reached=milestones_reached,
    )
    return report_submit(report=report, by=by, version=report.version)


@transaction.atomic
@recorded_as_by
def report_sign_off(*, report: MonthlyReport, by: User, version: int | None) -> MonthlyReport:
    """The unit head's sign-off: only then does a reporter's report count as submitted."""
    report = _lock(report, version)
    _refuse_unless_allowed(can_sign_off_report(by, report), _("只有牵头单位负责人可以审签月报。"))
    _refuse_if_closed(report.period)
    if report.state != S.PENDING_SIGNOFF:
        raise _transition_refused(report, _("审签"))
    _mark_submitted(report)
    report.signed_off_by = by
    _save(report, "sign off")
    report_submitted_events(report)
    return report


@transaction.atomic
@recorded_as_by
def report_accept(*, report: MonthlyReport, by: User, version: int | None) -> MonthlyReport:
    """Accept a submitted report and apply its facts (start, 入统, nodes) to the work item."""
    report = _lock(report, version)
    _refuse_unless_allowed(
        can_review_report(by, report), _("只有推进办或该项目的管家可以审核月报。")
    )
    _refuse_if_closed(report.period)
    if report.state != S.SUBMITTED:
        raise _transition_refused(report, _("采纳"))
    report.state = S.ACCEPTED
    report.reviewed_by, report.reviewed_at = by, clock.now()
    report.return_reason = ""
    _save(report, "accept")
    _apply_to_item(report)
    return report


def _apply_to_item(report: MonthlyReport) -> None:
    item = WorkItem.objects.select_for_update().get(pk=report.work_item_id)
    changed = []
    if report.started and item.actual_start is None:
        item.actual_start = report.started_on or report.period.last_day
        changed.append("actual_start")
        _project_under_construction(item)
    if report.in_statistics and not item.in_statistics:
        item.in_statistics = True
        item.in_statistics_date = report.in_statistics_on or report.period.last_day
        changed += ["in_statistics", "in_statistics_date"]
    for reached in report.milestones_reached.select_related("milestone"):
        milestone = reached.milestone
        if milestone.actual_date is None:
            milestone.actual_date = reached.reached_on
            milestone.version += 1
            milestone._change_reason = f"report {report.pk}"  # type: ignore[attr-defined]
            milestone.save(update_fields=["actual_date", "version", "updated_at"])
    if changed:
        item.version += 1
        item._change_reason = f"report {report.pk}"  # type: ignore[attr-defined]
        item.save(update_fields=[*changed, "version", "updated_at"])


def _project_under_construction(item: WorkItem) -> None:
    """A started project leaves the reserve and preparation stages."""
    if item.project_id is None:
        return
    project = Project.objects.select_for_update().get(pk=item.project_id)
    if project.stage in (Project.Stage.RESERVE, Project.Stage.PREPARATION):
        project.stage = Project.Stage.CONSTRUCTION
        project.version += 1
        project._change_reason = "started"  # type: ignore[attr-defined]
        project.save(update_fields=["stage", "version", "updated_at"])


@transaction.atomic
@recorded_as_by
def report_return(
    *, report: MonthlyReport, by: User, reason: str, version: int | None
) -> MonthlyReport:
    """Return a report for correction; a reason is required and shown to the unit."""
    report = _lock(report, version)
    reason = (reason or "").strip()
    if report.state == S.PENDING_SIGNOFF:
        _refuse_unless_allowed(
            can_sign_off_report(by, report), _("只有牵头单位负责人可以退回待审签的月报。")
        )
    else:
        _refuse_unless_allowed(
            can_review_report(by, report), _("只有推进办或该项目的管家可以退回月报。")
        )
    _refuse_if_closed(report.period)
    if report.state not in (S.SUBMITTED, S.PENDING_SIGNOFF):
        raise _transition_refused(report, _("退回"))
    if not reason:
        raise ApplicationError(_("退回月报必须写明原因。"), field="reason")
    report.state = S.RETURNED
    report.return_reason = reason
    report.times_returned += 1
    report.reviewed_by, report.reviewed_at = by, clock.now()
    _save(report, f"return: {reason}")
    report_returned_event(report)
    return report


@transaction.atomic
@recorded_as_by
def report_no_change(
    *, item: WorkItem, period: Period, by: User, version: int | None
) -> MonthlyReport:
    """One click for a task with nothing new: last month's progress and values, submitted.

    A report the month already has (a draft a colleague typed, a returned one) is replaced only
    with the `version` its user read: 422 without it, 409 when stale, as every change."""
    if item.kind != WorkItem.Kind.TASK:
        raise ApplicationError(_("“无变化”只适用于重点工作；重点项目请填写本月投资。"))
    report = report_prepare(item=item, period=period, by=by)
    if report.pk is None:
        report = report_start(item=item, period=period, by=by)
        version = report.version
    if report.state not in EDITABLE_STATES:
        raise _transition_refused(report, _("标记为无变化"))
    previous = (
        MonthlyReport.objects.filter(work_item=item, year=period.year, month__lt=period.month)
        .order_by("-month")
        .prefetch_related("indicator_values")
        .first()
    )
    if previous is None:
        raise ApplicationError(_("没有上月月报可沿用，请填写本月进展。"))
    report = report_save(
        report=report,
        by=by,
        version=version,
        data={"progress_text": previous.progress_text, "next_steps": previous.next_steps},
        indicator_values={
            v.indicator_id: (v.value, v.note) for v in previous.indicator_values.all()
        },
    )
    report.no_change = True
    report.save(update_fields=["no_change"])
    return report_submit(report=report, by=by, version=report.version)

"""The monthly report workflow.

draft → (pending_signoff →) submitted → accepted, or → returned (with a reason) → resubmitted.
A closed month locks its reports. Every write validates first and writes nothing on error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core.errors import ApplicationError, check_version
from duban.core.formatting import date_cn, join_items
from duban.core.periods import Period
from duban.core.services import field_label, full_clean_or_raise
from duban.ledger.models import Project, WorkItem
from duban.org.models import User
from duban.reporting.models import (
    COUNTING_STATES,
    EDITABLE_STATES,
    IndicatorValue,
    MonthClose,
    MonthlyReport,
    ReportingSettings,
    ReportMilestone,
)
from duban.reporting.permissions import (
    can_fill_report,
    can_review_report,
    can_sign_off_report,
    signs_off_on_submit,
)

logger = logging.getLogger(__name__)
S = MonthlyReport.State

REPORT_FIELDS = {
    "investment_month",
    "funds_month",
    "progress_text",
    "progress_pct",
    "started",
    "started_on",
    "in_statistics",
    "in_statistics_on",
    "problems_text",
    "next_steps",
}


def period_is_closed(period: Period) -> bool:
    return MonthClose.objects.filter(year=period.year, month=period.month).exists()


def report_due_date(period: Period) -> date:
    return period.due_date(ReportingSettings.load().due_day)


def _refuse_if_closed(period: Period) -> None:
    if period_is_closed(period):
        raise ApplicationError(
            _("%(p)s已关账，月报已锁定，不能再修改。") % {"p": period.label}, code="locked"
        )


def _refuse_unless_allowed(allowed: bool, message: str) -> None:
    if not allowed:
        raise ApplicationError(message, code="forbidden")


def _check_period_for_item(item: WorkItem, period: Period) -> None:
    if period.year != item.year:
        raise ApplicationError(
            _("报告期%(p)s不在该事项的年度（%(y)s年）内。") % {"p": period.label, "y": item.year}
        )
    if period > Period.current():
        raise ApplicationError(_("不能填报未来月份（%(p)s）的月报。") % {"p": period.label})
    if item.status == WorkItem.Status.DRAFT:
        raise ApplicationError(_("该事项尚未下达，不需要填报月报。"))


def _lock(report: MonthlyReport, version: int | None) -> MonthlyReport:
    locked = MonthlyReport.objects.select_for_update().select_related("work_item").get(pk=report.pk)
    check_version(current=locked.version, submitted=version, label=pgettext("model name", "月报"))
    return locked


def _transition_refused(report: MonthlyReport, action: str) -> ApplicationError:
    return ApplicationError(
        _("当前状态为“%(s)s”的月报不能%(a)s。") % {"s": report.get_state_display(), "a": action},
        code="transition",
    )


def _save(report: MonthlyReport, reason: str, fields: list[str] | None = None) -> None:
    report.version += 1
    report._change_reason = reason  # type: ignore[attr-defined]
    if fields is None:
        report.save()
    else:
        report.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def report_start(*, item: WorkItem, period: Period, by: User) -> MonthlyReport:
    """The item's report for `period`, created as a draft when there is none yet."""
    _refuse_unless_allowed(can_fill_report(by, item), _("您不能填报该事项的月报。"))
    _check_period_for_item(item, period)
    existing = MonthlyReport.objects.filter(
        work_item=item, year=period.year, month=period.month
    ).first()
    if existing:
        return existing
    _refuse_if_closed(period)
    report = MonthlyReport(work_item=item, year=period.year, month=period.month, created_by=by)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Someone created it a moment ago: use theirs.
        return MonthlyReport.objects.get(work_item=item, year=period.year, month=period.month)
    return report


def _counted_other_months(report: MonthlyReport) -> Decimal:
    total = (
        MonthlyReport.objects.filter(
            work_item_id=report.work_item_id, year=report.year, state__in=COUNTING_STATES
        )
        .exclude(pk=report.pk)
        .aggregate(s=Sum("investment_month"))["s"]
    )
    return total or Decimal(0)


def _validate_amounts(report: MonthlyReport) -> None:
    item = report.work_item
    cap = Decimal(settings.DUBAN_MAX_AMOUNT)
    for field in ("investment_month", "funds_month"):
        value = getattr(report, field)
        label = field_label(MonthlyReport, field)
        if value is None:
            continue
        if value < 0:
            raise ApplicationError(
                _("%(f)s不能为负数：%(v)s") % {"f": label, "v": value}, field=field
            )
        if value > cap:
            raise ApplicationError(
                _("%(f)s%(v)s万元不合理（超过%(c)s万元），请核对金额单位是否为万元。")
                % {"f": label, "v": value.normalize(), "c": cap.normalize()},
                field=field,
            )
    total = item.project.total_investment if item.project_id and item.project else None
    if (
        total is not None
        and report.investment_month is not None
        and report.investment_month > total
    ):
        raise ApplicationError(
            _("本月完成投资%(v)s万元超过项目总投资%(t)s万元，请核对金额单位是否为万元。")
            % {"v": report.investment_month.normalize(), "t": total.normalize()},
            field="investment_month",
        )
    today = timezone.localdate()
    end = report.period.last_day
    for field in ("started_on", "in_statistics_on"):
        value = getattr(report, field)
        if value and (value > today or value > end):
            raise ApplicationError(
                _("%(f)s%(d)s晚于报告期末或今天。")
                % {"f": field_label(MonthlyReport, field), "d": date_cn(value)},
                field=field,
            )
    if report.started_on and not report.started:
        report.started = True
    if report.in_statistics_on and not report.in_statistics:
        report.in_statistics = True


@transaction.atomic
def report_save(
    *,
    report: MonthlyReport,
    by: User,
    version: int | None,
    data: Mapping[str, Any],
    indicator_values: Mapping[int, tuple[Decimal | None, str]] | None = None,
    milestones_reached: Mapping[int, date | None] | None = None,
) -> MonthlyReport:
    """Save a draft or returned report's figures; raises ConflictError on a stale version."""
    report = _lock(report, version)
    item = report.work_item
    _refuse_unless_allowed(can_fill_report(by, item), _("您不能填报该事项的月报。"))
    _refuse_if_closed(report.period)
    if report.state not in EDITABLE_STATES:
        raise ApplicationError(
            _("月报状态为“%(s)s”，只有草稿或被退回的月报可以修改。")
            % {"s": report.get_state_display()},
            code="transition",
        )
    unknown = set(data) - REPORT_FIELDS
    if unknown:
        raise ApplicationError(_("不能修改这些字段：%(f)s") % {"f": join_items(sorted(unknown))})
    for name, value in data.items():
        setattr(report, name, value)
    report.no_change = False
    _validate_amounts(report)
    full_clean_or_raise(report)
    if indicator_values is not None:
        _save_indicator_values(report, indicator_values)
    if milestones_reached is not None:
        _save_milestones(report, milestones_reached)
    _save(report, "save")
    return report


def _save_indicator_values(
    report: MonthlyReport, values: Mapping[int, tuple[Decimal | None, str]]
) -> None:
    valid = set(report.work_item.indicators.values_list("pk", flat=True))
    stray = set(values) - valid
    if stray:
        raise ApplicationError(_("指标不属于该事项：%(ids)s") % {"ids": sorted(stray)})
    existing = {v.indicator_id: v for v in report.indicator_values.all()}
    for indicator_id, (value, note) in values.items():
        row = existing.get(indicator_id) or IndicatorValue(report=report, indicator_id=indicator_id)
        row.value, row.note = value, note
        full_clean_or_raise(row)
        row.save()


def _save_milestones(report: MonthlyReport, reached: Mapping[int, date | None]) -> None:
    valid = {m.pk: m for m in report.work_item.milestones.all()}
    stray = set(reached) - set(valid)
    if stray:
        raise ApplicationError(_("节点不属于该事项：%(ids)s") % {"ids": sorted(stray)})
    end = min(report.period.last_day, timezone.localdate())
    report.milestones_reached.exclude(
        milestone_id__in=[k for k, v in reached.items() if v]
    ).delete()
    for milestone_id, day in reached.items():
        if day is None:
            continue
        if day > end:
            raise ApplicationError(
                _("节点“%(n)s”的完成日期%(d)s晚于报告期末或今天。")
                % {"n": valid[milestone_id].name, "d": date_cn(day)}
            )
        ReportMilestone.objects.update_or_create(
            report=report, milestone_id=milestone_id, defaults={"reached_on": day}
        )


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
    now = timezone.now()
    report.state = S.SUBMITTED
    report.submitted_at = now
    if report.first_submitted_at is None:
        report.first_submitted_at = now


@transaction.atomic
def report_submit(*, report: MonthlyReport, by: User, version: int | None = None) -> MonthlyReport:
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
    return report


@transaction.atomic
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
def report_sign_off(
    *, report: MonthlyReport, by: User, version: int | None = None
) -> MonthlyReport:
    """The unit head's sign-off: only then does a reporter's report count as submitted."""
    report = _lock(report, version)
    _refuse_unless_allowed(can_sign_off_report(by, report), _("只有牵头单位负责人可以审签月报。"))
    _refuse_if_closed(report.period)
    if report.state != S.PENDING_SIGNOFF:
        raise _transition_refused(report, _("审签"))
    _mark_submitted(report)
    report.signed_off_by = by
    _save(report, "sign off")
    return report


@transaction.atomic
def report_accept(*, report: MonthlyReport, by: User, version: int | None = None) -> MonthlyReport:
    """Accept a submitted report and apply its facts (start, 入统, nodes) to the work item."""
    report = _lock(report, version)
    _refuse_unless_allowed(
        can_review_report(by, report), _("只有推进办或该项目的管家可以审核月报。")
    )
    _refuse_if_closed(report.period)
    if report.state != S.SUBMITTED:
        raise _transition_refused(report, _("采纳"))
    report.state = S.ACCEPTED
    report.reviewed_by, report.reviewed_at = by, timezone.now()
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
def report_return(
    *, report: MonthlyReport, by: User, reason: str, version: int | None = None
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
    report.reviewed_by, report.reviewed_at = by, timezone.now()
    _save(report, f"return: {reason}")
    return report


@transaction.atomic
def report_no_change(*, item: WorkItem, period: Period, by: User) -> MonthlyReport:
    """One click for a task with nothing new: last month's progress and values, submitted."""
    if item.kind != WorkItem.Kind.TASK:
        raise ApplicationError(_("“无变化”只适用于重点工作；重点项目请填写本月投资。"))
    report = report_start(item=item, period=period, by=by)
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
        version=None,
        data={"progress_text": previous.progress_text, "next_steps": previous.next_steps},
        indicator_values={
            v.indicator_id: (v.value, v.note) for v in previous.indicator_values.all()
        },
    )
    report.no_change = True
    report.save(update_fields=["no_change"])
    return report_submit(report=report, by=by)


@transaction.atomic
def month_close(*, period: Period, by: User) -> MonthClose:
    """Close a month: its reports lock for good. Refuses a month whose reports are not yet due."""
    if not by.is_office:
        raise ApplicationError(_("只有推进办可以关账。"), code="forbidden")
    if period_is_closed(period):
        raise ApplicationError(_("%(p)s已经关账。") % {"p": period.label})
    if period >= Period.current():
        raise ApplicationError(_("%(p)s尚未结束，不能关账。") % {"p": period.label})
    pending = MonthlyReport.objects.filter(
        year=period.year, month=period.month, state__in=[S.SUBMITTED, S.PENDING_SIGNOFF]
    ).count()
    if pending:
        raise ApplicationError(
            _("%(p)s还有%(n)s份月报待审签或待审核，请先处理后再关账。")
            % {"p": period.label, "n": pending}
        )
    close = MonthClose(year=period.year, month=period.month, closed_by=by)
    full_clean_or_raise(close)
    close.save()
    logger.info("month.closed", extra={"period": str(period), "by": by.pk})
    return close


def report_is_late(report: MonthlyReport, due_day: int) -> bool:
    """Late when first counted as submitted after the due date (local time)."""
    due = report.period.due_date(due_day)
    if report.first_submitted_at is None:
        return timezone.localdate() > due
    return timezone.localtime(report.first_submitted_at).date() > due

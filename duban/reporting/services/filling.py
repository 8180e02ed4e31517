"""Filling a report: start it, save its figures, indicator values and reached nodes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.formatting import date_cn, join_items
from duban.core.history import recorded_as_by
from duban.core.periods import Period
from duban.core.services import field_label, full_clean_or_raise
from duban.ledger.models import WorkItem
from duban.org.models import User
from duban.reporting.models import (
    EDITABLE_STATES,
    IndicatorValue,
    MonthlyReport,
    ReportMilestone,
)
from duban.reporting.permissions import can_fill_report
from duban.reporting.services.base import (
    _check_period_for_item,
    _lock,
    _refuse_if_closed,
    _refuse_unless_allowed,
    _save,
)

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


@transaction.atomic
@recorded_as_by
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
    today = clock.today()
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
@recorded_as_by
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
    end = min(report.period.last_day, clock.today())
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

"""Filling a report: start it, save its figures, indicator values and reached nodes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.formatting import join_clauses, join_items
from duban.core.history import recorded_as_by
from duban.core.periods import Period
from duban.core.services import full_clean_or_raise
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
from duban.reporting.validation import (
    AMOUNT_FIELDS,
    amount_problem,
    date_problem,
    indicator_value_problem,
    reached_problem,
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


def report_prepare(*, item: WorkItem, period: Period, by: User) -> MonthlyReport:
    """The item's report for `period`, or a new unsaved draft; checks as `report_start` does
    and writes nothing (opening a form must not create a report)."""
    _refuse_unless_allowed(can_fill_report(by, item), _("您不能填报该事项的月报。"))
    _check_period_for_item(item, period)
    existing = MonthlyReport.objects.filter(
        work_item=item, year=period.year, month=period.month
    ).first()
    if existing:
        return existing
    _refuse_if_closed(period)
    return MonthlyReport(work_item=item, year=period.year, month=period.month, created_by=by)


@transaction.atomic
@recorded_as_by
def report_start(*, item: WorkItem, period: Period, by: User) -> MonthlyReport:
    """The item's report for `period`, created as a draft when there is none yet."""
    report = report_prepare(item=item, period=period, by=by)
    if report.pk is not None:
        return report
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Someone created it a moment ago: use theirs.
        return MonthlyReport.objects.get(work_item=item, year=period.year, month=period.month)
    return report


def report_value_problems(report: MonthlyReport) -> list[tuple[str, str]]:
    """Every value of the report the validator refuses, as (field, message), in form order."""
    problems: list[tuple[str, str]] = []
    item = report.work_item
    total = item.project.total_investment if item.project_id and item.project else None
    for field in AMOUNT_FIELDS:
        problem = amount_problem(field, getattr(report, field), total_investment=total)
        if problem:
            problems.append((field, problem))
    pct = report.progress_pct
    if pct is not None and (not pct.is_finite() or not 0 <= pct <= 100):
        # The table's constraint `report_progress_pct_range`, checked before any write.
        problems.append(("progress_pct", _("形象进度百分比应在0到100之间。")))
    today = clock.today()
    for field in ("started_on", "in_statistics_on"):
        problem = date_problem(
            field, getattr(report, field), period_end=report.period.last_day, today=today
        )
        if problem:
            problems.append((field, problem))
    return problems


def validate_report_values(report: MonthlyReport) -> None:
    """Refuse what the report validator refuses (the same checks and words as every import),
    naming every refused value at once: a reporter on a phone fixed one, submitted, and only
    then learnt of the next."""
    problems = report_value_problems(report)
    if problems:
        messages = [message for _field, message in problems]
        raise ApplicationError(
            join_clauses([m.rstrip("。") for m in messages[:-1]] + messages[-1:]),
            field=problems[0][0],
            fields=tuple(field for field, _message in problems),
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
    validate_report_values(report)
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
    valid = {i.pk: i for i in report.work_item.indicators.all()}
    stray = set(values) - set(valid)
    if stray:
        raise ApplicationError(_("指标不属于该事项：%(ids)s") % {"ids": sorted(stray)})
    for indicator_id, (value, _note) in values.items():
        problem = indicator_value_problem(valid[indicator_id], value)
        if problem:
            raise ApplicationError(problem, field=f"ind_{indicator_id}_value")
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
    today = clock.today()
    report.milestones_reached.exclude(
        milestone_id__in=[k for k, v in reached.items() if v]
    ).delete()
    for milestone_id, day in reached.items():
        if day is None:
            continue
        problem = reached_problem(
            valid[milestone_id].name, day, period_end=report.period.last_day, today=today
        )
        if problem:
            raise ApplicationError(problem)
        ReportMilestone.objects.update_or_create(
            report=report, milestone_id=milestone_id, defaults={"reached_on": day}
        )

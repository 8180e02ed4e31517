"""A unit's whole month in one call (the API's batch), and one report put by a client: every
row saved, or none.

The rules are those of the page and the monthly workbook (`report_start`, `report_save`,
`report_submit`); a row that is refused is named with its reason, like a workbook cell, and
nothing of the batch is written. What differs is how the rows reach the database, because on
the 5th every unit of a city sends its month within the same hours: the batch reads the
month's reports, the items' indicators and nodes once (the reports locked), checks every row
in memory, and writes them with a fixed number of statements whatever the number of rows —
new reports and values through `duban.core.bulk.insert_many`, changed ones in one UPDATE, one
history row each copied by the database. The item's figures are not recomputed here: they are
read from the reports when asked for (`reporting.selectors.progress`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core import clock
from duban.core.bulk import history_copy, insert_many
from duban.core.errors import ApplicationError, check_version
from duban.core.formatting import join_items
from duban.core.periods import Period
from duban.core.services import full_clean_or_raise, last_changed_by
from duban.core.text import strip_model_text
from duban.ledger.models import Indicator, Milestone, WorkItem
from duban.org.models import Unit, User
from duban.reporting.events import report_submitted_events
from duban.reporting.models import (
    EDITABLE_STATES,
    IndicatorValue,
    MonthlyReport,
    ReportingSettings,
    ReportMilestone,
)
from duban.reporting.permissions import (
    can_fill_report,
    can_fill_unit_reports,
    signs_off_on_submit,
)
from duban.reporting.services.base import (
    _check_period_for_item,
    _refuse_if_closed,
    _refuse_unless_allowed,
)
from duban.reporting.services.filling import REPORT_FIELDS, validate_report_values
from duban.reporting.validation import indicator_value_problem, reached_problem
from duban.sheets.errors import CellIssue

BATCH_SHEET = "batch"
S = MonthlyReport.State
# Every column a put may change (the rest are set once, at creation, or by review).
_WRITTEN = [
    *sorted(REPORT_FIELDS),
    "no_change",
    "state",
    "submitted_at",
    "first_submitted_at",
    "signed_off_by",
    "version",
    "updated_at",
]
# Checked in memory: the foreign keys were read with the rows, the one-per-month rule by the
# locked read of the month's reports (the database still enforces both).
_NOT_CLEANED = ["work_item", "created_by", "signed_off_by", "reviewed_by"]


@dataclass(frozen=True)
class BatchRow:
    """One report of the batch: its item, the version read (required when it exists), the
    fields to save, and the optional indicator values and nodes reached."""

    work_item_id: int
    version: int | None
    data: Mapping[str, Any]
    indicator_values: Mapping[int, tuple[Decimal | None, str]] | None = None
    milestones_reached: Mapping[int, date | None] | None = None


@dataclass
class BatchResult:
    reports: list[MonthlyReport] = field(default_factory=list)
    created: list[bool] = field(default_factory=list)
    issues: list[CellIssue] = field(default_factory=list)


class BatchRowsError(ApplicationError):
    """At least one row was refused: `issues` names each row (1-based) and why."""

    def __init__(self, issues: Sequence[CellIssue]) -> None:
        super().__init__(_("有%(n)s处错误，未保存任何月报。") % {"n": len(issues)}, code="invalid")
        self.issues = list(issues)


@dataclass
class _Put:
    """One row checked and ready to write."""

    row: BatchRow
    report: MonthlyReport
    created: bool
    values_new: list[IndicatorValue] = field(default_factory=list)
    values_changed: list[IndicatorValue] = field(default_factory=list)
    reached_new: list[ReportMilestone] = field(default_factory=list)
    reached_changed: list[ReportMilestone] = field(default_factory=list)
    reached_cleared: list[int] = field(default_factory=list)


@dataclass
class _Month:
    """What the rows are checked against, read once for the whole batch."""

    period: Period
    by: User
    submit: bool
    signoff: bool
    today: date
    reports: dict[int, MonthlyReport]
    indicators: dict[int, dict[int, Indicator]]
    milestones: dict[int, dict[int, Milestone]]
    values: dict[int, dict[int, IndicatorValue]]
    reached: dict[int, dict[int, ReportMilestone]]


def _read_month(
    items: Sequence[WorkItem], rows: Sequence[BatchRow], period: Period, by: User, submit: bool
) -> _Month:
    ids = [i.pk for i in items]
    reports = {
        r.work_item_id: r
        for r in MonthlyReport.objects.select_for_update(of=("self",)).filter(
            work_item_id__in=ids, year=period.year, month=period.month
        )
    }
    report_ids = [r.pk for r in reports.values()]
    indicators: dict[int, dict[int, Indicator]] = defaultdict(dict)
    values: dict[int, dict[int, IndicatorValue]] = defaultdict(dict)
    given_values = any(r.indicator_values is not None for r in rows)
    if given_values:
        for ind in Indicator.objects.filter(work_item_id__in=ids):
            indicators[ind.work_item_id][ind.pk] = ind
    # A task's completeness on submit looks at its stored values too (a new report has none).
    if report_ids and (
        given_values or (submit and any(i.kind == WorkItem.Kind.TASK for i in items))
    ):
        for v in IndicatorValue.objects.filter(report_id__in=report_ids):
            values[v.report_id][v.indicator_id] = v
    milestones: dict[int, dict[int, Milestone]] = defaultdict(dict)
    reached: dict[int, dict[int, ReportMilestone]] = defaultdict(dict)
    if any(r.milestones_reached is not None for r in rows):
        for m in Milestone.objects.filter(work_item_id__in=ids):
            milestones[m.work_item_id][m.pk] = m
        for rm in ReportMilestone.objects.filter(report_id__in=report_ids):
            reached[rm.report_id][rm.milestone_id] = rm
    return _Month(
        period=period,
        by=by,
        submit=submit,
        signoff=ReportingSettings.load().require_head_signoff,
        today=clock.today(),
        reports=reports,
        indicators=indicators,
        milestones=milestones,
        values=values,
        reached=reached,
    )


def _check_row(item: WorkItem, row: BatchRow, month: _Month) -> _Put:
    """The page's checks for one row, in memory, in the page's order; raises as the page's
    services do (403 a role, 409 a stale version, 422 the rest)."""
    by, period = month.by, month.period
    _refuse_unless_allowed(can_fill_report(by, item), _("您不能填报该事项的月报。"))
    _check_period_for_item(item, period)
    report = month.reports.get(item.pk)
    created = report is None
    if report is None:
        report = MonthlyReport(
            work_item=item, year=period.year, month=period.month, created_by=by, version=1
        )
    else:
        report.work_item = item
        if row.version is None:
            raise ApplicationError(
                _("该月报已存在，修改时必须提供读取时的版本号（version）。"), field="version"
            )
        if int(row.version) != report.version:
            check_version(
                current=report.version,
                submitted=row.version,
                label=pgettext("model name", "月报"),
                changed_by=last_changed_by(report),
            )
    if report.state not in EDITABLE_STATES:
        raise ApplicationError(
            _("月报状态为“%(s)s”，只有草稿或被退回的月报可以修改。")
            % {"s": report.get_state_display()},
            code="transition",
        )
    unknown = set(row.data) - REPORT_FIELDS
    if unknown:
        raise ApplicationError(_("不能修改这些字段：%(f)s") % {"f": join_items(sorted(unknown))})
    for name, value in row.data.items():
        setattr(report, name, value)
    report.no_change = False
    strip_model_text(report)
    validate_report_values(report)
    full_clean_or_raise(report, exclude=_NOT_CLEANED, in_memory=True)
    put = _Put(row=row, report=report, created=created)
    values = dict(month.values.get(report.pk, {})) if report.pk else {}
    if row.indicator_values is not None:
        _check_values(put, month.indicators.get(item.pk, {}), values)
    if row.milestones_reached is not None:
        _check_reached(put, month)
    if month.submit:
        _check_complete_in_memory(report, values)
        _mark_submitted(report, by, month.signoff)
    return put


def _check_values(
    put: _Put, valid: Mapping[int, Indicator], values: dict[int, IndicatorValue]
) -> None:
    given = put.row.indicator_values or {}
    stray = set(given) - set(valid)
    if stray:
        raise ApplicationError(_("指标不属于该事项：%(ids)s") % {"ids": sorted(stray)})
    for indicator_id, (value, note) in given.items():
        problem = indicator_value_problem(valid[indicator_id], value)
        if problem:
            raise ApplicationError(problem, field=f"ind_{indicator_id}_value")
        row = values.get(indicator_id)
        if row is None:
            row = IndicatorValue(indicator_id=indicator_id)
            put.values_new.append(row)
        else:
            put.values_changed.append(row)
        row.value, row.note = value, note
        strip_model_text(row)
        full_clean_or_raise(row, exclude=["report", "indicator"], in_memory=True)
        values[indicator_id] = row


def _check_reached(put: _Put, month: _Month) -> None:
    report = put.report
    valid = month.milestones.get(report.work_item_id, {})
    given = put.row.milestones_reached or {}
    stray = set(given) - set(valid)
    if stray:
        raise ApplicationError(_("节点不属于该事项：%(ids)s") % {"ids": sorted(stray)})
    existing = month.reached.get(report.pk, {}) if report.pk else {}
    for milestone_id, day in given.items():
        if day is None:
            continue
        problem = reached_problem(
            valid[milestone_id].name, day, period_end=month.period.last_day, today=month.today
        )
        if problem:
            raise ApplicationError(problem)
        row = existing.get(milestone_id)
        if row is None:
            put.reached_new.append(ReportMilestone(milestone_id=milestone_id, reached_on=day))
        elif row.reached_on != day:
            row.reached_on = day
            put.reached_changed.append(row)
    kept = {k for k, v in given.items() if v}
    put.reached_cleared = [rm.pk for k, rm in existing.items() if k not in kept]


def _check_complete_in_memory(report: MonthlyReport, values: Mapping[int, IndicatorValue]) -> None:
    """`workflow._check_complete` on what is about to be written."""
    if report.work_item.kind == WorkItem.Kind.PROJECT:
        if report.investment_month is None:
            raise ApplicationError(
                _("请填写本月完成投资（没有投资请填0）。"), field="investment_month"
            )
        if not report.progress_text.strip():
            raise ApplicationError(_("请填写形象进度。"), field="progress_text")
    elif not report.progress_text.strip() and all(v.value is None for v in values.values()):
        raise ApplicationError(_("请填写工作进展或指标完成值。"), field="progress_text")


def _mark_submitted(report: MonthlyReport, by: User, signoff: bool) -> None:
    """`workflow.report_submit`'s step: to the head first when sign-off is on."""
    item = report.work_item
    if signoff and not signs_off_on_submit(by, item):
        report.state = S.PENDING_SIGNOFF
        return
    now = clock.now()
    report.state = S.SUBMITTED
    report.submitted_at = now
    if report.first_submitted_at is None:
        report.first_submitted_at = now
    report.signed_off_by = by if signs_off_on_submit(by, item) else None


def _write(puts: Sequence[_Put], month: _Month) -> None:
    """Every checked row in a fixed number of statements, one history row per object."""
    by, now = month.by, clock.now()
    reason = "save and submit" if month.submit else "save"
    new = [p.report for p in puts if p.created]
    changed = [p.report for p in puts if not p.created]
    if new:
        columns = [f.attname for f in MonthlyReport._meta.concrete_fields if not f.primary_key]
        for report in new:
            report.created_at = report.updated_at = now
        keys = insert_many(
            MonthlyReport,
            [{c: getattr(r, c) for c in columns} for r in new],
            history_user_id=by.pk,
            history_reason=reason,
        )
        for report, key in zip(new, keys, strict=True):
            report.pk = key
            report._state.adding = False
            report._state.db = "default"
    if changed:
        for report in changed:
            report.version += 1
            report.updated_at = now
        # The rows were read under FOR UPDATE and their versions checked: nobody changed them.
        MonthlyReport.objects.bulk_update(changed, _WRITTEN)
        history_copy(
            MonthlyReport, [r.pk for r in changed], history_user_id=by.pk, history_reason=reason
        )
    for put in puts:
        _as_stored(put.report)
    _write_children(puts, by)


_DECIMALS = [
    (f.attname, Decimal(1).scaleb(-f.decimal_places))
    for f in MonthlyReport._meta.concrete_fields
    if isinstance(f, models.DecimalField)
]


def _as_stored(report: MonthlyReport) -> None:
    """The report's amounts as the database gives them back (to their decimal places; the
    validation refused any finer), so that an answer built from it equals a read."""
    for attname, exponent in _DECIMALS:
        value = getattr(report, attname)
        if value is not None and value.is_finite():
            setattr(report, attname, value.quantize(exponent))


def _write_children(puts: Sequence[_Put], by: User) -> None:
    values_new = [v for p in puts for v in _owned(p.values_new, p.report)]
    values_changed = [v for p in puts for v in p.values_changed]
    reached_new = [m for p in puts for m in _owned(p.reached_new, p.report)]
    reached_changed = [m for p in puts for m in p.reached_changed]
    cleared = [pk for p in puts for pk in p.reached_cleared]
    if values_new:
        insert_many(
            IndicatorValue,
            [
                {
                    "report_id": v.report_id,
                    "indicator_id": v.indicator_id,
                    "value": v.value,
                    "note": v.note,
                }
                for v in values_new
            ],
            history_user_id=by.pk,
        )
    if values_changed:
        IndicatorValue.objects.bulk_update(values_changed, ["value", "note"])
        history_copy(IndicatorValue, [v.pk for v in values_changed], history_user_id=by.pk)
    if cleared:
        # Rare (a node un-reached): through the model, so each deletion is in the history.
        ReportMilestone.objects.filter(pk__in=cleared).delete()
    if reached_new:
        insert_many(
            ReportMilestone,
            [
                {
                    "report_id": m.report_id,
                    "milestone_id": m.milestone_id,
                    "reached_on": m.reached_on,
                }
                for m in reached_new
            ],
            history_user_id=by.pk,
        )
    if reached_changed:
        ReportMilestone.objects.bulk_update(reached_changed, ["reached_on"])
        history_copy(ReportMilestone, [m.pk for m in reached_changed], history_user_id=by.pk)


def _owned(children: Sequence[Any], report: MonthlyReport) -> Sequence[Any]:
    for child in children:
        child.report_id = report.pk
    return children


Refuse = Callable[[int, BatchRow, ApplicationError], None]


def _put_rows(
    *,
    items: Mapping[int, WorkItem],
    period: Period,
    by: User,
    rows: Sequence[BatchRow],
    submit: bool,
    refuse: Refuse,
) -> list[_Put] | None:
    """Check every row (calling `refuse` for each refused one) and, when none was, write them
    all. Inside the caller's transaction; returns None when a row was refused."""
    month = _read_month(list(items.values()), rows, period, by, submit)
    puts: list[_Put] = []
    seen: set[int] = set()
    refused = False
    for n, row in enumerate(rows, start=1):
        item = items.get(row.work_item_id)
        try:
            if item is None:
                raise ApplicationError(_("事项不属于本单位本年度的台账"))
            if item.pk in seen:
                raise ApplicationError(_("同一事项在本批中出现了两次"))
            seen.add(item.pk)
            puts.append(_check_row(item, row, month))
        except ApplicationError as e:
            refuse(n, row, e)
            refused = True
    if refused:
        return None
    _write(puts, month)
    for put in puts:
        if put.report.state != S.DRAFT:
            report_submitted_events(put.report)
    return puts


def _retrying_once(attempt: Callable[[], Any]) -> Any:
    """Run `attempt` in a savepoint; when the database refuses it (another request created
    one of the month's reports a moment ago), once more: it then reads that report and the
    row is answered as the page would (its version is required)."""
    try:
        with transaction.atomic():
            return attempt()
    except IntegrityError:
        pass
    try:
        with transaction.atomic():
            return attempt()
    except IntegrityError as e:
        raise ApplicationError(_("数据库拒绝了该月报：%(e)s") % {"e": e}) from e


def report_put(
    *,
    item: WorkItem,
    period: Period,
    by: User,
    version: int | None,
    data: Mapping[str, Any],
    indicator_values: Mapping[int, tuple[Decimal | None, str]] | None = None,
    milestones_reached: Mapping[int, date | None] | None = None,
    submit: bool = False,
) -> tuple[MonthlyReport, bool]:
    """Create the item's report for `period` or update it (then `version` is required), and
    submit it when asked. Returns the report and whether it was created."""
    row = BatchRow(item.pk, version, data, indicator_values, milestones_reached)

    def refuse(n: int, row: BatchRow, error: ApplicationError) -> None:
        raise error

    _refuse_unless_allowed(can_fill_report(by, item), _("您不能填报该事项的月报。"))
    _check_period_for_item(item, period)

    def attempt() -> list[_Put] | None:
        _refuse_if_closed(period)
        return _put_rows(
            items={item.pk: item}, period=period, by=by, rows=[row], submit=submit, refuse=refuse
        )

    puts = _retrying_once(attempt)
    assert puts  # noqa: S101 — `refuse` raised otherwise
    return puts[0].report, puts[0].created


def reports_batch_save(
    *, unit: Unit, period: Period, by: User, rows: Sequence[BatchRow], submit: bool = False
) -> BatchResult:
    """Save (and, when asked, submit) many of the unit's reports for `period`, all or nothing.

    Raises BatchRowsError naming every refused row; nothing is written then."""
    _refuse_unless_allowed(can_fill_unit_reports(by, unit.pk), _("您不能填报该单位的月报。"))
    result = BatchResult()

    def refuse(n: int, row: BatchRow, error: ApplicationError) -> None:
        header = error.field or "work_item"
        value = row.work_item_id if header == "work_item" else row.data.get(header, "")
        result.issues.append(
            CellIssue("error", BATCH_SHEET, n, None, header, value, str(error.message))
        )

    def attempt() -> list[_Put] | None:
        result.issues.clear()
        _refuse_if_closed(period)
        items = {
            i.pk: i
            for i in WorkItem.objects.filter(
                pk__in=[r.work_item_id for r in rows], lead_unit=unit, year=period.year
            ).select_related("project")
        }
        return _put_rows(items=items, period=period, by=by, rows=rows, submit=submit, refuse=refuse)

    puts = _retrying_once(attempt)
    if puts is None:
        raise BatchRowsError(result.issues)
    result.reports = [p.report for p in puts]
    result.created = [p.created for p in puts]
    return result

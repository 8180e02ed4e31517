"""A unit's whole month in one call (the API's batch): every row saved, or none.

The same steps as the page and the monthly workbook (`report_start`, `report_save`,
`report_submit`); a row that is refused is named with its reason, like a workbook cell, and
nothing of the batch is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.org.models import Unit, User
from duban.reporting.models import EDITABLE_STATES, MonthlyReport
from duban.reporting.permissions import can_fill_unit_reports
from duban.reporting.services.base import _refuse_if_closed, _refuse_unless_allowed
from duban.reporting.services.filling import report_prepare, report_save, report_start
from duban.reporting.services.workflow import report_submit
from duban.sheets.errors import CellIssue

BATCH_SHEET = "batch"


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


class _Rollback(Exception):  # noqa: N818 — control flow inside reports_batch_save
    pass


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
    existing = report_prepare(item=item, period=period, by=by)
    created = existing.pk is None
    if not created and version is None:
        raise ApplicationError(
            _("该月报已存在，修改时必须提供读取时的版本号（version）。"), field="version"
        )
    with transaction.atomic():
        report = report_start(item=item, period=period, by=by)
        if report.state not in EDITABLE_STATES:
            raise ApplicationError(
                _("月报状态为“%(s)s”，只有草稿或被退回的月报可以修改。")
                % {"s": report.get_state_display()},
                code="transition",
            )
        report = report_save(
            report=report,
            by=by,
            version=report.version if created else version,
            data=data,
            indicator_values=indicator_values,
            milestones_reached=milestones_reached,
        )
        if submit:
            report = report_submit(report=report, by=by, version=report.version)
    return report, created


def reports_batch_save(
    *, unit: Unit, period: Period, by: User, rows: Sequence[BatchRow], submit: bool = False
) -> BatchResult:
    """Save (and, when asked, submit) many of the unit's reports for `period`, all or nothing.

    Raises BatchRowsError naming every refused row; nothing is written then."""
    _refuse_unless_allowed(can_fill_unit_reports(by, unit.pk), _("您不能填报该单位的月报。"))
    _refuse_if_closed(period)
    items = {
        i.pk: i
        for i in WorkItem.objects.filter(
            pk__in=[r.work_item_id for r in rows], lead_unit=unit, year=period.year
        ).select_related("project", "lead_unit")
    }
    result = BatchResult()
    seen: set[int] = set()

    def refuse(n: int, row: BatchRow, reason: str, header: str = "work_item") -> None:
        value = row.work_item_id if header == "work_item" else row.data.get(header, "")
        result.issues.append(CellIssue("error", BATCH_SHEET, n, None, header, value, reason))

    try:
        with transaction.atomic():
            for n, row in enumerate(rows, start=1):
                item = items.get(row.work_item_id)
                if item is None:
                    refuse(n, row, _("事项不属于本单位本年度的台账"))
                    continue
                if item.pk in seen:
                    refuse(n, row, _("同一事项在本批中出现了两次"))
                    continue
                seen.add(item.pk)
                try:
                    with transaction.atomic():
                        report, created = report_put(
                            item=item,
                            period=period,
                            by=by,
                            version=row.version,
                            data=row.data,
                            indicator_values=row.indicator_values,
                            milestones_reached=row.milestones_reached,
                            submit=submit,
                        )
                except ApplicationError as e:
                    refuse(n, row, str(e.message), e.field or "work_item")
                    continue
                result.reports.append(report)
                result.created.append(created)
            if result.issues:
                raise _Rollback
    except _Rollback:
        raise BatchRowsError(result.issues) from None
    return result

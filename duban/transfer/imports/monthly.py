"""The monthly round trip: a unit's workbook for a period, filled offline and uploaded back.

The workbook lists the unit's items (identifiers and last month's figures locked, the month's
cells open), and carries its unit and period in a hidden sheet so that a file for another unit
or period, or for a closed month, is refused with a message that says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import PatternFill, Protection

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.org.models import Unit, User
from duban.reporting.models import EDITABLE_STATES, MonthClose, MonthlyReport
from duban.reporting.permissions import can_fill_report
from duban.reporting.selectors import closed_periods, counted_ytd, reporting_period_default
from duban.reporting.services import report_save, report_start, report_submit
from duban.sheets.errors import CellIssue
from duban.sheets.reader import workbook_read
from duban.sheets.tables import workbook_parse
from duban.sheets.writer import OutColumn, OutGroup, cell_write, office_sheet_write
from duban.transfer.imports.errorbook import error_workbook

META_SHEET = "_duban"
FILL = PatternFill("solid", fgColor="FFF2CC")
_OPEN = Protection(locked=False)


def _items(unit: Unit, year: int) -> list[WorkItem]:
    return list(
        WorkItem.objects.filter(year=year, lead_unit=unit)
        .exclude(status=WorkItem.Status.DRAFT)
        .select_related("project")
        .order_by("kind", "seq", "pk")
    )


# The office layout is Chinese whatever the interface language (labels such as states too).
@translation.override("zh-hans")
def monthly_workbook(*, unit: Unit, period: Period) -> bytes:
    """The unit's items for `period`: last month's figures beside the blanks to fill."""
    items = _items(unit, period.year)
    previous = counted_ytd(items, period.previous()) if period.month > 1 else {}
    last = (
        {
            r.work_item_id: r
            for r in MonthlyReport.objects.filter(
                work_item__in=items, year=period.year, month=period.month - 1
            )
        }
        if period.month > 1
        else {}
    )
    current = {
        r.work_item_id: r
        for r in MonthlyReport.objects.filter(
            work_item__in=items, year=period.year, month=period.month
        )
    }
    columns = [
        OutColumn("事项编号", width=9),
        OutColumn("序号", kind="seq", width=6),
        OutColumn("项目名称", width=28),
        OutColumn("项目代码", width=26),
        OutColumn("年度计划投资", kind="money"),
        OutColumn(
            f"1-{period.month - 1}月累计完成投资" if period.month > 1 else "上年结转", kind="money"
        ),
        OutColumn("上月形象进度", width=24),
        OutColumn("本月完成投资", parent=f"{period.month}月填报", kind="money"),
        OutColumn("形象进度", parent=f"{period.month}月填报", width=24),
        OutColumn("存在问题", parent=f"{period.month}月填报", width=24),
        OutColumn("下步计划", parent=f"{period.month}月填报", width=24),
        OutColumn("是否开工", parent=f"{period.month}月填报", width=8),
        OutColumn("是否入统", parent=f"{period.month}月填报", width=8),
    ]
    rows = []
    for n, item in enumerate(items, start=1):
        now = current.get(item.pk)
        prev = last.get(item.pk)
        rows.append(
            [
                item.pk,
                n,
                item.title,
                item.project.code if item.project and item.project.code else "",
                item.annual_plan,
                previous.get(item.pk, Decimal(0)) if item.is_project else None,
                prev.progress_text if prev else "",
                now.investment_month if now else None,
                now.progress_text if now else "",
                now.problems_text if now else "",
                now.next_steps if now else "",
                ("是" if (now.started if now else item.actual_start) else "否")
                if item.is_project
                else "",
                ("是" if (now.in_statistics if now else item.in_statistics) else "否")
                if item.is_project
                else "",
            ]
        )
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    ws = wb.create_sheet(f"{period.month}月月报")
    office_sheet_write(
        ws,
        title=f"{unit.name}{period.year}年{period.month}月重点项目重点工作月报",
        reporter=unit.name,
        columns=columns,
        groups=[OutGroup("", rows)],
        total=None,
    )
    for r in range(5, 5 + len(rows)):
        for c in range(8, 14):
            ws.cell(r, c).protection = _OPEN
            ws.cell(r, c).fill = FILL
    ws.protection.sheet = True  # identifiers and last month's figures can't be typed over
    meta = wb.create_sheet(META_SHEET)
    for r, (key, value) in enumerate((("unit", unit.code), ("period", str(period))), start=1):
        cell_write(meta.cell(r, 1), key)
        cell_write(meta.cell(r, 2), value)
    meta.sheet_state = "hidden"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


@dataclass
class MonthlyRow:
    """One report the upload saved: which row, which item, created or updated, submitted."""

    row: int
    title: str
    created: bool
    submitted: bool = False


@dataclass
class MonthlyResult:
    period: Period | None = None
    unit: Unit | None = None
    saved: int = 0
    submitted: int = 0
    issues: list[CellIssue] = field(default_factory=list)
    rows: list[MonthlyRow] = field(default_factory=list)

    @property
    def errors(self) -> list[CellIssue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[CellIssue]:
        return [i for i in self.issues if not i.is_error]


def _meta(rows: Sequence[Sequence[Any]]) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in rows if len(r) >= 2 and r[0]}


def monthly_target(content: bytes, *, file_name: str) -> tuple[Unit, Period]:
    """The unit and period a monthly workbook was made for (from its hidden sheet)."""
    raw = workbook_read(content, file_name=file_name)
    sheet = next((s for s in raw.sheets if s.name == META_SHEET), None)
    meta = _meta(sheet.rows) if sheet else {}
    unit = Unit.objects.filter(code=meta.get("unit", "")).first()
    if sheet is None or unit is None or not meta.get("period"):
        raise ApplicationError(
            _("这不是从系统下载的月报工作簿（缺少单位和报告期信息），请先下载月报模板。")
        )
    return unit, Period.parse(meta["period"])


def _file_error(result: MonthlyResult, reason: str) -> MonthlyResult:
    result.issues.append(CellIssue("error", "", None, None, "", "", reason))
    return result


class _Rollback(Exception):  # noqa: N818 — control flow inside monthly_import
    pass


def monthly_import(
    *, content: bytes, file_name: str, by: User, unit: Unit, period: Period, submit: bool = False
) -> MonthlyResult:
    """Save (and, when asked, submit) the month's reports from a filled monthly workbook.

    All or nothing; a file for another unit or period, or for a closed month, is refused.
    """
    result = MonthlyResult(period=period, unit=unit)
    raw = workbook_read(content, file_name=file_name)
    meta_sheet = next((s for s in raw.sheets if s.name == META_SHEET), None)
    if meta_sheet is None:
        return _file_error(
            result,
            _("这不是从系统下载的月报工作簿（缺少单位和报告期信息），请先下载本月的月报模板。"),
        )
    meta = _meta(meta_sheet.rows)
    if meta.get("unit") != unit.code:
        return _file_error(
            result,
            _("这是单位“%(code)s”的月报，不是%(unit)s的，未导入。")
            % {"code": meta.get("unit", "?"), "unit": unit.name},
        )
    if meta.get("period") != str(period):
        return _file_error(
            result,
            _("这是%(other)s的月报，不是%(period)s的，未导入。")
            % {"other": meta.get("period", "?"), "period": period.label},
        )
    if MonthClose.objects.filter(year=period.year, month=period.month).exists():
        return _file_error(
            result, _("%(period)s已关账，月报已锁定，不能再导入。") % {"period": period.label}
        )
    raw.sheets = [s for s in raw.sheets if s.name != META_SHEET]
    book = workbook_parse(raw)
    table = book.tables[0]
    result.issues += table.issues
    items = {i.pk: i for i in _items(unit, period.year)}
    existing = set(
        MonthlyReport.objects.filter(
            work_item__in=list(items), year=period.year, month=period.month
        ).values_list("work_item_id", flat=True)
    )
    try:
        with transaction.atomic():
            for row in table.rows:
                _row_save(result, row, items, existing, by=by, period=period, submit=submit)
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.saved = result.submitted = 0
        result.rows = []
    return result


def _row_save(
    result: MonthlyResult,
    row: Any,
    items: dict[int, WorkItem],
    existing: set[int],
    *,
    by: User,
    period: Period,
    submit: bool,
) -> None:
    v = row.values
    col, raw_id = row.cells.get("item_id", (0, ""))

    def error(reason: str, field_name: str = "item_id") -> None:
        c, value = row.cells.get(field_name, (col, raw_id))
        result.issues.append(CellIssue("error", row.sheet, row.row, c, field_name, value, reason))

    try:
        item = items[int(float(raw_id))]
    except (KeyError, ValueError, TypeError):
        error(_("事项编号不属于本单位本年度的台账，请勿修改编号列"))
        return
    if not can_fill_report(by, item):
        error(_("您不能填报该事项的月报"))
        return
    data: dict[str, Any] = {}
    if v.get("month_investment") is not None:
        data["investment_month"] = v["month_investment"]
    for src, dest in (
        ("progress", "progress_text"),
        ("problems", "problems_text"),
        ("next_steps", "next_steps"),
    ):
        if v.get(src):
            data[dest] = v[src]
    if item.is_project:
        for src in ("started", "in_statistics"):
            if v.get(src) is not None:
                data[src] = v[src]
    if not data:
        return
    try:
        report = report_start(item=item, period=period, by=by)
        if report.state not in EDITABLE_STATES:
            error(
                _("该月报状态为“%(state)s”，不能再修改") % {"state": report.get_state_display()},
                "month_investment",
            )
            return
        report = report_save(report=report, by=by, version=report.version, data=data)
        result.saved += 1
        saved = MonthlyRow(row.row, item.title, created=item.pk not in existing)
        if submit:
            report_submit(report=report, by=by, version=report.version)
            result.submitted += 1
            saved.submitted = True
        result.rows.append(saved)
    except ApplicationError as e:
        error(str(e.message), "month_investment" if item.is_project else "progress")


def monthly_workbook_size(*, unit: Unit, period: Period) -> int:
    """How many items the unit's workbook for `period` holds (one row each)."""
    return (
        WorkItem.objects.filter(year=period.year, lead_unit=unit)
        .exclude(status=WorkItem.Status.DRAFT)
        .count()
    )


def monthly_periods_open(*, months: int | None = None) -> list[Period]:
    """The periods a unit may still fill, newest first: the reporting period and the months
    before it back to January of the year before (a backlog included), less the closed ones."""
    closed = closed_periods()
    period = reporting_period_default()
    if months is None:
        months = 12 + period.month
    periods = []
    for _n in range(months):
        if period not in closed:
            periods.append(period)
        period = period.previous()
    return periods


def monthly_error_workbook(*, content: bytes, file_name: str, issues: Sequence[CellIssue]) -> bytes:
    """The uploaded monthly workbook with its bad cells highlighted and commented."""
    return error_workbook(workbook_read(content, file_name=file_name), issues)

"""The month's reports of a period in the office layout: district-wide, one unit, or a user's scope.

Projects on one sheet grouped by lead unit, tasks on another; every item of the year appears,
with its report for the month or 未报. The 合计 row holds real values: the sums of the rows as
written. 1-N月累计 and 完成率 are the progress core's (counted reports only: a draft's figure is
shown in its month's column, with its state, but not added up).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import translation

from duban.core.money import quantize, ratio_pct
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import WorkItemFilters, work_item_list
from duban.org.models import Unit, User
from duban.reporting.models import MonthlyReport
from duban.reporting.progress import ItemProgress
from duban.reporting.selectors import progress_for_items
from duban.sheets.writer import OfficeSheet, OutColumn, OutGroup, office_book

NOT_REPORTED = "未报"


def _items(*, period: Period, unit: Unit | None, user: User | None) -> QuerySet[WorkItem]:
    if user is not None:
        qs = work_item_list(user=user, filters=WorkItemFilters(year=period.year))
    else:
        qs = WorkItem.objects.filter(year=period.year).select_related("lead_unit", "project")
    if unit is not None:
        # A unit's reports are those of the items it leads: it is the one that files them.
        qs = qs.filter(lead_unit=unit)
    return qs.exclude(status=WorkItem.Status.DRAFT).order_by(
        "kind", "lead_unit__sort_order", "lead_unit__pk", "seq", "pk"
    )


def _yes(flag: bool | None) -> str:
    return "" if flag is None else ("是" if flag else "否")


# The office layout and its messages are Chinese whatever the interface language.
@translation.override("zh-hans")
def reports_export(*, period: Period, unit: Unit | None = None, user: User | None = None) -> bytes:
    """The month's reports (of one unit, or what `user` may see) as an .xlsx in office layout."""
    items = list(_items(period=period, unit=unit, user=user))
    progress = progress_for_items(items, period)
    reports = {
        r.work_item_id: r
        for r in MonthlyReport.objects.filter(
            work_item__in=items, year=period.year, month=period.month
        )
    }
    reporter = unit.name if unit else "区重点项目推进办公室"
    projects = [i for i in items if i.kind == WorkItem.Kind.PROJECT]
    tasks = [i for i in items if i.kind == WorkItem.Kind.TASK]
    label = f"{period.year}年{period.month}月"
    sheets = []
    if projects or not tasks:
        columns, groups, total = _project_sheet(projects, period, progress, reports)
        title = f"{label}重点项目推进情况月报"
        sheets.append(OfficeSheet(f"{period.month}月项目月报", title, columns, groups, total))
    if tasks:
        columns, groups = _task_sheet(tasks, reports)
        title = f"{label}重点工作推进情况月报"
        sheets.append(OfficeSheet(f"{period.month}月工作月报", title, columns, groups))
    return office_book(sheets, reporter=reporter)


def _by_unit(items: Sequence[WorkItem]) -> dict[Unit, list[WorkItem]]:
    groups: dict[Unit, list[WorkItem]] = defaultdict(list)
    for item in items:
        groups[item.lead_unit].append(item)
    return groups


def _project_sheet(
    items: Sequence[WorkItem],
    period: Period,
    progress: dict[int, ItemProgress],
    reports: dict[int, MonthlyReport],
) -> tuple[list[OutColumn], list[OutGroup], list[Any]]:
    m = period.month
    parent = f"{period.year}年"
    columns = [
        OutColumn("序号", kind="seq", width=6),
        OutColumn("项目代码", width=26),
        OutColumn("项目名称", width=28),
        OutColumn("责任单位", width=14),
        OutColumn("年度计划投资", parent=parent, kind="money"),
        OutColumn(f"{m}月完成投资", parent=parent, kind="money"),
        OutColumn(f"1-{m}月累计完成投资", parent=parent, kind="money"),
        OutColumn("完成率(%)", parent=parent, kind="pct", width=10),
        OutColumn("是否开工", width=8),
        OutColumn("是否入统", width=8),
        OutColumn("形象进度", width=24),
        OutColumn("存在问题", width=24),
        OutColumn("下步计划", width=24),
        OutColumn("月报状态", width=10),
    ]
    sums = {"plan": Decimal(0), "month": Decimal(0), "ytd": Decimal(0)}
    groups = []
    for lead, members in _by_unit(items).items():
        rows = []
        for n, item in enumerate(members, start=1):
            report = reports.get(item.pk)
            month = report.investment_month if report else None
            prog = progress.get(item.pk)
            ytd = prog.figures.ytd_investment if prog else Decimal(0)
            rate = prog.figures.completion_pct if prog else None
            rows.append(
                [
                    n,
                    item.project.code if item.project and item.project.code else "",
                    item.project.name if item.project else item.title,
                    lead.name,
                    item.annual_plan,
                    month,
                    ytd,
                    quantize(rate, 1) if rate is not None else None,
                    _yes(report.started if report else item.actual_start is not None),
                    _yes(report.in_statistics if report else item.in_statistics),
                    report.progress_text if report else "",
                    report.problems_text if report else "",
                    report.next_steps if report else "",
                    report.get_state_display() if report else NOT_REPORTED,
                ]
            )
            sums["plan"] += item.annual_plan or 0
            sums["month"] += month or 0
            sums["ytd"] += ytd
        groups.append(OutGroup(lead.name, rows))
    rate = ratio_pct(sums["ytd"], sums["plan"])
    total: list[Any] = ["", "", "合计", ""]
    total += [sums["plan"], sums["month"], sums["ytd"]]
    total += [quantize(rate, 1) if rate is not None else None]
    return columns, groups, total


def _task_sheet(
    items: Sequence[WorkItem], reports: dict[int, MonthlyReport]
) -> tuple[list[OutColumn], list[OutGroup]]:
    columns = [
        OutColumn("序号", kind="seq", width=6),
        OutColumn("督办事项", width=30),
        OutColumn("牵头单位", width=14),
        OutColumn("办理进展", width=30),
        OutColumn("存在问题", width=24),
        OutColumn("下步计划", width=24),
        OutColumn("月报状态", width=10),
    ]
    groups = []
    for lead, members in _by_unit(items).items():
        rows = []
        for n, item in enumerate(members, start=1):
            report = reports.get(item.pk)
            rows.append(
                [
                    n,
                    item.title,
                    lead.name,
                    report.progress_text if report else "",
                    report.problems_text if report else "",
                    report.next_steps if report else "",
                    report.get_state_display() if report else NOT_REPORTED,
                ]
            )
        groups.append(OutGroup(lead.name, rows))
    return columns, groups

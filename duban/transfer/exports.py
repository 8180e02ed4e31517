"""A year's ledger back out in the office layout (CONVENTIONS §1): the shape import reads.

Projects go on one sheet grouped by level, tasks (督办台账) on another; the 合计 row holds real
values; 1-N月完成投资 and the lights come from the progress core for the month the ledger
shows by default (a closed month from its snapshot).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import translation

from duban.core.money import quantize, ratio_pct
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import WorkItemFilters, work_item_list
from duban.org.models import Unit, User
from duban.reporting.models import COUNTING_STATES, MonthlyReport
from duban.reporting.progress import ItemProgress
from duban.reporting.selectors import figures_period_default, progress_for_items
from duban.sheets.writer import OfficeSheet, OutColumn, OutGroup, office_book

LEVEL_GROUPS = [
    (WorkItem.Level.PROVINCE, "省重点项目"),
    (WorkItem.Level.CITY, "市重点项目"),
    (WorkItem.Level.DISTRICT, "区重点项目"),
]


def _items(*, year: int, unit: Unit | None, user: User | None) -> QuerySet[WorkItem]:
    if user is not None:
        return work_item_list(
            user=user, filters=WorkItemFilters(year=year, unit=unit.pk if unit else None)
        )
    qs = WorkItem.objects.filter(year=year).select_related(
        "lead_unit", "project", "project__owner", "lead_leader"
    )
    if unit is not None:
        qs = qs.filter(Q(lead_unit=unit) | Q(co_units=unit)).distinct()
    return qs.prefetch_related("co_units").order_by("kind", "lead_unit__sort_order", "seq", "pk")


def _person(user: User | None) -> str:
    return (user.full_name or user.username) if user else ""


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


# The office layout and its messages are Chinese whatever the interface language.
@translation.override("zh-hans")
def ledger_export(*, year: int, unit: Unit | None = None, user: User | None = None) -> bytes:
    """The year's ledger (of one unit, or what `user` may see) as an .xlsx in office layout."""
    items = list(_items(year=year, unit=unit, user=user))
    shown = figures_period_default(year, user=user)
    month: int | None = shown.month if shown <= Period.current() else None
    progress: dict[int, ItemProgress] = {}
    reports: dict[int, MonthlyReport] = {}
    if month:
        progress = progress_for_items(items, shown)
        reports = {
            r.work_item_id: r
            for r in MonthlyReport.objects.filter(
                work_item__in=items, year=year, month=month, state__in=COUNTING_STATES
            )
        }
    reporter = unit.name if unit else "区重点项目推进办公室"
    as_of = f"（截至{month}月底）" if month else ""
    projects = [i for i in items if i.kind == WorkItem.Kind.PROJECT]
    tasks = [i for i in items if i.kind == WorkItem.Kind.TASK]
    sheets = []
    if projects or not tasks:
        columns, groups, total = _project_sheet(projects, year, month, progress, reports)
        title = f"{year}年重点项目推进情况台账{as_of}"
        sheets.append(OfficeSheet(f"{year}年重点项目", title, columns, groups, total))
    if tasks:
        columns, groups = _task_sheet(tasks, reports)
        sheets.append(
            OfficeSheet(f"{year}年重点工作", f"{year}年重点工作督办台账{as_of}", columns, groups)
        )
    return office_book(sheets, reporter=reporter)


def _project_sheet(
    items: Sequence[WorkItem],
    year: int,
    month: int | None,
    progress: dict[int, ItemProgress],
    reports: dict[int, MonthlyReport],
) -> tuple[list[OutColumn], list[OutGroup], list[Any]]:
    y = f"{year}年度"
    columns = [
        OutColumn("序号", kind="seq", width=6),
        OutColumn("项目代码", width=26),
        OutColumn("项目名称", width=28),
        OutColumn("责任单位", width=14),
        OutColumn("配合单位", width=14),
        OutColumn("责任领导", width=10),
        OutColumn("建设地点", width=14),
        OutColumn("建设规模及内容", width=30),
        OutColumn("建设起止年限", width=12),
        OutColumn("产业类别", width=10),
        OutColumn("建设性质", width=8),
        OutColumn("项目阶段", width=10),
        OutColumn("总投资", kind="money"),
        OutColumn("开工以来累计完成投资", kind="money"),
        OutColumn("计划投资", parent=y, kind="money"),
    ]
    if month:
        columns += [
            OutColumn(f"1-{month}月完成投资", parent=y, kind="money"),
            OutColumn("完成率(%)", parent=y, kind="pct", width=10),
        ]
    columns += [
        OutColumn("是否开工", width=8),
        OutColumn("计划开工时间", kind="date"),
        OutColumn("实际开工时间", kind="date"),
        OutColumn("计划竣工时间", kind="date"),
        OutColumn("是否入统", width=8),
        OutColumn("形象进度", width=24),
        OutColumn("存在问题", width=24),
        OutColumn("下步计划", width=24),
    ]
    if month:
        columns += [OutColumn("亮灯", width=6), OutColumn("亮灯原因", width=30)]
    by_level: dict[str, list[list[Any]]] = defaultdict(list)
    sums = {"total": Decimal(0), "since": Decimal(0), "plan": Decimal(0), "ytd": Decimal(0)}
    for item in items:
        p = item.project
        if p is None:  # a project item always has its project (a DB constraint)
            continue
        prog = progress.get(item.pk)
        done = prog.figures.ytd_investment if prog else Decimal(0)
        since = item.prior_cumulative + done
        report = reports.get(item.pk)
        row: list[Any] = [
            len(by_level[item.level]) + 1,
            p.code or "",
            p.name,
            item.lead_unit.name,
            "、".join(u.name for u in item.co_units.all()),
            _person(item.lead_leader),
            p.location,
            item.content_scale,
            f"{p.start_year}-{p.end_year}" if p.start_year and p.end_year else "",
            p.get_industry_display(),
            item.get_category_display() if item.category else "",
            p.get_stage_display(),
            p.total_investment,
            since,
            item.annual_plan,
        ]
        if month:
            rate = ratio_pct(done, item.annual_plan)
            row += [done, quantize(rate, 1) if rate is not None else None]
        row += [
            _yes(item.actual_start is not None),
            item.planned_start,
            item.actual_start,
            item.planned_finish,
            _yes(item.in_statistics),
            report.progress_text if report else "",
            report.problems_text if report else "",
            report.next_steps if report else "",
        ]
        if month:
            row += [
                str(prog.light.label) if prog else "",
                "；".join(prog.reason_texts) if prog else "",
            ]
        by_level[item.level].append(row)
        sums["total"] += p.total_investment or 0
        sums["since"] += since
        sums["plan"] += item.annual_plan or 0
        sums["ytd"] += done
    groups = [OutGroup(label, by_level[level]) for level, label in LEVEL_GROUPS if by_level[level]]
    total: list[Any] = ["", "", "合计", "", "", "", "", "", "", "", "", ""]
    total += [sums["total"], sums["since"], sums["plan"]]
    if month:
        rate = ratio_pct(sums["ytd"], sums["plan"])
        total += [sums["ytd"], quantize(rate, 1) if rate is not None else None]
    return columns, groups, total


def _task_sheet(
    items: Sequence[WorkItem], reports: dict[int, MonthlyReport]
) -> tuple[list[OutColumn], list[OutGroup]]:
    columns = [
        OutColumn("序号", kind="seq", width=6),
        OutColumn("督办事项", width=30),
        OutColumn("事项来源", width=10),
        OutColumn("交办时间", kind="date"),
        OutColumn("责任领导", width=10),
        OutColumn("牵头单位", width=14),
        OutColumn("配合单位", width=14),
        OutColumn("完成时限", kind="date"),
        OutColumn("工作目标", width=30),
        OutColumn("办理进展", width=30),
        OutColumn("办结情况", width=10),
    ]
    rows = []
    for n, item in enumerate(items, start=1):
        report = reports.get(item.pk)
        rows.append(
            [
                n,
                item.title,
                item.source,
                item.assigned_on,
                _person(item.lead_leader),
                item.lead_unit.name,
                "、".join(u.name for u in item.co_units.all()),
                item.planned_finish,
                item.content_scale,
                report.progress_text if report else "",
                "已办结" if item.status == WorkItem.Status.DONE else "正在办理",
            ]
        )
    return columns, [OutGroup("", rows)]

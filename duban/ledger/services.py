"""Writes to the ledger: projects, work items, indicators, milestones, hand-out, carry-over."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from simple_history.utils import bulk_create_with_history

from duban.core import clock
from duban.core.dates import dates_check
from duban.core.errors import ApplicationError
from duban.core.formatting import join_clauses, join_items
from duban.core.history import recorded_as_by
from duban.core.services import full_clean_or_raise, lock_version, locked_update
from duban.ledger.models import (
    FundingSource,
    Indicator,
    Milestone,
    NodeTemplateSet,
    PlanMonth,
    Project,
    WorkItem,
)
from duban.ledger.validators import normalize_project_code
from duban.org.models import Unit, User

logger = logging.getLogger(__name__)

PROJECT_FIELDS = {
    "code",
    "name",
    "owner",
    "location",
    "scale_content",
    "start_year",
    "end_year",
    "total_investment",
    "stage",
    "nature",
    "industry",
}
WORK_ITEM_FIELDS = {
    "year",
    "kind",
    "project",
    "seq",
    "title",
    "content_scale",
    "schedule",
    "source",
    "assigned_on",
    "lead_leader",
    "lead_unit",
    "level",
    "category",
    "annual_plan",
    "prior_cumulative",
    "planned_start",
    "actual_start",
    "planned_finish",
    "actual_finish",
    "in_statistics",
    "in_statistics_date",
    "steward",
    "status",
}


def _only(data: Mapping[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = set(data) - allowed
    if unknown:
        raise ApplicationError(_("不能修改这些字段：%(f)s") % {"f": join_items(sorted(unknown))})
    return dict(data)


@transaction.atomic
def project_create(*, data: Mapping[str, Any]) -> Project:
    """Create a project after validating every field (the code's shape included)."""
    project = Project(**_only(data, PROJECT_FIELDS))
    project.code = normalize_project_code(project.code)
    full_clean_or_raise(project)
    project.save()
    return project


@transaction.atomic
def project_update(*, project: Project, version: int, data: Mapping[str, Any]) -> Project:
    """Update a project; raises ConflictError when it changed since `version`."""
    fields = _only(data, PROJECT_FIELDS)
    if "code" in fields:
        fields["code"] = normalize_project_code(fields["code"])
    return locked_update(
        Project, pk=project.pk, version=version, data=fields, label=pgettext("model name", "项目")
    )


# A work item's days, plans and facts alike, lie in duban.core.dates' window: a ledger is
# drawn up ahead (交办时间 and 实际开工 are often typed before the day), so "not after today"
# is left to the monthly report. The ledger import checks the same list.
WORK_ITEM_DATES = (
    "assigned_on",
    "planned_start",
    "actual_start",
    "planned_finish",
    "actual_finish",
    "in_statistics_date",
)


def _check_item_consistency(item: WorkItem) -> None:
    dates_check(item, WORK_ITEM_DATES)
    if item.kind == WorkItem.Kind.PROJECT and item.project_id is None:
        raise ApplicationError(_("重点项目必须关联项目。"))
    if item.kind == WorkItem.Kind.TASK and item.project_id is not None:
        raise ApplicationError(_("重点工作不能关联项目。"))
    if item.actual_finish and item.actual_start and item.actual_finish < item.actual_start:
        raise ApplicationError(_("实际完成时间不能早于实际开工时间。"))
    if item.planned_finish and item.planned_start and item.planned_finish < item.planned_start:
        raise ApplicationError(_("计划完成时间不能早于计划开工时间。"))


@transaction.atomic
def work_item_create(*, data: Mapping[str, Any], co_units: Sequence[Unit] = ()) -> WorkItem:
    """Create a draft work item; it is handed out separately (see work_item_hand_out)."""
    fields = _only(data, WORK_ITEM_FIELDS)
    item = WorkItem(**fields)
    if not item.title and item.project_id:
        item.title = item.project.name  # type: ignore[union-attr]
    _check_item_consistency(item)
    full_clean_or_raise(item)
    item.save()
    if co_units:
        _set_co_units(item, co_units)
    return item


def _set_co_units(item: WorkItem, co_units: Sequence[Unit]) -> None:
    if any(u.pk == item.lead_unit_id for u in co_units):
        raise ApplicationError(_("牵头单位不能同时是配合单位。"))
    item.co_units.set(co_units)


@transaction.atomic
def work_item_update(
    *,
    item: WorkItem,
    version: int,
    data: Mapping[str, Any],
    co_units: Sequence[Unit] | None = None,
) -> WorkItem:
    """Update a work item; raises ConflictError when it changed since `version`."""
    fields = _only(data, WORK_ITEM_FIELDS)
    if "year" in fields and fields["year"] != item.year and item.reports.exists():
        raise ApplicationError(_("事项已有月报，不能更改年度。"))
    updated = locked_update(
        WorkItem,
        pk=item.pk,
        version=version,
        data=fields,
        label=pgettext("model name", "台账事项"),
        check=_check_item_consistency,
    )
    if co_units is not None:
        _set_co_units(updated, co_units)
    return updated


def hand_out_problems(item: WorkItem) -> list[str]:
    """Why `item` cannot be handed out yet (empty when it can)."""
    problems = []
    # A deadline from an earlier year (e.g. copied by carry-over) binds nobody this year.
    measurable = any(
        i.is_measurable and i.deadline and i.deadline.year >= item.year
        for i in item.indicators.all()
    )
    dated = any(
        m.planned_date and m.actual_date is None and m.planned_date.year >= item.year
        for m in item.milestones.all()
    )
    if not (measurable or dated):
        problems.append(
            _(
                "至少需要一个有目标值、且完成时限在本年度或以后的指标，或一个计划日期在本年度或以后、尚未完成的节点（有指标、有量化、有时限）。"
            )
        )
    if not item.lead_unit_id:
        problems.append(_("缺少牵头单位。"))
    if not item.content_scale.strip():
        problems.append(_("缺少内容规模/工作目标。"))
    return problems


@transaction.atomic
@recorded_as_by
def work_item_hand_out(*, item: WorkItem, by: User, version: int) -> WorkItem:
    """Hand a draft item out to its units; raises ApplicationError listing what is missing,
    ConflictError when the item changed since `version` (the page always sends it)."""
    item = _lock_item(item, version)
    if item.status != WorkItem.Status.DRAFT:
        raise ApplicationError(
            _("只有待下达的事项才能下达（当前状态：%(s)s）。") % {"s": item.get_status_display()}
        )
    problems = hand_out_problems(item)
    if problems:
        raise ApplicationError(_("不能下达：") + "".join(problems))
    item.status = WorkItem.Status.ACTIVE
    item.handed_out_at = clock.now()
    item.version += 1
    item.save(update_fields=["status", "handed_out_at", "version", "updated_at"])
    logger.info("work_item.handed_out", extra={"work_item_id": item.pk, "by": by.pk})
    return item


# 万元 with four decimals in DecimalField(max_digits=16, decimal_places=4): 12 whole digits.
MONEY_WHOLE_DIGITS = 12
MONEY_PLACES = 4
FundingLine = tuple[str, Decimal, str]
# A breakdown is a handful of sources (eight kinds, a few bond batches); the bound keeps one
# request from writing (and matching against the saved lines) without limit.
FUNDING_MAX_LINES = 50


def money_problem(value: Decimal) -> str | None:
    """Why `value` can't be stored as an amount in 万元 (None when it can)."""
    if not value.is_finite():
        return _("不是有效的数字")
    if value < 0:
        return _("不能为负数")
    if value.normalize().as_tuple().exponent < -MONEY_PLACES:  # type: ignore[operator]
        return _("最多保留4位小数（万元精确到元）")
    if value >= Decimal(10) ** MONEY_WHOLE_DIGITS:
        return _("整数部分最多12位")
    return None


def _plain(value: Decimal) -> str:
    """12000.0000 → 12000, 141.2000 → 141.2 (no exponent) for a message."""
    return format(value.normalize(), "f")


def _lock_item(item: WorkItem, version: int | None) -> WorkItem:
    """The item's row, locked; ConflictError when it changed since `version` (None: no check)."""
    return lock_version(
        WorkItem,
        pk=item.pk,
        version=version,
        label=pgettext("model name", "台账事项"),
        related=("project",),
    )


def _bump_version(item: WorkItem, by: User | None) -> None:
    # Funding and the plan curve belong to the item: a form opened before this edit is stale.
    item.version += 1
    if by is not None:
        item._history_user = by  # type: ignore[attr-defined]
    item.save(update_fields=["version", "updated_at"])


def _delete_with_history(rows: Sequence[FundingSource | PlanMonth], by: User | None) -> None:
    for row in rows:
        if by is not None:
            row._history_user = by  # type: ignore[union-attr]
        row.delete()


def plan_curve_mismatch(values: Sequence[Decimal], annual_plan: Decimal | None) -> str | None:
    """Why 12 monthly plans can't be the item's curve (no annual plan, or they don't add up
    to it: 序时进度 would not reach 100% in December), or None when they can."""
    if annual_plan is None:
        return _("请先填写年度计划投资，再设置月度计划曲线。")
    total = sum(values, Decimal(0))
    if total != annual_plan:
        return _("12个月计划合计%(t)s万元，与年度计划投资%(p)s万元不一致。") % {
            "t": _plain(total),
            "p": _plain(annual_plan),
        }
    return None


@transaction.atomic
@recorded_as_by
def work_item_set_plan_curve(
    *,
    item: WorkItem,
    amounts: Sequence[Decimal | None],
    version: int,
    by: User | None = None,
) -> WorkItem:
    """Replace the 12-month plan curve; no values (or all blank) removes it.

    A blank month counts as 0. The months must add up to the annual plan, or 序时进度 would not
    reach 100% in December. Raises ConflictError when the item changed since `version`,
    ApplicationError listing every problem; writes nothing then. Returns the item as saved.
    """
    locked = _lock_item(item, version)
    blank = not amounts or all(a is None for a in amounts)
    values: list[Decimal] = []
    if not blank:
        if len(amounts) != 12:
            raise ApplicationError(_("月度计划曲线需要12个月的数值。"))
        values = [a if a is not None else Decimal(0) for a in amounts]
        problems = []
        for month, value in enumerate(values, start=1):
            reason = money_problem(value)
            if reason:
                problems.append(_("%(m)s月计划投资%(reason)s。") % {"m": month, "reason": reason})
        if problems:
            raise ApplicationError(join_clauses(problems))
        mismatch = plan_curve_mismatch(values, locked.annual_plan)
        if mismatch:
            raise ApplicationError(mismatch)
    current = {pm.month: pm for pm in locked.plan_months.all()}
    changed = False
    if blank:
        _delete_with_history(list(current.values()), by)
        changed = bool(current)
    else:
        new = []
        for month, value in enumerate(values, start=1):
            row = current.get(month)
            if row is None:
                new.append(PlanMonth(work_item=locked, month=month, amount=value))
            elif row.amount != value:
                row.amount = value
                if by is not None:
                    row._history_user = by  # type: ignore[attr-defined]
                row.save(update_fields=["amount"])
                changed = True
        if new:
            bulk_create_with_history(new, PlanMonth, default_user=by)
            changed = True
    if changed:
        _bump_version(locked, by)
        logger.info("work_item.plan_curve_set", extra={"work_item_id": locked.pk})
    return locked


def _funding_problems(locked: WorkItem, lines: Sequence[FundingLine]) -> list[str]:
    if len(lines) > FUNDING_MAX_LINES:
        return [
            _("资金来源最多%(max)s行，提交了%(n)s行。")
            % {"max": FUNDING_MAX_LINES, "n": len(lines)}
        ]
    problems = []
    sources = set(FundingSource.Source.values)
    note_length = FundingSource._meta.get_field("note").max_length or 200
    for n, (source, amount, note) in enumerate(lines, start=1):
        if source not in sources:
            problems.append(_("第%(n)s行：请选择资金来源。") % {"n": n})
        reason = money_problem(amount)
        if reason:
            problems.append(_("第%(n)s行：金额%(reason)s。") % {"n": n, "reason": reason})
        if len(note) > note_length:
            problems.append(_("第%(n)s行：说明最多%(max)s个字。") % {"n": n, "max": note_length})
    if problems:
        return problems
    total = sum((amount for _s, amount, _n in lines), Decimal(0))
    ceiling = locked.project.total_investment if locked.project else None
    if ceiling is not None and total > ceiling:
        problems.append(
            _("资金来源合计%(t)s万元，超过项目总投资%(p)s万元。")
            % {"t": _plain(total), "p": _plain(ceiling)}
        )
    return problems


def _match_funding(
    existing: Sequence[FundingSource], lines: Sequence[FundingLine]
) -> dict[int, FundingSource]:
    """Which saved row each wanted line continues: the same line first, then the same source,
    so the history says "amount changed" rather than "deleted and created"."""
    remaining = list(existing)
    matched: dict[int, FundingSource] = {}
    for exact in (True, False):
        for i, (source, amount, note) in enumerate(lines):
            if i in matched:
                continue
            row = next(
                (
                    r
                    for r in remaining
                    if r.source == source and (not exact or (r.amount, r.note) == (amount, note))
                ),
                None,
            )
            if row is not None:
                matched[i] = row
                remaining.remove(row)
    return matched


@transaction.atomic
@recorded_as_by
def funding_set(
    *,
    item: WorkItem,
    lines: Sequence[FundingLine],
    version: int,
    by: User | None = None,
) -> list[FundingSource]:
    """Replace the funding breakdown with (source, amount, note) lines; [] removes it.

    Every amount is a storable 万元 amount ≥ 0, and the total stays within the project's total
    investment. Raises ConflictError when the item changed since `version`, ApplicationError
    listing every problem; writes nothing then. Returns the lines as saved.
    """
    locked = _lock_item(item, version)
    lines = [(source, amount, note.strip()) for source, amount, note in lines]
    problems = _funding_problems(locked, lines)
    if problems:
        raise ApplicationError(join_clauses(problems))
    existing = list(locked.funding.order_by("pk"))
    matched = _match_funding(existing, lines)
    new = []
    changed = False
    for i, (source, amount, note) in enumerate(lines):
        row = matched.get(i)
        if row is None:
            new.append(FundingSource(work_item=locked, source=source, amount=amount, note=note))
        elif (row.source, row.amount, row.note) != (source, amount, note):
            row.source, row.amount, row.note = source, amount, note
            if by is not None:
                row._history_user = by  # type: ignore[attr-defined]
            row.save()
            changed = True
    gone = [row for row in existing if row not in matched.values()]
    if gone:
        _delete_with_history(gone, by)
        changed = True
    if new:
        bulk_create_with_history(new, FundingSource, default_user=by)
        changed = True
    if changed:
        _bump_version(locked, by)
        logger.info("work_item.funding_set", extra={"work_item_id": locked.pk})
    return list(locked.funding.order_by("pk"))


@transaction.atomic
def indicator_create(*, item: WorkItem, data: Mapping[str, Any]) -> Indicator:
    indicator = Indicator(work_item=item, **data)
    if indicator.sort_order == 0:
        indicator.sort_order = item.indicators.count() + 1
    _check_indicator(indicator)
    full_clean_or_raise(indicator)
    indicator.save()
    return indicator


@transaction.atomic
def indicator_update(*, indicator: Indicator, version: int, data: Mapping[str, Any]) -> Indicator:
    return locked_update(
        Indicator,
        pk=indicator.pk,
        version=version,
        data=data,
        label=pgettext("model name", "指标"),
        check=_check_indicator,
    )


def _check_indicator(indicator: Indicator) -> None:
    dates_check(indicator, ("deadline",))


def _check_milestone(milestone: Milestone) -> None:
    dates_check(milestone, ("planned_date", "actual_date"))


@transaction.atomic
def milestone_create(*, item: WorkItem, data: Mapping[str, Any]) -> Milestone:
    milestone = Milestone(work_item=item, **data)
    if not milestone.sort_order:
        milestone.sort_order = item.milestones.count() + 1
    _check_milestone(milestone)
    full_clean_or_raise(milestone)
    milestone.save()
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, version: int, data: Mapping[str, Any]) -> Milestone:
    return locked_update(
        Milestone,
        pk=milestone.pk,
        version=version,
        data=data,
        label=pgettext("model name", "节点"),
        check=_check_milestone,
    )


@transaction.atomic
def milestones_from_template(
    *, item: WorkItem, template_set: NodeTemplateSet, by: User | None = None
) -> list[Milestone]:
    """Append the template's nodes (without dates) to the item's node plan, each with its "+"
    history row (the progress core's change feed and the audit read it)."""
    existing = set(item.milestones.values_list("name", flat=True))
    start = item.milestones.count()
    new = [
        Milestone(
            work_item=item,
            sort_order=start + i,
            name=node.name,
            responsible_unit_id=item.lead_unit_id,
        )
        for i, node in enumerate(
            (n for n in template_set.nodes.all() if n.name not in existing), start=1
        )
    ]
    return bulk_create_with_history(new, Milestone, default_user=by)

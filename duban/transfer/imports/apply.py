"""Write a checked plan in bulk: creates and updates per model, never a query per row."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar, cast

from django.contrib.auth.hashers import make_password
from django.db.models import F, Model
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from duban.core import clock
from duban.core.bulk import history_copy, history_m2m_copy, insert_many
from duban.ledger.models import PlanMonth, Project, WorkItem
from duban.org.models import Enterprise, Unit, User
from duban.org.services import name_alias_add, unit_create
from duban.reporting.models import MonthlyReport
from duban.transfer.imports.lookup import UNASSIGNED_CODE
from duban.transfer.imports.plan_names import Learned, Missing
from duban.transfer.imports.plan_row import RowPlan

M = TypeVar("M", bound=Model)
STREET_SUFFIXES = ("街道", "街道办事处", "镇", "乡", "办事处")
PARK_WORDS = ("园区", "开发区", "高新区", "产业园")
SOE_WORDS = ("集团", "公司", "有限")
TASK_FORCE_WORDS = ("专班", "指挥部")


def unit_kind_guess(name: str) -> str:
    """…街道/镇/乡 → street; 园区/开发区 → park; 集团/公司 → SOE; 专班 → task force."""
    if name.endswith(STREET_SUFFIXES):
        return Unit.Kind.STREET
    if any(w in name for w in PARK_WORDS):
        return Unit.Kind.PARK
    if any(w in name for w in TASK_FORCE_WORDS):
        return Unit.Kind.TASK_FORCE
    if any(w in name for w in SOE_WORDS):
        return Unit.Kind.SOE
    return Unit.Kind.DEPARTMENT


def _code(prefix: str, name: str) -> str:
    return f"{prefix}-{hashlib.sha1(name.encode()).hexdigest()[:10]}"  # noqa: S324 — a short id, not security


def missing_create(missing: Missing, *, owners: bool) -> tuple[list[str], list[str]]:
    """Create the units and leaders the file names but the system lacks (the office asked for
    them: --create-missing, or 新建 chosen in the preview), and the enterprises when `owners`."""
    units = [
        Unit(code=_code("imp", n), name=n[:100], kind=unit_kind_guess(n))
        for n in missing.units.values()
    ]
    bulk_create_with_history(units, Unit)
    unusable = make_password(None)
    leaders = [
        User(
            username=_code("leader", n),
            full_name=n[:50],
            role=User.Role.LEADER,
            password=unusable,
        )
        for n in missing.leaders.values()
    ]
    User.objects.bulk_create(leaders)
    if owners:
        bulk_create_with_history(
            [Enterprise(name=n[:200]) for n in missing.owners.values()], Enterprise
        )
    return [u.name for u in units], [u.full_name for u in leaders]


def learned_remember(learned: Learned) -> None:
    """The names the office chose in the preview, remembered as aliases for the next file."""
    for name, unit in learned.units.values():
        name_alias_add(alias=name, unit=unit, learned=True)
    for name, user in learned.leaders.values():
        name_alias_add(alias=name, user=user, learned=True)


def unassigned_unit() -> Unit:
    """待分配: the lead unit of rows whose file names none, until the office assigns them."""
    unit = Unit.objects.filter(code=UNASSIGNED_CODE).first()
    if unit is None:
        unit = unit_create(
            code=UNASSIGNED_CODE,
            name=str(_("待分配")),
            kind=Unit.Kind.OFFICE,
            assessed=False,
            sort_order=9999,
        )
    return unit


def plans_apply(plans: Sequence[RowPlan], *, by: User | None) -> None:
    """Write every row's changes; the caller holds the transaction.

    New projects, items and reports go in through `insert_many` (keys reserved up front, rows
    and history rows by `executemany`); changed ones through simple-history's bulk update.
    """
    now = clock.now()
    user_id = by.pk if by is not None else None
    created = [p for p in plans if p.project_new]
    keys = insert_many(Project, [p.project_changes for p in created], history_user_id=user_id)
    for p, key in zip(created, keys, strict=True):
        p.project_id = key
    for p in plans:
        if p.project is not None:
            p.project_id = p.project.pk
    changed_projects: dict[str, list[Project]] = {}
    whole = _whole(Project, [p.project for p in plans if p.project and p.project_changes])
    for p in plans:
        if p.project is not None and p.project_changes:
            project = whole[p.project.pk]
            for name, value in p.project_changes.items():
                setattr(project, name, value)
            project.version += 1
            project.updated_at = now
            changed_projects.setdefault(",".join(sorted(p.project_changes)), []).append(project)
    for fields, objs in changed_projects.items():
        bulk_update_with_history(
            objs, Project, [*fields.split(","), "version", "updated_at"], default_user=by
        )
    created = [p for p in plans if p.item_new]
    rows = [
        {"year": p.year, "kind": p.input.kind, **p.item_changes, "project_id": p.project_id}
        for p in created
    ]
    keys = insert_many(WorkItem, rows, history_user_id=user_id)
    for p, key in zip(created, keys, strict=True):
        p.item_id = key
    changed_items: dict[str, list[WorkItem]] = {}
    whole_items = _whole(WorkItem, [p.item for p in plans if p.item and p.item_changes])
    for p in plans:
        if p.item is not None:
            p.item_id = p.item.pk
            if p.item_changes:
                item = whole_items[p.item.pk]
                for name, value in p.item_changes.items():
                    setattr(item, name, value)
                item.version += 1
                item.updated_at = now
                changed_items.setdefault(",".join(sorted(p.item_changes)), []).append(item)
    for fields, items in changed_items.items():
        bulk_update_with_history(
            items, WorkItem, [*fields.split(","), "version", "updated_at"], default_user=by
        )
    _co_units_apply(plans, by=by)
    _plan_curves_apply(plans, by=by)
    _reports_apply(plans, by=by, now=now)


def _whole(model: type[M], objs: Sequence[M | None]) -> dict[int, M]:
    """The complete rows of objects the lookup fetched in part (lookup.py defers stamps)."""
    keys = [o.pk for o in objs if o is not None]
    return model._default_manager.in_bulk(keys) if keys else {}  # type: ignore[return-value]


def _co_units_apply(plans: Sequence[RowPlan], *, by: User | None) -> None:
    """Replace the co-units the file names, and record them in the items' history."""
    through = WorkItem.co_units.through
    touched = [p for p in plans if p.co_units is not None and p.item_id is not None]
    if not touched:
        return
    through.objects.filter(workitem_id__in=[p.item_id for p in touched if not p.item_new]).delete()
    through.objects.bulk_create(
        [through(workitem_id=p.item_id, unit_id=u.pk) for p in touched for u in p.co_units or []],
        ignore_conflicts=True,
    )
    # An item whose only change is its co-units has no history row from this import yet.
    history_copy(
        WorkItem,
        [p.item_id for p in touched if not p.item_new and not p.item_changes and p.item_id],
        history_user_id=by.pk if by is not None else None,
    )
    # The co-units go onto each item's newest history row: "+" or "~" of this import.
    history_m2m_copy(WorkItem, "co_units", [p.item_id for p in touched if p.item_id])


def _plan_curves_apply(plans: Sequence[RowPlan], *, by: User | None) -> None:
    """Replace the plan curves the file sets (history of the removed and added months kept)."""
    touched = [p for p in plans if p.plan_curve is not None and p.item_id is not None]
    if not touched:
        return
    ids = [p.item_id for p in touched]
    for row in PlanMonth.objects.filter(work_item_id__in=ids):
        if by is not None:
            row._history_user = by  # type: ignore[attr-defined]
        row.delete()
    bulk_create_with_history(
        [
            PlanMonth(work_item_id=cast(int, p.item_id), month=month, amount=amount)
            for p in touched
            for month, amount in enumerate(p.plan_curve or [], start=1)
        ],
        PlanMonth,
        default_user=by,
    )
    # The curve belongs to the item: a form opened before this import is stale now.
    WorkItem.objects.filter(pk__in=ids).update(version=F("version") + 1)


def _reports_apply(plans: Sequence[RowPlan], *, by: User | None, now: datetime) -> None:
    user_id = by.pk if by is not None else None
    more = []
    for p in plans:
        for sub in p.more_reports:
            sub.item_id = p.item_id
            more.append(sub)
    if more:
        plans = [*plans, *more]
    # The office's figures count at once: submitted and accepted by the importing user.
    stamps = {
        "created_by_id": user_id,
        "reviewed_by_id": user_id,
        "submitted_at": now,
        "first_submitted_at": now,
        "reviewed_at": now,
    }
    rows = [
        {
            "year": p.year,
            "month": p.report_month,
            **p.report_changes,
            "work_item_id": p.item_id,
            **stamps,
        }
        for p in plans
        if p.report_new and p.item_id is not None
    ]
    insert_many(MonthlyReport, rows, history_user_id=user_id, history_reason="import")
    changed: dict[str, list[MonthlyReport]] = {}
    whole = _whole(MonthlyReport, [p.report for p in plans if p.report and p.report_changes])
    for p in plans:
        if p.report is not None and not p.report_new and p.report_changes:
            r = whole[p.report.pk]
            for name, value in p.report_changes.items():
                setattr(r, name, value)
            extra = ["version", "updated_at", "reviewed_by", "reviewed_at"]
            r.version += 1
            r.updated_at = now  # type: ignore[assignment]
            r.reviewed_by, r.reviewed_at = by, now  # type: ignore[assignment]
            if r.submitted_at is None:
                r.submitted_at = r.first_submitted_at = now  # type: ignore[assignment]
                extra += ["submitted_at", "first_submitted_at"]
            changed.setdefault(",".join(sorted(p.report_changes) + extra), []).append(r)
    for fields, objs in changed.items():
        bulk_update_with_history(objs, MonthlyReport, fields.split(","), default_user=by)

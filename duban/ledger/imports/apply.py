"""Write a checked plan in bulk: creates and updates per model, never a query per row."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_change_reason_from_object,
)

from duban.ledger.imports.plan import Missing, RowPlan
from duban.ledger.models import Project, WorkItem
from duban.org.models import Enterprise, Unit, User
from duban.reporting.models import MonthlyReport

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


def missing_create(missing: Missing) -> tuple[list[str], list[str]]:
    """Create the units, leaders and enterprises the file names but the system lacks."""
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
    bulk_create_with_history(
        [Enterprise(name=n[:200]) for n in missing.owners.values()], Enterprise
    )
    return [u.name for u in units], [u.full_name for u in leaders]


HISTORY_SLICE = 500
PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.IntegerField,
    models.ForeignKey,
)


def _created_with_history(objs: Sequence[Model], model: type[Model], *, by: User | None) -> None:
    """`bulk_create`, then one "+" history row per object, as django-simple-history writes it.

    The history rows go in through `executemany` with each value prepared by its field: they
    need no primary key back, and building 40,000 historical model instances only to have
    `bulk_create` compile them value by value was most of an import's time.
    """
    model._default_manager.bulk_create(objs)
    if not objs or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = model.history.model  # type: ignore[attr-defined]
    fields = [f for f in history._meta.concrete_fields if f.attname != "history_id"]
    now = timezone.now()
    user_id = by.pk if by is not None else None
    special = {"history_date", "history_user_id", "history_change_reason", "history_type"}
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 — names from the model, values bound
        quote(history._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    # Text, integers, booleans and keys of a saved object go to the driver as they are; dates,
    # datetimes and decimals are adapted by their field (time zone, text form on SQLite).
    plain = [isinstance(f, PLAIN_FIELDS) for f in fields]
    rows = []
    for obj in objs:
        given = {
            "history_date": now,
            "history_user_id": user_id,
            "history_change_reason": get_change_reason_from_object(obj) or "",
            "history_type": "+",
        }
        row = []
        for f, is_plain in zip(fields, plain, strict=True):
            value = given[f.attname] if f.attname in special else getattr(obj, f.attname)
            row.append(value if is_plain else f.get_db_prep_save(value, connection))
        rows.append(row)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), HISTORY_SLICE):
            cursor.executemany(sql, rows[start : start + HISTORY_SLICE])


def plans_apply(plans: Sequence[RowPlan], *, by: User | None) -> None:
    """Write every row's changes; the caller holds the transaction."""
    now = timezone.now()
    for p in plans:
        p.materialize()
    new_projects = [p.project for p in plans if p.project_new and p.project is not None]
    _created_with_history(new_projects, Project, by=by)
    changed_projects: dict[str, list[Project]] = {}
    for p in plans:
        if p.project is not None and not p.project_new and p.project_changes:
            for name, value in p.project_changes.items():
                setattr(p.project, name, value)
            p.project.version += 1
            p.project.updated_at = now
            changed_projects.setdefault(",".join(sorted(p.project_changes)), []).append(p.project)
    for fields, objs in changed_projects.items():
        bulk_update_with_history(
            objs, Project, [*fields.split(","), "version", "updated_at"], default_user=by
        )
    new_items = []
    for p in plans:
        if p.item_new and p.item is not None:
            if p.project is not None:
                p.item.project = p.project
            new_items.append(p.item)
    _created_with_history(new_items, WorkItem, by=by)
    changed_items: dict[str, list[WorkItem]] = {}
    for p in plans:
        if p.item is not None and not p.item_new and p.item_changes:
            for name, value in p.item_changes.items():
                setattr(p.item, name, value)
            p.item.version += 1
            p.item.updated_at = now
            changed_items.setdefault(",".join(sorted(p.item_changes)), []).append(p.item)
    for fields, items in changed_items.items():
        bulk_update_with_history(
            items, WorkItem, [*fields.split(","), "version", "updated_at"], default_user=by
        )
    _co_units_apply(plans)
    _reports_apply(plans, by=by, now=now)


def _co_units_apply(plans: Sequence[RowPlan]) -> None:
    through = WorkItem.co_units.through
    touched = [p for p in plans if p.co_units is not None and p.item is not None]
    if not touched:
        return
    through.objects.filter(
        workitem_id__in=[p.item.pk for p in touched if not p.item_new and p.item]
    ).delete()
    through.objects.bulk_create(
        [
            through(workitem_id=p.item.pk, unit_id=u.pk)
            for p in touched
            if p.item is not None
            for u in p.co_units or []
        ],
        ignore_conflicts=True,
    )


def _reports_apply(plans: Sequence[RowPlan], *, by: User | None, now: datetime) -> None:
    new_reports = []
    for p in plans:
        if p.report_new and p.report is not None and p.item is not None:
            r = p.report
            r.work_item = p.item
            r.created_by = by
            r.submitted_at = r.first_submitted_at = r.reviewed_at = now  # type: ignore[assignment]
            r.reviewed_by = by
            r._change_reason = "import"  # type: ignore[attr-defined]
            new_reports.append(r)
    _created_with_history(new_reports, MonthlyReport, by=by)
    changed: dict[str, list[MonthlyReport]] = {}
    for p in plans:
        if p.report is not None and not p.report_new and p.report_changes:
            r = p.report
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

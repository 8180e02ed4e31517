"""Reads of the ledger, always through the user's scope (org.scoping)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from duban.core.formatting import join_items
from duban.ledger.models import FundingSource, Indicator, Milestone, PlanMonth, Project, WorkItem
from duban.ledger.scoping import work_items_in, work_items_q
from duban.org.models import Unit, User
from duban.org.scoping import scope_for


@dataclass
class WorkItemFilters:
    year: int | None = None
    unit: int | None = None
    level: str | None = None
    kind: str | None = None
    category: str | None = None
    stage: str | None = None
    status: str | None = None
    leader: int | None = None
    q: str | None = None


def project_list(*, user: User) -> QuerySet[Project]:
    scope = scope_for(user)
    qs = Project.objects.select_related("owner")
    if scope.everything:
        return qs
    return qs.filter(pk__in=work_items_in(scope).values("project_id"))


def work_item_list(*, user: User, filters: WorkItemFilters | None = None) -> QuerySet[WorkItem]:
    """The items the user may see, filtered; related rows fetched in a fixed number of queries."""
    qs = (
        WorkItem.objects.filter(work_items_q(scope_for(user)))
        .select_related("lead_unit", "project", "project__owner", "lead_leader", "steward")
        .prefetch_related(Prefetch("co_units", queryset=Unit.objects.order_by("sort_order")))
    )
    f = filters or WorkItemFilters()
    if f.year:
        qs = qs.filter(year=f.year)
    if f.unit:
        qs = qs.filter(
            Q(lead_unit_id=f.unit)
            | Q(
                pk__in=WorkItem.co_units.through.objects.filter(unit_id=f.unit).values(
                    "workitem_id"
                )
            )
        )
    if f.level:
        qs = qs.filter(level=f.level)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.stage:
        qs = qs.filter(project__stage=f.stage)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.leader:
        qs = qs.filter(lead_leader_id=f.leader)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(project__code__icontains=f.q))
    return qs.order_by("kind", "lead_unit__sort_order", "seq", "pk")


def work_item_get_for_user(*, user: User, item_id: int) -> WorkItem:
    """One item in the user's scope; missing and out-of-scope both answer 404."""
    return get_object_or_404(work_item_list(user=user), pk=item_id)


def indicators_for_item(item: WorkItem) -> QuerySet[Indicator]:
    return item.indicators.all()


def milestones_for_item(item: WorkItem) -> QuerySet[Milestone]:
    return item.milestones.select_related("responsible_unit")


# --- change history (django-simple-history) -------------------------------------------------

HISTORY_SKIP_FIELDS = frozenset({"created_at", "updated_at", "version"})


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class ChangeEntry:
    """One saved change of one record: who, when, what, and each field's old → new value."""

    when: datetime
    who: str
    subject: str
    action: str
    reason: str
    changes: list[FieldChange] = dc_field(default_factory=list)


def _display_value(model_field: Any, value: Any, names: Mapping[tuple[type, Any], str]) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        parts = []
        for row in value:
            if isinstance(row, dict):
                related = model_field.related_model
                key = related._meta.model_name
                pk = row.get(key, row.get(f"{key}_id"))
                parts.append(names.get((related, pk), str(pk)))
            else:
                parts.append(str(row))
        return join_items(parts) or "—"
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field is not None and model_field.is_relation and model_field.related_model:
        return names.get((model_field.related_model, value), str(value))
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _related_names(model: type[Model], deltas: Sequence[Any]) -> dict[tuple[type, Any], str]:
    """Names of the units, users… that changed foreign keys point at: one query per model."""
    wanted: dict[type[Model], set[Any]] = defaultdict(set)
    for delta in deltas:
        for change in delta.changes:
            model_field = _model_field(model, change.field)
            if model_field is None or not model_field.is_relation or not model_field.related_model:
                continue
            related = model_field.related_model
            for value in (change.old, change.new):
                if isinstance(value, list):
                    key = related._meta.model_name
                    wanted[related].update(
                        row.get(key, row.get(f"{key}_id")) for row in value if isinstance(row, dict)
                    )
                elif value is not None:
                    wanted[related].add(value)
    names: dict[tuple[type, Any], str] = {}
    for related, pks in wanted.items():
        for obj in related._default_manager.filter(pk__in=[p for p in pks if p is not None]):
            names[(related, obj.pk)] = str(obj)
    return names


def change_reason_label(reason: str) -> str:
    """The services' change reasons (short English codes) as words for the page."""
    known = {
        "save": pgettext("change history", "保存"),
        "submit": pgettext("change history", "提交"),
        "submit: awaiting sign-off": gettext("提交，待单位负责人审签"),
        "sign off": pgettext("change history", "审签"),
        "accept": pgettext("change history", "采纳"),
    }
    if reason.startswith("return: "):
        return gettext("退回：%(r)s") % {"r": reason.removeprefix("return: ")}
    if reason.startswith("report "):
        return gettext("采纳月报时更新")
    return known.get(reason, reason)


def _model_field(model: type[Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def history_entries(
    model: type[Model], records: Iterable[Any], subject: Callable[[Any], str]
) -> list[ChangeEntry]:
    """Readable entries from historical records of `model`, each diffed against the previous
    record of the same object (records are fetched once; diffs are computed in memory)."""
    by_object: dict[Any, list[Any]] = defaultdict(list)
    for record in records:
        by_object[record.id].append(record)
    pairs: list[tuple[Any, Any]] = []
    for rows in by_object.values():
        rows.sort(key=lambda r: (r.history_date, r.history_id))
        previous = None
        for record in rows:
            delta: Any = record.diff_against(previous) if previous is not None else None
            pairs.append((record, delta))
            previous = record
    names = _related_names(model, [d for _r, d in pairs if d is not None])
    actions = {"+": gettext("新建"), "~": gettext("修改"), "-": gettext("删除")}
    entries: list[ChangeEntry] = []
    for record, delta in pairs:
        changes: list[FieldChange] = []
        if delta is not None:
            for change in delta.changes:
                if change.field in HISTORY_SKIP_FIELDS:
                    continue
                model_field = _model_field(model, change.field)
                label = str(model_field.verbose_name) if model_field is not None else change.field
                changes.append(
                    FieldChange(
                        label,
                        _display_value(model_field, change.old, names),
                        _display_value(model_field, change.new, names),
                    )
                )
        if record.history_type == "~" and not changes and not record.history_change_reason:
            continue
        user = record.history_user
        entries.append(
            ChangeEntry(
                when=record.history_date,
                who=user.display_name if user is not None else gettext("系统"),
                subject=subject(record),
                action=actions.get(record.history_type, record.history_type),
                reason=change_reason_label(record.history_change_reason or ""),
                changes=changes,
            )
        )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def work_item_history(item: WorkItem) -> list[ChangeEntry]:
    """The changes of an item and of its indicators, milestones, funding and plan curve,
    newest first."""
    entries = history_entries(
        WorkItem,
        item.history.select_related("history_user").all(),
        lambda r: pgettext("model name", "台账事项"),
    )
    entries += history_entries(
        Indicator,
        Indicator.history.filter(work_item_id=item.pk).select_related("history_user"),
        lambda r: gettext("指标：%(n)s") % {"n": r.name},
    )
    entries += history_entries(
        Milestone,
        Milestone.history.filter(work_item_id=item.pk).select_related("history_user"),
        lambda r: gettext("节点：%(n)s") % {"n": r.name},
    )
    entries += history_entries(
        FundingSource,
        FundingSource.history.filter(work_item_id=item.pk).select_related("history_user"),
        lambda r: gettext("资金来源：%(s)s") % {"s": r.get_source_display()},
    )
    entries += history_entries(
        PlanMonth,
        PlanMonth.history.filter(work_item_id=item.pk).select_related("history_user"),
        lambda r: gettext("月度计划：%(m)s月") % {"m": r.month},
    )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def plan_curve_total(months: Sequence[PlanMonth]) -> Decimal | None:
    """The curve's total (万元), or None without a curve."""
    if not months:
        return None
    return sum((m.amount for m in months), Decimal(0))


def plan_curve_disagrees(item: WorkItem, months: Sequence[PlanMonth]) -> bool:
    """The saved curve no longer adds up to the annual plan (changed after the curve was set,
    or imported): 序时进度 then follows the curve's shares of the annual plan."""
    total = plan_curve_total(months)
    return total is not None and item.annual_plan is not None and total != item.annual_plan


def work_items_carry_over_candidates(*, user: User, year: int) -> QuerySet[WorkItem]:
    """The year's items that a carry-over would copy to next year (unfinished, not yet carried)."""
    return (
        work_item_list(user=user, filters=WorkItemFilters(year=year))
        .filter(carried_to__isnull=True)
        .exclude(status=WorkItem.Status.DONE)
        .exclude(project__stage__in=[Project.Stage.COMPLETED, Project.Stage.OPERATING])
    )


def work_item_years(*, user: User) -> list[int]:
    """The ledger years the user has items in, newest first."""
    years = (
        WorkItem.objects.filter(work_items_q(scope_for(user)))
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return list(years)


def default_ledger_year(*, user: User, preferred: int) -> int:
    """`preferred` (the reporting year) when the user has items in it, else their latest year."""
    years = work_item_years(user=user)
    if not years or preferred in years:
        return preferred
    earlier = [y for y in years if y <= preferred]
    return earlier[0] if earlier else years[-1]

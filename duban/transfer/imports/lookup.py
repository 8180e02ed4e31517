"""Everything the rows refer to, fetched in a handful of queries (never one per row)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.db.models import Model, Q, QuerySet

from duban.core.bulk import values_in
from duban.ledger.models import PlanMonth, Project, WorkItem
from duban.org.models import Enterprise, Unit, User
from duban.org.names import LeaderNames, UnitNames, name_key
from duban.reporting.models import MonthClose, MonthlyReport
from duban.reporting.progress import is_counted, year_to_date
from duban.transfer.imports.rows import RowInput

STAMPS = ("created_at", "updated_at")
ITEM_UNCOMPARED = (*STAMPS, "handed_out_at", "schedule")
REPORT_UNCOMPARED = (
    *STAMPS,
    "submitted_at",
    "first_submitted_at",
    "reviewed_at",
    "return_reason",
    "funds_month",
)


M = TypeVar("M", bound=Model)


class Stored:
    """A row read to be compared, standing in for its model instance: the fields as
    attributes (foreign keys as `<name>_id`) and `pk`. Nothing else works on it.

    Building 60,000 model instances took a re-import's lookup over a second; these cost the
    dict the database row already is. apply.py fetches whole instances of what it changes.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values
        self.pk = values["id"]


def stored(queryset: QuerySet[M], *, leave: Sequence[str] = ()) -> list[M]:
    """The rows of `queryset` as `Stored`, without the fields named in `leave`."""
    fields = [f.attname for f in queryset.model._meta.concrete_fields if f.name not in leave]
    return [cast(M, Stored(row)) for row in queryset.values(*fields)]


UNASSIGNED_CODE = "unassigned"  # 待分配: the lead unit of rows from a file without one


class Lookup:
    def __init__(self, inputs: Sequence[RowInput], year: int) -> None:
        self.year = year
        self.by_id: dict[tuple[type, int], object] = {}
        self.unit_names = UnitNames.load()
        for unit in self.unit_names.units.values():
            self.by_id[(Unit, unit.pk)] = unit
        self.unassigned = next(
            (u for u in self.unit_names.units.values() if u.code == UNASSIGNED_CODE), None
        )
        self.leader_names = LeaderNames([], [])
        if any(r.leader for r in inputs):
            self.leader_names = LeaderNames.load()
            for user in self.leader_names.users.values():
                self.by_id[(User, user.pk)] = user
        owner_names = {name_key(r.owner) for r in inputs if r.owner}
        self.owners: dict[str, Enterprise] = {}
        for e in Enterprise.objects.filter(name__in=values_in(owner_names)):
            self.owners[name_key(e.name)] = e
            self.by_id[(Enterprise, e.pk)] = e
        codes = {r.code for r in inputs if r.code}
        names = {r.name for r in inputs if r.kind == WorkItem.Kind.PROJECT and r.name}
        projects = stored(
            Project.objects.filter(Q(code__in=values_in(codes)) | Q(name__in=values_in(names))),
            leave=STAMPS,
        )
        self.by_code = {p.code: p for p in projects if p.code}
        self.by_name: dict[str, list[Project]] = defaultdict(list)
        for p in projects:
            self.by_name[name_key(p.name)].append(p)
        self.project_units: dict[int, set[int]] = defaultdict(set)
        for project_id, unit_id in WorkItem.objects.filter(
            project_id__in=values_in([p.pk for p in projects], of="bigint")
        ).values_list("project_id", "lead_unit_id"):
            self.project_units[project_id].add(unit_id)
        titles = {r.name for r in inputs if r.kind == WorkItem.Kind.TASK and r.name}
        project_ids = [p.pk for p in projects]
        items = WorkItem.objects.filter(year=year).filter(
            Q(project_id__in=values_in(project_ids, of="bigint"))
            | Q(kind=WorkItem.Kind.TASK, title__in=values_in(titles))
        )
        self.items_by_project: dict[int, WorkItem] = {}
        self.tasks: dict[tuple[str, int], list[WorkItem]] = defaultdict(list)
        # Stamps and texts no row compares stay in the database; apply.py fetches the whole
        # row of whatever it changes.
        for item in stored(items, leave=ITEM_UNCOMPARED):
            if item.project_id:
                self.items_by_project[item.project_id] = item
            else:
                self.tasks[(name_key(item.title), item.lead_unit_id)].append(item)
        item_ids = [i.pk for i in self.items_by_project.values()] + [
            i.pk for group in self.tasks.values() for i in group
        ]
        self.co_units: dict[int, set[int]] = defaultdict(set)
        through = WorkItem.co_units.through
        in_items = values_in(item_ids, of="bigint")
        for item_id, unit_id in through.objects.filter(workitem_id__in=in_items).values_list(
            "workitem_id", "unit_id"
        ):
            self.co_units[item_id].add(unit_id)
        self.reports: dict[tuple[int, int], MonthlyReport] = {}
        self.months: dict[int, list[MonthlyReport]] = defaultdict(list)
        reports = MonthlyReport.objects.filter(work_item_id__in=in_items, year=year)
        for r in stored(reports, leave=REPORT_UNCOMPARED):
            self.reports[(r.work_item_id, r.month)] = r
            self.months[r.work_item_id].append(r)
        self.plan_curves: dict[int, list[Decimal]] = {}
        if any(r.plan_months is not None for r in inputs):
            curves: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 12)
            for item_id, month, amount in PlanMonth.objects.filter(
                work_item_id__in=in_items
            ).values_list("work_item_id", "month", "amount"):
                curves[item_id][month - 1] = amount
            self.plan_curves = dict(curves)
        self.closed_months = set(
            MonthClose.objects.filter(year=year).values_list("month", flat=True)
        )

    def units(self, name: str) -> list[Unit]:
        """The units a written name resolves to (two or more: ambiguous)."""
        return self.unit_names.matches(name)

    def leader(self, name: str) -> list[User]:
        return self.leader_names.matches(name)

    def owner(self, name: str) -> Enterprise | None:
        return self.owners.get(name_key(name))

    def projects_named(self, name: str) -> list[Project]:
        return self.by_name.get(name_key(name), [])

    def task(self, title: str, unit_id: int) -> list[WorkItem]:
        return self.tasks.get((name_key(title), unit_id), [])

    def counted_sum_before(self, item_id: int | None, month: int) -> Decimal:
        """本年累计 of the months before `month`, as the counted reports hold it."""
        counted = {
            r.month: r.investment_month
            for r in self.months.get(item_id or 0, [])
            if is_counted(r.state)
        }
        return year_to_date(counted, month - 1)

    def known(self, model: type, pk: int | None) -> object:
        """An object fetched already (units, leaders, owners), or None."""
        return self.by_id.get((model, pk)) if pk is not None else None


def unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for n in names:
        seen.setdefault(name_key(n), n)
    return list(seen.values())

"""Compare what the rows propose with what exists: per row create / update / unchanged / error.

This module matches each row to its project and item and plans their changes; the figures
(reports, month series, plan curve, closed months) are plan_reports', the value checks
plan_checks', the names plan_names'.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core import clock
from duban.core.periods import Period
from duban.ledger.models import Project, WorkItem
from duban.ledger.validators import validate_project_code
from duban.org.models import Enterprise, Unit, User
from duban.transfer.imports.lookup import Lookup, name_key
from duban.transfer.imports.plan_checks import completed_within_total, item_dates_check, limits
from duban.transfer.imports.plan_names import NameChoices, NameResolver
from duban.transfer.imports.plan_reports import ReportPlanner
from duban.transfer.imports.plan_row import Correction, RowPlan
from duban.transfer.imports.plan_words import Words, same
from duban.transfer.imports.rows import RowInput, precise_enough

__all__ = ["Correction", "Planner", "RowPlan"]


class Planner:
    def __init__(
        self,
        *,
        year: int,
        lookup: Lookup,
        create_missing: bool,
        by: User | None,
        choices: NameChoices | None = None,
        correct_closed: bool = False,
    ) -> None:
        self.year = year
        self.lookup = lookup
        self.create_missing = create_missing
        self.by = by
        self.choices = choices or NameChoices()
        self.words = Words()
        self.names = NameResolver(
            lookup=lookup, choices=self.choices, create_missing=create_missing, sep=self.words.sep
        )
        self.missing = self.names.missing
        self.learned = self.names.learned
        self.seen_codes: dict[str, int] = {}
        self.seen_keys: dict[tuple[str, str, str], int] = {}
        self.cap = Decimal(getattr(settings, "DUBAN_MAX_AMOUNT", "100000000"))
        self.now = clock.now()  # one moment for the whole file
        self.reports = ReportPlanner(
            year=year, lookup=lookup, words=self.words, cap=self.cap, correct_closed=correct_closed
        )

    def plan(self, ri: RowInput) -> RowPlan:
        rp = RowPlan(input=ri, year=self.year)
        unit = self._unit(ri, ri.lead_unit, "lead_unit")
        if not ri.lead_unit:
            unit = self.choices.unit_for_file
            if unit is None and ri.unit_column:
                ri.error("lead_unit", _("缺少责任（牵头）单位"))
            elif unit is None:
                # No lead-unit column and no unit chosen for the file: 待分配, for the office.
                rp.unassigned = True
                unit = self.lookup.unassigned
        co_units = [u for n in ri.co_units if (u := self._unit(ri, n, "co_units"))]
        if unit is not None and any(u.pk == unit.pk for u in co_units):
            ri.error("co_units", _("牵头单位不能同时是配合单位"))
        leader = self._leader(ri)
        owner = self._owner(ri)
        self._duplicates(ri)
        if ri.kind == WorkItem.Kind.PROJECT:
            self._project(rp, None if rp.unassigned else unit, owner)
        self._item(rp, unit, leader, co_units)
        self.reports.plan(rp)
        completed_within_total(rp)
        return rp

    def _current(self, obj: Any, name: str, value: Any) -> Any:
        """The stored value; a foreign key through the objects already fetched, not a query."""
        if isinstance(value, Model):
            pk = getattr(obj, f"{name}_id")
            if pk == value.pk:
                return value
            return self.lookup.known(type(value), pk)
        return getattr(obj, name)

    # references -------------------------------------------------------------------------

    def _unit(self, ri: RowInput, name: str, field_name: str) -> Unit | None:
        return self.names.unit(ri, name, field_name)

    def _leader(self, ri: RowInput) -> User | None:
        return self.names.leader(ri)

    def _owner(self, ri: RowInput) -> Enterprise | None:
        if not ri.owner:
            return None
        owner = self.lookup.owner(ri.owner)
        if owner is None:
            self.missing.owners.setdefault(name_key(ri.owner), ri.owner)
            if not self.create_missing:
                ri.warn(
                    "owner",
                    _("系统中没有企业“%(owner)s”，建设单位未导入") % {"owner": ri.owner},
                )
        return owner

    def _duplicates(self, ri: RowInput) -> None:
        if ri.code:
            if ri.code in self.seen_codes:
                ri.error("code", _("项目代码与第%(row)s行重复") % {"row": self.seen_codes[ri.code]})
            self.seen_codes.setdefault(ri.code, ri.row)
        key = (ri.kind, name_key(ri.name), name_key(ri.lead_unit))
        if ri.name and key in self.seen_keys and not ri.code:
            ri.error("name", _("与第%(row)s行的名称和责任单位相同") % {"row": self.seen_keys[key]})
        self.seen_keys.setdefault(key, ri.row)

    # project ----------------------------------------------------------------------------

    def _match_project(self, ri: RowInput, unit: Unit | None) -> Project | None:
        if ri.code and ri.code in self.lookup.by_code:
            return self.lookup.by_code[ri.code]
        candidates = [
            p
            for p in self.lookup.projects_named(ri.name)
            if (ri.code is None or p.code is None)
            and (
                not self.lookup.project_units.get(p.pk)
                # A file without lead units matches by name alone.
                or unit is None
                or unit.pk in self.lookup.project_units[p.pk]
            )
        ]
        if len(candidates) > 1:
            names = pgettext("list separator", "、").join(
                _("%(name)s（%(code)s）")
                % {"name": p.name, "code": p.code or _("编号%(id)s") % {"id": p.pk}}
                for p in candidates
            )
            ri.error(
                "name",
                _("与多个已有项目同名且责任单位相同：%(names)s，请填写项目代码以区分")
                % {"names": names},
            )
            return None
        return candidates[0] if candidates else None

    def _project(self, rp: RowPlan, unit: Unit | None, owner: Enterprise | None) -> None:
        ri = rp.input
        proposed = dict(ri.project)
        if owner is not None:
            proposed["owner"] = owner
        if ri.code:
            try:
                validate_project_code(ri.code)
            except ValidationError as e:
                ri.error("code", "；".join(e.messages))
                proposed.pop("code")
        start, end = proposed.get("start_year"), proposed.get("end_year")
        if start and end and end < start:
            ri.error("years", _("建设终止年不能早于起始年"))
        limits(ri, Project, {k: v for k, v in proposed.items() if k != "owner"}, self.cap)
        project = self._match_project(ri, unit)
        if project is None:
            rp.project_new = True
            stage = proposed.get("stage") or (
                Project.Stage.CONSTRUCTION if ri.started else Project.Stage.PREPARATION
            )
            proposed["stage"] = stage
            if ri.content:
                proposed["scale_content"] = ri.content
            rp.project_changes = proposed
            return
        rp.project = project
        if (
            ri.started
            and "stage" not in proposed
            and project.stage in (Project.Stage.RESERVE, Project.Stage.PREPARATION)
        ):
            proposed["stage"] = Project.Stage.CONSTRUCTION
        for name, value in proposed.items():
            current = self._current(project, name, value)
            if not same(current, value):
                rp.project_changes[name] = value
                rp.changes.append(
                    self.words.change
                    % {
                        "field": self.words.label(Project, name),
                        "old": self.words.shown(current),
                        "new": self.words.shown(value),
                    }
                )

    # work item --------------------------------------------------------------------------

    def _item(
        self, rp: RowPlan, unit: Unit | None, leader: User | None, co_units: list[Unit]
    ) -> None:
        ri = rp.input
        proposed: dict[str, Any] = dict(ri.item)
        item = self._existing_item(rp, unit)
        if unit is not None and not (rp.unassigned and item is not None):
            proposed["lead_unit"] = unit
        if leader is not None:
            proposed["lead_leader"] = leader
        if ri.since_start is not None:
            # Since the start = the years before + this year (the file's year to date, else
            # what this year's counted reports hold).
            this_year = (
                ri.ytd
                if ri.ytd is not None
                else self.lookup.counted_sum_before(None if item is None else item.pk, 13)
            )
            prior = ri.since_start - this_year
            if prior < 0:
                ri.warn("since_start", _("开工以来累计完成投资小于本年累计，以前年度累计未导入"))
            else:
                proposed["prior_cumulative"] = prior
        month_end = Period(self.year, ri.report_month).last_day if ri.report_month else None
        if (
            ri.started
            and "actual_start" not in proposed
            and (item is None or not item.actual_start)
        ):
            if month_end:
                proposed["actual_start"] = month_end
            else:
                ri.warn("started", _("已开工但未填写实际开工时间，开工时间未导入"))
        if ri.started is False and item is not None and item.actual_start:
            ri.warn("started", _("台账填“未开工”，但系统中已有实际开工时间，未清除"))
        if proposed.get("in_statistics") and (item is None or not item.in_statistics):
            proposed["in_statistics_date"] = month_end or clock.today()
        if ri.done:
            proposed["status"] = WorkItem.Status.DONE
        item_dates_check(ri, proposed, item)
        limits(
            ri,
            WorkItem,
            {k: v for k, v in proposed.items() if k not in ("lead_unit", "lead_leader")},
            self.cap,
        )
        rp.co_units = co_units if ri.co_units else None
        if item is None:
            rp.item_new = True
            reserve = rp.project_changes.get("stage") == Project.Stage.RESERVE
            if reserve:
                proposed.setdefault("category", WorkItem.Category.PRELIMINARY)
            # 序号 is the file's numbering: kept on creation, never churned by re-imports.
            proposed["seq"] = ri.seq
            proposed.setdefault(
                "status", WorkItem.Status.DRAFT if reserve else WorkItem.Status.ACTIVE
            )
            if proposed["status"] != WorkItem.Status.DRAFT:
                proposed["handed_out_at"] = self.now
            rp.item_changes = proposed
            return
        rp.item = item
        for name, value in proposed.items():
            current = self._current(item, name, value)
            if name in ri.dates and precise_enough(current, ri.dates[name]):
                continue
            if not same(current, value):
                rp.item_changes[name] = value
                rp.changes.append(
                    self.words.change
                    % {
                        "field": self.words.label(WorkItem, name),
                        "old": self.words.shown(current),
                        "new": self.words.shown(value),
                    }
                )
        if rp.co_units is not None:
            current_ids = self.lookup.co_units.get(item.pk, set())
            if current_ids != {u.pk for u in rp.co_units} and all(u.pk for u in rp.co_units):
                names = self.words.sep.join(u.name for u in rp.co_units)
                rp.changes.append(self.words.co_units % {"units": names})
            else:
                rp.co_units = None

    def _existing_item(self, rp: RowPlan, unit: Unit | None) -> WorkItem | None:
        ri = rp.input
        if rp.project is not None and not rp.project_new:
            return self.lookup.items_by_project.get(rp.project.pk)
        if ri.kind == WorkItem.Kind.TASK and unit is not None:
            tasks = self.lookup.task(ri.name, unit.pk)
            if len(tasks) > 1:
                ri.error(
                    "task",
                    _("本年度台账中有%(count)s项同名、同牵头单位的工作，无法确定更新哪一项")
                    % {"count": len(tasks)},
                )
                return None
            return tasks[0] if tasks else None
        return None

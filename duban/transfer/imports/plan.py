"""Compare what the rows propose with what exists: per row create / update / unchanged / error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core import clock
from duban.core.periods import Period
from duban.core.services import field_label
from duban.ledger.models import Project, WorkItem
from duban.ledger.services import plan_curve_mismatch
from duban.ledger.validators import validate_project_code
from duban.org.models import Enterprise, Unit, User
from duban.reporting.models import COUNTING_STATES, MonthlyReport
from duban.reporting.validation import AMOUNT_FIELDS, amount_problem
from duban.transfer.imports.lookup import Lookup, name_key
from duban.transfer.imports.plan_names import NameChoices, NameResolver
from duban.transfer.imports.result import Action
from duban.transfer.imports.rows import RowInput, precise_enough

# Completed this many times the total investment: yuan typed into a 万元 column, not a
# total that went stale.
YUAN_SLIP_RATIO = 1000
REPORT_TEXT_FIELDS = ("progress_text", "problems_text", "next_steps", "progress_pct")


@dataclass
class RowPlan:
    input: RowInput
    project: Project | None = None
    project_new: bool = False
    project_changes: dict[str, Any] = field(default_factory=dict)
    item: WorkItem | None = None
    item_new: bool = False
    item_changes: dict[str, Any] = field(default_factory=dict)
    co_units: list[Unit] | None = None  # None: leave as is
    report: MonthlyReport | None = None
    report_new: bool = False
    report_changes: dict[str, Any] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    year: int = 0
    report_month: int | None = None
    # The keys of what the import wrote (new objects are written from their fields, never
    # built as model instances).
    project_id: int | None = None
    item_id: int | None = None
    unassigned: bool = False  # no lead unit in the file: the item goes to 待分配
    plan_curve: list[Decimal] | None = None  # the 12 months to store (changed or new)
    more_reports: list[RowPlan] = field(default_factory=list)  # other months' figures

    @property
    def has_error(self) -> bool:
        return any(i.is_error for i in self.input.issues)

    @property
    def action(self) -> Action:
        if self.has_error:
            return "error"
        if self.project_new or self.item_new:
            return "create"
        if self.changes:
            return "update"
        return "unchanged"


@dataclass(frozen=True)
class _LabelledPeriod:
    """A period with its label and "new report" line translated once per import, not per row."""

    period: Period
    label: str
    report_new: str

    def __gt__(self, other: Period) -> bool:
        return self.period > other


class _Words:
    """What a change line says, translated once per import (in the active language), so that
    the rows that change pay a dict lookup, not a gettext call, per changed value."""

    def __init__(self) -> None:
        self.empty = _("（空）")
        self.yes = _("是")
        self.no = _("否")
        self.change = _("%(field)s：%(old)s → %(new)s")
        self.report_change = _("%(period)s%(field)s：%(old)s → %(new)s")
        self.co_units = _("配合单位：→ %(units)s")
        self.sep = pgettext("list separator", "、")
        self.report_new = _("%(period)s月报：新增")
        self.labels: dict[tuple[type[Model], str], str] = {}

    def label(self, model: type[Model], name: str) -> str:
        key = (model, name)
        label = self.labels.get(key)
        if label is None:
            label = self.labels[key] = field_label(model, name)
        return label

    def shown(self, value: Any) -> str:
        if value is None or value == "":
            return self.empty
        if isinstance(value, bool):
            return self.yes if value else self.no
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Unit | User | Enterprise | Project):
            return str(value)
        text = str(value)
        return text if len(text) <= 30 else text[:29] + "…"


# Which sheet column a model field came from, to point an error at the right cell.
SOURCE_COLUMN = {
    "title": "name",
    "name": "name",
    "location": "location",
    "content_scale": "content",
    "source": "source",
    "prior_cumulative": "since_start",
    "investment_month": "ytd_investment",
    "progress_pct": "progress_pct",
}


@lru_cache(maxsize=256)
def _max_length(model: type[Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def _limits(ri: RowInput, model: type[Model], proposed: dict[str, Any], cap: Decimal) -> None:
    """What the database would refuse, said about the cell: too long, too large, out of range."""
    for name, value in proposed.items():
        if isinstance(value, str):
            max_length = _max_length(model, name)
            if max_length and len(value) > max_length:
                column = SOURCE_COLUMN.get(name, name)
                ri.error(
                    column,
                    _("超过%(limit)s个字（共%(length)s个字）")
                    % {"limit": max_length, "length": len(value)},
                )
        elif isinstance(value, Decimal) and value > cap and name != "progress_pct":
            column = SOURCE_COLUMN.get(name, name)
            ri.error(
                column,
                _("%(amount)s万元大得不合理，请核对金额单位是否为万元")
                % {"amount": f"{value.normalize():f}"},
            )
    pct = proposed.get("progress_pct")
    if pct is not None and not 0 <= pct <= 100:
        ri.error("progress_pct", _("形象进度百分比应在0到100之间"))


def _same(current: Any, proposed: Any) -> bool:
    if isinstance(current, Decimal) or isinstance(proposed, Decimal):
        return current is not None and proposed is not None and Decimal(current) == proposed
    if isinstance(current, str) and isinstance(proposed, str):
        return current.strip() == proposed.strip()
    return bool(current == proposed)


class Planner:
    def __init__(
        self,
        *,
        year: int,
        lookup: Lookup,
        create_missing: bool,
        by: User | None,
        choices: NameChoices | None = None,
    ) -> None:
        self.year = year
        self.lookup = lookup
        self.create_missing = create_missing
        self.by = by
        self.choices = choices or NameChoices()
        self.words = _Words()
        self.names = NameResolver(
            lookup=lookup, choices=self.choices, create_missing=create_missing, sep=self.words.sep
        )
        self.missing = self.names.missing
        self.learned = self.names.learned
        self.seen_codes: dict[str, int] = {}
        self.seen_keys: dict[tuple[str, str, str], int] = {}
        self.cap = Decimal(getattr(settings, "DUBAN_MAX_AMOUNT", "100000000"))
        self.current = Period.current()
        self.now = clock.now()  # one moment for the whole file
        self.periods: dict[int, _LabelledPeriod] = {}

    def _period(self, month: int) -> _LabelledPeriod:
        labelled = self.periods.get(month)
        if labelled is None:
            period = Period(self.year, month)
            label = period.label
            labelled = _LabelledPeriod(period, label, self.words.report_new % {"period": label})
            self.periods[month] = labelled
        return labelled

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
        if ri.done_months and (ri.ytd is not None or ri.month_amount is not None):
            self._months_against_ytd(ri)
        self._report(rp)
        if ri.plan_months is not None:
            self._plan_curve(rp)
        if ri.done_months:
            self._done_months(rp)
        self._completed_within_total(rp)
        return rp

    # monthly series ---------------------------------------------------------------------

    def _months_against_ytd(self, ri: RowInput) -> None:
        """Month columns set the figures; a 1-N月 or 本月 column is only a cross-check."""
        month = ri.report_month
        if ri.ytd is not None and month is not None:
            summed = sum(
                (amount for m, (amount, _c) in ri.done_months.items() if m <= month), Decimal(0)
            )
            if summed != ri.ytd:
                ri.warn(
                    "ytd_investment",
                    _("各月完成投资之和%(sum)s万元与1-%(month)s月累计不一致，以各月数据为准")
                    % {"sum": f"{summed.normalize():f}", "month": month},
                )
        ri.ytd = ri.month_amount = None

    def _plan_curve(self, rp: RowPlan) -> None:
        ri = rp.input
        values = ri.plan_months or []
        annual = ri.item.get("annual_plan")
        if annual is None and rp.item is not None:
            annual = rp.item.annual_plan
        mismatch = plan_curve_mismatch(values, None if annual is None else Decimal(annual))
        if mismatch:
            ri.error(ri.plan_column, mismatch)
            return
        stored = None if rp.item is None else self.lookup.plan_curves.get(rp.item.pk)
        if stored is not None and all(a == b for a, b in zip(stored, values, strict=True)):
            return
        rp.plan_curve = values
        rp.changes.append(
            _("月度计划：%(months)s")
            % {"months": self.words.sep.join(f"{v.normalize():f}" for v in values)}
        )

    def _done_months(self, rp: RowPlan) -> None:
        """Each month's completed investment: a report per month (closed months skipped)."""
        ri = rp.input
        if rp.item is None and not rp.item_new:
            return
        item_id = None if rp.item_new or rp.item is None else rp.item.pk
        closed = []
        for month, (amount, column) in sorted(ri.done_months.items()):
            period = self._period(month)
            if period > self.current:
                if amount:
                    ri.error(
                        column, _("%(period)s尚未到来，不能导入该月数据") % {"period": period.label}
                    )
                continue
            if month in self.lookup.closed_months:
                closed.append(period.label)
                continue
            main = (rp.report_new and rp.report_month == month) or (
                rp.report is not None and rp.report.month == month
            )
            sub = rp if main else RowPlan(input=ri, year=self.year)
            existing = None if item_id is None else self.lookup.reports.get((item_id, month))
            if existing is None and not main:
                if not amount:
                    continue
                sub.report_new, sub.report_month = True, month
                sub.report_changes = {
                    "investment_month": amount,
                    "state": MonthlyReport.State.ACCEPTED,
                }
                rp.changes.append(period.report_new)
                rp.more_reports.append(sub)
                continue
            if main and rp.report_new:
                rp.report_changes["investment_month"] = amount
                continue
            assert existing is not None  # noqa: S101 - main with an existing report, or not main
            sub.report = existing
            proposed: dict[str, Any] = {"investment_month": amount}
            if existing.state not in COUNTING_STATES:
                proposed["state"] = MonthlyReport.State.ACCEPTED
            for name, value in proposed.items():
                current = getattr(existing, name)
                if not _same(current, value):
                    sub.report_changes[name] = value
                    rp.changes.append(
                        self.words.report_change
                        % {
                            "period": period.label,
                            "field": self.words.label(MonthlyReport, name),
                            "old": self.words.shown(current),
                            "new": self.words.shown(value),
                        }
                    )
            if sub is not rp and sub.report_changes:
                rp.more_reports.append(sub)
        if closed:
            ri.warn(
                None,
                _("%(periods)s已关账，本行这些月份的完成投资未导入（其余台账字段照常导入）")
                % {"periods": self.words.sep.join(closed)},
            )

    def _completed_within_total(self, rp: RowPlan) -> None:
        """Completed above the total: the total went stale (a warning), unless the ratio says
        yuan were typed into a 万元 column (an error)."""
        ri = rp.input
        total = rp.project_changes.get("total_investment") or (
            rp.project.total_investment if rp.project else None
        )
        figures = [
            (name, value)
            for name, value in (
                ("since_start", ri.since_start),
                ("ytd_investment", ri.ytd),
                ("month_investment", ri.month_amount),
            )
            if value is not None
        ]
        if not total or total <= 0 or not figures:
            return
        column, completed = max(figures, key=lambda f: f[1])
        if completed <= total:
            return
        shown = {"amount": f"{completed.normalize():f}", "total": f"{total.normalize():f}"}
        if completed >= total * YUAN_SLIP_RATIO:
            ri.error(
                column,
                _(
                    "完成投资%(amount)s万元是总投资%(total)s万元的上千倍，"
                    "像是把“元”填进了“万元”列，请核对金额单位"
                )
                % shown,
            )
        else:
            ri.warn(
                column,
                _("完成投资%(amount)s万元已超过总投资%(total)s万元，总投资可能需要更新") % shown,
            )

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
        _limits(ri, Project, {k: v for k, v in proposed.items() if k != "owner"}, self.cap)
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
            if not _same(current, value):
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
        self._check_item_dates(ri, proposed, item)
        _limits(
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
            if not _same(current, value):
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

    def _check_item_dates(
        self, ri: RowInput, proposed: dict[str, Any], item: WorkItem | None
    ) -> None:
        def get(name: str) -> Any:
            return proposed.get(name, getattr(item, name, None) if item else None)

        if (
            get("planned_start")
            and get("planned_finish")
            and get("planned_finish") < get("planned_start")
        ):
            ri.error("planned_finish", _("计划完成时间早于计划开工时间"))
        if (
            get("actual_start")
            and get("actual_finish")
            and get("actual_finish") < get("actual_start")
        ):
            ri.error("actual_finish", _("实际完成时间早于实际开工时间"))

    # report -----------------------------------------------------------------------------

    def _report(self, rp: RowPlan) -> None:
        ri = rp.input
        month = ri.report_month
        if month is None or (rp.item is None and not rp.item_new):
            return
        period = self._period(month)
        if period > self.current:
            if ri.ytd is not None or ri.month_amount is not None or ri.report:
                ri.error(
                    "ytd_investment" if ri.ytd is not None else "progress",
                    _("%(period)s尚未到来，不能导入该月数据") % {"period": period.label},
                )
            return
        if month in self.lookup.closed_months:
            # The ledger's own fields import; a closed month's figures never change silently.
            if ri.ytd is not None or ri.month_amount is not None or ri.report:
                ri.warn(
                    "ytd_investment" if ri.ytd is not None else None,
                    _("%(period)s已关账，本行该月的完成投资和进度未导入（其余台账字段照常导入）")
                    % {"period": period.label},
                )
            return
        proposed: dict[str, Any] = dict(ri.report)
        item_id = None if rp.item_new or rp.item is None else rp.item.pk
        if ri.ytd is not None:
            before = self.lookup.counted_sum_before(item_id, month)
            amount = ri.ytd - before
            if amount < 0:
                ri.error(
                    "ytd_investment",
                    _("1-%(month)s月累计完成投资小于此前各月已报送的合计%(amount)s万元")
                    % {"month": month, "amount": f"{before.normalize():f}"},
                )
                return
            if ri.month_amount is not None and ri.month_amount != amount:
                ri.warn(
                    "month_investment",
                    _("本月完成投资与累计数推算的%(amount)s万元不一致，以累计数为准")
                    % {"amount": f"{amount.normalize():f}"},
                )
            proposed["investment_month"] = amount
        elif ri.month_amount is not None:
            proposed["investment_month"] = ri.month_amount
        if not proposed:
            return
        # The report validator the form uses: the same bad figure, the same message. (A
        # figure above the project's total is judged by the ledger's own rule: a warning,
        # unless the ratio says yuan were typed as 万元.)
        for name in AMOUNT_FIELDS:
            problem = amount_problem(name, proposed.get(name))
            if problem:
                column = "ytd_investment" if ri.ytd is not None else "month_investment"
                ri.error(
                    column if name == "investment_month" else SOURCE_COLUMN.get(name, name),
                    _("%(period)s：%(problem)s") % {"period": period.label, "problem": problem},
                )
        _limits(
            ri,
            MonthlyReport,
            {k: v for k, v in proposed.items() if k not in AMOUNT_FIELDS},
            self.cap,
        )
        existing = None if item_id is None else self.lookup.reports.get((item_id, month))
        if existing is None or existing.state not in COUNTING_STATES:
            # The office's ledger is authoritative: its figures count at once (see README).
            proposed["state"] = MonthlyReport.State.ACCEPTED
        if existing is None:
            if (
                proposed.keys() == {"investment_month", "state"}
                and not proposed["investment_month"]
            ):
                return  # nothing new this month: no empty report
            if ri.started:
                proposed["started"] = True
            rp.report_new = True
            rp.report_month = month
            rp.report_changes = proposed
            rp.changes.append(period.report_new)
            return
        rp.report = existing
        for name, value in proposed.items():
            current = getattr(existing, name)
            if not _same(current, value):
                rp.report_changes[name] = value
                rp.changes.append(
                    self.words.report_change
                    % {
                        "period": period.label,
                        "field": self.words.label(MonthlyReport, name),
                        "old": self.words.shown(current),
                        "new": self.words.shown(value),
                    }
                )
        if rp.report_changes and rp.item is not None and rp.item.status == WorkItem.Status.DRAFT:
            rp.item_changes.setdefault("status", WorkItem.Status.ACTIVE)

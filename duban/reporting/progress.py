"""The progress core: every figure and light of a work item for a month, computed here only.

Pure functions over plain values (no database). `reporting.selectors.progress` loads the facts
of many items in a fixed number of queries and calls them; a closed month is read back from
its snapshot, which stores the facts the figures were computed from.

Figures, from unrounded values (rounded half-up only for display):
- 本年累计 = the year's counted monthly figures up to the month (counted: 已报送 or 已采纳);
- 开工以来累计 = 以前年度累计 + 本年累计;
- 完成率 = 本年累计 / 年度计划 × 100;
- 序时进度 = cumulative plan curve / annual plan × 100 when a curve exists, else m / 12 × 100;
- gap = 完成率 − 序时进度, in percentage points (个百分点).

Lights (DOMAIN.md §4; thresholds from the office's versioned rule set), judged on the
reference day (`reference_day`): done → green; overdue → red; due within N days → yellow
(临期), and a date (finish, node, indicator deadline) after the period's end is at most due
soon for that period (its report cannot tell it yet); behind 序时 by ≥ the yellow threshold → yellow, by more than the red one →
red; planned to start in the month and not started → yellow, still not started N months
after → red; not 入统 one month after the start → yellow, two → red. Key tasks are judged on their
indicators (target and deadline) and milestones. The worst reason gives the colour; every
reason is kept as a code with its values, and written as a sentence in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duban.core.formatting import date_cn, gap_phrase
from duban.core.money import HUNDRED, amount_text, quantize, ratio_pct
from duban.core.periods import Period

# The report states whose figures count in cumulative totals and statistics.
COUNTED_STATES = frozenset({"submitted", "accepted"})


def is_counted(state: str | None) -> bool:
    """Whether a report in `state` counts in figures: one definition for every caller."""
    return state in COUNTED_STATES


# -- figures -------------------------------------------------------------------------------


def time_progress_pct(
    month: int, annual_plan: Decimal | None, cumulative_plan: Decimal | None
) -> Decimal:
    """序时进度 (in %) for `month`: the plan curve when given, else the straight line m/12."""
    if cumulative_plan is not None and annual_plan:
        return cumulative_plan * HUNDRED / annual_plan
    return _straight_line(month)


@cache
def _straight_line(month: int) -> Decimal:
    """m/12 in %, divided once per month (a province's items without a plan curve share it)."""
    return Decimal(month) * HUNDRED / Decimal(12)


@dataclass(frozen=True)
class ItemFigures:
    month: int
    investment_month: Decimal | None
    ytd_investment: Decimal
    since_start: Decimal
    annual_plan: Decimal | None
    completion_pct: Decimal | None
    time_progress_pct: Decimal
    gap_pp: Decimal | None
    uses_plan_curve: bool
    cumulative_plan: Decimal | None = None
    prior_cumulative: Decimal = Decimal(0)

    @property
    def gap_text(self) -> str:
        return gap_phrase(self.gap_pp)


def item_figures(
    *,
    month: int,
    annual_plan: Decimal | None,
    prior_cumulative: Decimal,
    ytd: Decimal,
    investment_month: Decimal | None,
    cumulative_plan: Decimal | None,
) -> ItemFigures:
    """Figures for `month` from the year-to-date total and the cumulative plan (None: no curve)."""
    completion = ratio_pct(ytd, annual_plan)
    progress = time_progress_pct(month, annual_plan, cumulative_plan)
    return ItemFigures(
        month=month,
        investment_month=investment_month,
        ytd_investment=ytd,
        since_start=prior_cumulative + ytd,
        annual_plan=annual_plan,
        completion_pct=completion,
        time_progress_pct=progress,
        gap_pp=None if completion is None else completion - progress,
        uses_plan_curve=cumulative_plan is not None and bool(annual_plan),
        cumulative_plan=cumulative_plan,
        prior_cumulative=prior_cumulative,
    )


def year_to_date(monthly: Mapping[int, Decimal | None], month: int) -> Decimal:
    """本年累计: the counted monthly amounts up to `month`. The one place they are summed."""
    return sum((v for m, v in monthly.items() if m <= month and v is not None), Decimal(0))


def cumulative_plan_until(plan_curve: Mapping[int, Decimal] | None, month: int) -> Decimal | None:
    if not plan_curve:
        return None
    return sum((v for m, v in plan_curve.items() if m <= month), Decimal(0))


def item_figures_from_months(
    *,
    month: int,
    annual_plan: Decimal | None,
    prior_cumulative: Decimal,
    monthly: Mapping[int, Decimal | None],
    plan_curve: Mapping[int, Decimal] | None = None,
) -> ItemFigures:
    """Figures for `month` from each month's counted amount and the optional monthly plan."""
    return item_figures(
        month=month,
        annual_plan=annual_plan,
        prior_cumulative=prior_cumulative,
        ytd=year_to_date(monthly, month),
        investment_month=monthly.get(month),
        cumulative_plan=cumulative_plan_until(plan_curve, month),
    )


# -- reports: counted, late, missing -------------------------------------------------------


class ReportStatus(models.TextChoices):
    ON_TIME = "on_time", gettext_lazy("按时报送")
    LATE = "late", gettext_lazy("逾期报送")
    MISSING = "missing", gettext_lazy("未报送")
    NOT_DUE = "not_due", gettext_lazy("未到报送期")


def report_status(*, first_submitted_on: date | None, due: date, today: date) -> ReportStatus:
    """On time or late by the day it was first submitted; missing once the due date passed.

    A report submitted after the due day is late (the due day itself is on time); one never
    submitted is missing after the due day and not yet due before.
    """
    if first_submitted_on is not None:
        return ReportStatus.LATE if first_submitted_on > due else ReportStatus.ON_TIME
    return ReportStatus.MISSING if today > due else ReportStatus.NOT_DUE


def late_from(due: date, tz: tzinfo) -> datetime:
    """The first instant a first submission is late: the start of the day after `due` in the
    district's time zone (`report_status`'s rule as a bound a query compares with)."""
    return datetime.combine(due + timedelta(days=1), time.min, tzinfo=tz)


# -- the rule set ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """Thresholds of the lights; `version` names the office's rule set that holds them."""

    version: int = 0
    due_soon_days: int = 3
    behind_yellow_pp: Decimal = Decimal(10)
    behind_red_pp: Decimal = Decimal(30)
    start_red_months: int = 3
    statistics_yellow_months: int = 1
    statistics_red_months: int = 2
    statistics_threshold: Decimal = Decimal(500)


def rules_problems(rules: Rules) -> list[str]:
    """Why a rule set contradicts itself (empty when it is sound)."""
    problems = []
    if rules.behind_yellow_pp <= 0:
        problems.append(_("黄灯的滞后阈值必须大于0个百分点。"))
    if rules.behind_yellow_pp > rules.behind_red_pp:
        problems.append(
            _("黄灯的滞后阈值（%(y)s个百分点）不能高于红灯的阈值（%(r)s个百分点）。")
            % {"y": rules.behind_yellow_pp, "r": rules.behind_red_pp}
        )
    if rules.due_soon_days < 0:
        problems.append(_("临期天数不能为负数。"))
    if rules.start_red_months < 1:
        problems.append(_("未开工亮红灯的月数至少为1。"))
    if rules.statistics_yellow_months < 1:
        problems.append(_("未入统亮黄灯的月数至少为1。"))
    if rules.statistics_yellow_months > rules.statistics_red_months:
        problems.append(
            _("未入统亮黄灯的月数（%(y)s）不能多于亮红灯的月数（%(r)s）。")
            % {"y": rules.statistics_yellow_months, "r": rules.statistics_red_months}
        )
    return problems


# -- lights ----------------------------------------------------------------------------------


class Light(models.TextChoices):
    GREEN = "green", gettext_lazy("绿灯")
    YELLOW = "yellow", gettext_lazy("黄灯")
    RED = "red", gettext_lazy("红灯")


_SEVERITY = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}


@dataclass(frozen=True)
class Reason:
    """Why an item has its light: a code, the colour it gives, and the values of its sentence."""

    code: str
    light: Light
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return reason_text(self)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "light": str(self.light), "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        return cls(code=data["code"], light=Light(data["light"]), params=data.get("params", {}))


def _day(value: str) -> str:
    return date_cn(date.fromisoformat(value))


def _number(value: str) -> str:
    """A stored number as people write it: 60, not 6E+1 (how earlier kept rows and frozen
    snapshots stored a normalized target); "—" and other text as stored."""
    try:
        return amount_text(Decimal(value))
    except (ArithmeticError, ValueError, TypeError):
        return value


def _month(value: str) -> str:
    d = date.fromisoformat(value)
    return _("%(y)s年%(m)s月") % {"y": d.year, "m": d.month}


def reason_text(reason: Reason) -> str:
    """The sentence a leader reads, in the active language."""
    p = reason.params
    code = reason.code
    if code == "done":
        return _("已完成")
    if code == "behind":
        return _("低于序时进度%(n)s个百分点") % {"n": p["pp"]}
    if code == "overdue":
        return _("计划%(d)s完成，已逾期%(n)s天") % {"d": _day(p["date"]), "n": p["days"]}
    if code == "due_soon" and p.get("after_period"):
        return _("计划%(d)s完成，本期之后到期（待下期月报反映）") % {"d": _day(p["date"])}
    if code == "due_soon":
        return _("计划%(d)s完成，还有%(n)s天到期") % {"d": _day(p["date"]), "n": p["days"]}
    if code == "not_started":
        return _("计划%(m)s开工，至%(a)s未开工") % {
            "m": _month(p["planned"]),
            "a": _("%(m)s月底") % {"m": p["as_of_month"]},
        }
    if code == "not_in_statistics":
        return _("%(d)s开工，至%(a)s未入统") % {
            "d": _day(p["started"]),
            "a": _("%(m)s月底") % {"m": p["as_of_month"]},
        }
    if code == "milestone_overdue":
        return _("节点‘%(name)s’计划%(d)s，已逾期%(n)s天") % {
            "name": p["name"],
            "d": _day(p["date"]),
            "n": p["days"],
        }
    if code == "milestone_due_soon" and p.get("after_period"):
        return _("节点‘%(name)s’计划%(d)s，本期之后到期（待下期月报反映）") % {
            "name": p["name"],
            "d": _day(p["date"]),
        }
    if code == "milestone_due_soon":
        return _("节点‘%(name)s’计划%(d)s，还有%(n)s天到期") % {
            "name": p["name"],
            "d": _day(p["date"]),
            "n": p["days"],
        }
    if code == "indicator_overdue":
        return _("指标‘%(name)s’时限%(d)s，目标%(t)s，完成%(v)s，已逾期%(n)s天") % {
            "name": p["name"],
            "d": _day(p["date"]),
            "t": _number(p["target"]),
            "v": _number(p["value"]),
            "n": p["days"],
        }
    if code == "indicator_due_soon" and p.get("after_period"):
        return _(
            "指标‘%(name)s’时限%(d)s，目标%(t)s，完成%(v)s，本期之后到期（待下期月报反映）"
        ) % {
            "name": p["name"],
            "d": _day(p["date"]),
            "t": _number(p["target"]),
            "v": _number(p["value"]),
        }
    if code == "indicator_due_soon":
        return _("指标‘%(name)s’时限%(d)s，目标%(t)s，完成%(v)s，还有%(n)s天到期") % {
            "name": p["name"],
            "d": _day(p["date"]),
            "t": _number(p["target"]),
            "v": _number(p["value"]),
            "n": p["days"],
        }
    if code == "indicator_behind":
        return _("指标‘%(name)s’完成%(pct)s%%，低于时序进度%(n)s个百分点") % {
            "name": p["name"],
            "pct": p["pct"],
            "n": p["pp"],
        }
    return code


@dataclass(frozen=True)
class MilestoneFact:
    name: str
    planned: date | None
    actual: date | None


@dataclass(frozen=True)
class IndicatorFact:
    name: str
    target: Decimal | None
    deadline: date | None
    baseline: Decimal | None = None
    value: Decimal | None = None  # the latest counted value up to the month


@dataclass(frozen=True)
class ItemFacts:
    """What the core needs to know of one work item for one month."""

    pk: int
    year: int
    is_project: bool
    done: bool
    annual_plan: Decimal | None
    prior_cumulative: Decimal
    monthly: Mapping[int, Decimal | None]
    plan_curve: Mapping[int, Decimal] | None = None
    # Loaded in bulk, the facts may come already added up: the counted months before the
    # month (`ytd_before`), the month's own counted amount, and the cumulative plan (None:
    # no curve). When `ytd_before` is given, `monthly` and `plan_curve` are not read.
    ytd_before: Decimal | None = None
    month_amount: Decimal | None = None
    cumulative_plan: Decimal | None = None
    total_investment: Decimal | None = None
    planned_start: date | None = None
    actual_start: date | None = None
    started_earlier: bool = False  # a continuing project, started in an earlier year
    planned_finish: date | None = None
    actual_finish: date | None = None
    in_statistics: bool = False
    in_statistics_date: date | None = None
    year_start: date | None = None  # when the item's year of work began (assigned), for tasks
    milestones: Sequence[MilestoneFact] = ()
    indicators: Sequence[IndicatorFact] = ()
    report_state: str | None = None
    report_first_submitted_on: date | None = None


class StartStatus(models.TextChoices):
    NONE = "none", gettext_lazy("无开工计划")
    STARTED = "started", gettext_lazy("已开工")
    NOT_DUE = "not_due", gettext_lazy("未到计划开工时间")
    DUE = "due", gettext_lazy("计划本月开工，未开工")
    LATE = "late", gettext_lazy("逾期未开工")


class StatisticsStatus(models.TextChoices):
    NONE = "none", gettext_lazy("不适用")
    IN = "in", gettext_lazy("已入统")
    NOT_YET = "not_yet", gettext_lazy("未入统")


@dataclass(frozen=True)
class ItemProgress:
    """One item's figures, report, start and 入统 status, nodes and light for one month."""

    item_id: int
    period: Period
    as_of: date
    figures: ItemFigures
    report: ReportStatus
    report_counted: bool
    start: StartStatus
    statistics: StatisticsStatus
    milestones_due: int
    milestones_overdue: int
    light: Light
    reasons: tuple[Reason, ...]
    rules_version: int
    frozen: bool = False

    @property
    def reason_texts(self) -> list[str]:
        return [r.text for r in self.reasons]

    @property
    def late(self) -> bool:
        return self.report == ReportStatus.LATE

    @property
    def missing(self) -> bool:
        return self.report == ReportStatus.MISSING


# Nodes that have their own rule for projects (start, 入统): judged by that rule, not twice.
OWN_RULE_NODES = frozenset({"开工", "入统"})


def _judged_nodes(facts: ItemFacts) -> Sequence[MilestoneFact]:
    if not facts.is_project or not facts.milestones:
        return facts.milestones
    return [m for m in facts.milestones if m.name not in OWN_RULE_NODES]


@lru_cache(maxsize=256)
def reference_day(period: Period, today: date) -> date:
    """The day an item's dates are judged on for `period`: today while the month and the one
    after it last (the month is being reported), then the last day of the month after."""
    return min(today, period.next().last_day)


def _months_between(earlier: date, period: Period) -> int:
    return (period.year * 12 + period.month) - (earlier.year * 12 + earlier.month)


def _pp(value: Decimal) -> str:
    return str(quantize(value, 1))


def _due_reason(
    planned: date,
    period: Period,
    ref: date,
    rules: Rules,
    overdue: str,
    soon: str,
    **params: Any,
) -> Reason | None:
    """Overdue (red) or due soon (yellow) on the reference day, or None: the one date check
    of an item's finish, its nodes and its indicators' deadlines.

    A date after the period's end is at most due soon for that period, never overdue: the
    period's report tells only what happened by its end, while its lights are judged up to the
    close (the reference day), so a date met on time early in the next month is not known yet
    (the reason says so: the next period's report will tell).
    """
    days = (planned - ref).days
    if days > rules.due_soon_days:
        return None  # neither due soon nor overdue (the common case: build nothing)
    if days < 0 and planned > period.last_day:
        after = {"days": (planned - period.last_day).days, "after_period": True}
        return Reason(soon, Light.YELLOW, {"date": planned.isoformat(), **params, **after})
    if days < 0:
        return Reason(overdue, Light.RED, {"date": planned.isoformat(), "days": -days, **params})
    return Reason(soon, Light.YELLOW, {"date": planned.isoformat(), "days": days, **params})


def _indicator_met(ind: IndicatorFact) -> bool:
    if ind.target is None or ind.value is None:
        return False
    base = ind.baseline or Decimal(0)
    if ind.target >= base:
        return ind.value >= ind.target
    return ind.value <= ind.target


def _indicator_reasons(
    ind: IndicatorFact, period: Period, ref: date, start: date, rules: Rules
) -> list[Reason]:
    if ind.target is None or ind.deadline is None or _indicator_met(ind):
        return []
    shown = {
        "name": ind.name,
        "target": amount_text(ind.target),
        "value": "—" if ind.value is None else amount_text(ind.value),
    }
    due = _due_reason(
        ind.deadline, period, ref, rules, "indicator_overdue", "indicator_due_soon", **shown
    )
    if due is not None:
        return [due]
    base = ind.baseline or Decimal(0)
    span = ind.target - base
    window = (ind.deadline - start).days
    if span == 0 or window <= 0:
        return []
    done_pct = ((ind.value if ind.value is not None else base) - base) * HUNDRED / span
    expected = Decimal(max(0, min((ref - start).days, window))) * HUNDRED / Decimal(window)
    behind = expected - done_pct
    light = _behind_light(behind, rules)
    if light is None:
        return []
    return [
        Reason(
            "indicator_behind",
            light,
            {"name": ind.name, "pct": _pp(done_pct), "pp": _pp(behind)},
        )
    ]


def _behind_light(behind_pp: Decimal, rules: Rules) -> Light | None:
    if behind_pp > rules.behind_red_pp:
        return Light.RED
    if behind_pp >= rules.behind_yellow_pp:
        return Light.YELLOW
    return None


def item_progress(
    facts: ItemFacts, *, period: Period, today: date, due: date, rules: Rules
) -> ItemProgress:
    """Figures, report status and light of one item for `period`, judged as of `today`.

    `due` is the day the month's reports are due. Raises nothing: facts that are missing
    (no plan, no dates) simply give no reason.
    """
    ref = reference_day(period, today)
    month = period.month
    if facts.ytd_before is not None:
        figures = item_figures(
            month=month,
            annual_plan=facts.annual_plan,
            prior_cumulative=facts.prior_cumulative,
            ytd=facts.ytd_before + (facts.month_amount or Decimal(0)),
            investment_month=facts.month_amount,
            cumulative_plan=facts.cumulative_plan,
        )
    else:
        figures = item_figures_from_months(
            month=month,
            annual_plan=facts.annual_plan,
            prior_cumulative=facts.prior_cumulative,
            monthly=facts.monthly,
            plan_curve=facts.plan_curve,
        )
    report = report_status(first_submitted_on=facts.report_first_submitted_on, due=due, today=today)
    started = facts.started_earlier or (
        facts.actual_start is not None and facts.actual_start <= ref
    )
    start = StartStatus.NONE
    if started:
        start = StartStatus.STARTED
    elif facts.is_project and facts.planned_start is not None:
        months_late = _months_between(facts.planned_start, period)
        start = (
            StartStatus.NOT_DUE
            if months_late < 0
            else StartStatus.DUE
            if months_late == 0
            else StartStatus.LATE
        )
    stats = StatisticsStatus.NONE
    needs_statistics = facts.is_project and (
        facts.total_investment is None or facts.total_investment >= rules.statistics_threshold
    )
    in_stats = facts.in_statistics and (
        facts.in_statistics_date is None or facts.in_statistics_date <= ref
    )
    if needs_statistics and started:
        stats = StatisticsStatus.IN if in_stats else StatisticsStatus.NOT_YET
    node_reasons = _node_reasons(_judged_nodes(facts), period, ref, rules)
    milestones_overdue = sum(r.code == "milestone_overdue" for r in node_reasons)
    milestones_due = len(node_reasons) - milestones_overdue

    done = facts.done or (facts.actual_finish is not None and facts.actual_finish <= ref)
    reasons: list[Reason] = []
    if done:
        reasons.append(Reason("done", Light.GREEN))
    else:
        reasons.extend(_item_reasons(facts, figures, period, ref, rules, started, stats))
        reasons.extend(node_reasons)
    light = Light.GREEN
    for r in reasons:
        if _SEVERITY[r.light] > _SEVERITY[light]:
            light = r.light
    # The worst first, so the first reason explains the colour.
    reasons.sort(key=lambda r: -_SEVERITY[r.light])
    return ItemProgress(
        item_id=facts.pk,
        period=period,
        as_of=ref,
        figures=figures,
        report=report,
        report_counted=is_counted(facts.report_state),
        start=start,
        statistics=stats,
        milestones_due=milestones_due,
        milestones_overdue=milestones_overdue,
        light=light,
        reasons=tuple(reasons),
        rules_version=rules.version,
    )


def _item_reasons(
    facts: ItemFacts,
    figures: ItemFigures,
    period: Period,
    ref: date,
    rules: Rules,
    started: bool,
    stats: StatisticsStatus,
) -> list[Reason]:
    reasons: list[Reason] = []
    if facts.planned_finish is not None:
        due = _due_reason(facts.planned_finish, period, ref, rules, "overdue", "due_soon")
        if due is not None:
            reasons.append(due)
    if facts.is_project:
        if figures.gap_pp is not None and facts.annual_plan:
            light = _behind_light(-figures.gap_pp, rules)
            if light is not None:
                reasons.append(Reason("behind", light, {"pp": _pp(-figures.gap_pp)}))
        if not started and facts.planned_start is not None:
            months_late = _months_between(facts.planned_start, period)
            if months_late >= 0:
                light = Light.RED if months_late >= rules.start_red_months else Light.YELLOW
                reasons.append(
                    Reason(
                        "not_started",
                        light,
                        {
                            "planned": facts.planned_start.isoformat(),
                            "as_of_month": period.month,
                        },
                    )
                )
        if stats == StatisticsStatus.NOT_YET and facts.actual_start is not None:
            months = _months_between(facts.actual_start, period)
            light = None
            if months >= rules.statistics_red_months:
                light = Light.RED
            elif months >= rules.statistics_yellow_months:
                light = Light.YELLOW
            if light is not None:
                reasons.append(
                    Reason(
                        "not_in_statistics",
                        light,
                        {"started": facts.actual_start.isoformat(), "as_of_month": period.month},
                    )
                )
    else:
        start = facts.year_start or date(facts.year, 1, 1)
        for ind in facts.indicators:
            reasons.extend(_indicator_reasons(ind, period, ref, start, rules))
    return reasons


def _node_reasons(
    nodes: Sequence[MilestoneFact], period: Period, ref: date, rules: Rules
) -> list[Reason]:
    """The nodes not reached by the reference day, overdue or due soon (`_due_reason`: a node
    due after the period's end is at most due soon for that period)."""
    reasons: list[Reason] = []
    for m in nodes:
        if m.planned is None or (m.actual is not None and m.actual <= ref):
            continue
        due = _due_reason(
            m.planned, period, ref, rules, "milestone_overdue", "milestone_due_soon", name=m.name
        )
        if due is not None:
            reasons.append(due)
    return reasons

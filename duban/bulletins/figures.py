"""The built-in figures: ledger, starts, 四率, funding, reserve, problems, demands, liaison.

Each reads the progress core (`progress_summaries`: a closed month from its snapshot, so its
figures never change) or the rows of the ledger, problems and liaison, through the shared reads
of a `FigureContext`. Definitions follow DOMAIN §5 and CONVENTIONS §2/§4.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from datetime import date
from decimal import Decimal
from itertools import compress, repeat
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple, TypeVar

from django.db.models import (
    Case,
    CharField,
    DateField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from duban.bulletins.catalogue import (
    COUNT,
    DAYS,
    GAP,
    GROWTH,
    MONEY,
    PCT,
    POINTS,
    FigureContext,
    FigureValue,
    GroupOf,
    count_of,
    lazy_format,
    rate_of,
    register_figure,
    register_grouped,
    split,
    sum_of,
)
from duban.core import clock
from duban.core.money import HUNDRED, ratio_pct
from duban.core.plainread import plain_columns, plain_ints, plain_values
from duban.ledger.models import FundingSource, Project, WorkItem
from duban.org.models import Responsibility
from duban.org.scoping import unit_with_descendants
from duban.problems.models import DISCARDED_STATES, OPEN_STATES, Problem
from duban.reporting.models import COUNTING_STATES, MonthlyReport
from duban.reporting.selectors.progress import ProgressSummary, progress_summaries

ITEM = "ledger.workitem"
PROJECT = "ledger.project"
PROBLEM = "problems.problem"
RESPONSIBILITY = "org.responsibility"

# 集中开工: a day on which at least this many projects of the 口径 started.
BATCH_MIN = 3

P = WorkItem.Kind.PROJECT
T = TypeVar("T")


class Row(NamedTuple):
    """What most figures read of one work item (one query for the whole 口径). A tuple whose
    first field is its id, like the other rows figures count (a province reads 20,000); what
    fewer figures read is in `Detail`."""

    id: int
    kind: str
    level: str
    lead_unit_id: int | None
    annual_plan: Decimal | None
    planned_start: date | None
    actual_start: date | None
    industry: str | None


ROW_FIELDS = (
    "id",
    "kind",
    "level",
    "lead_unit_id",
    "annual_plan",
    "planned_day",  # planned_start (see `rows`)
    "actual_day",  # actual_start
    "project__industry",
)


class Detail(NamedTuple):
    """What the figures by category, of finishes, of total investment and of 同比 read of one
    work item: a read of its own, made only when one of them is asked for (each date and
    amount costs a conversion per row, and the monthly report needs none of these)."""

    category: str
    planned_finish: date | None
    actual_finish: date | None
    project_id: int | None
    total_investment: Decimal | None


DETAIL_FIELDS = (
    "category",
    "planned_finish",
    "actual_finish",
    "project_id",
    "project__total_investment",
)


def _active_responsibilities(leader_id: int) -> QuerySet[Responsibility]:
    today = clock.today()
    return Responsibility.objects.filter(leader_id=leader_id).filter(
        Q(start_date__isnull=True) | Q(start_date__lte=today),
        Q(end_date__isnull=True) | Q(end_date__gte=today),
    )


def items_qs(ctx: FigureContext, *, scan: bool = False) -> QuerySet[WorkItem]:
    """The work items of the 口径: the year, the levels, the unit (and below), the leader's area.
    `scan`: the year compared without its index (see _Scanned): a year's items, most of the
    table, read in the table's order rather than found through the index one by one and then
    sorted by id (a province's 20,000: 0.026 s of CPU against 0.037 s)."""
    q = ctx.query
    qs: QuerySet[WorkItem]
    if scan:
        year = _Scanned("year", output_field=IntegerField())
        qs = WorkItem.objects.alias(scanned_year=year).filter(scanned_year=q.year)
    else:
        qs = WorkItem.objects.filter(year=q.year)
    if q.levels:
        qs = qs.filter(level__in=q.levels)
    if q.unit_id is not None:
        qs = qs.filter(lead_unit_id__in=unit_with_descendants([q.unit_id]))
    if q.item_id is not None:
        # The item, and its project's items of other years (for 同比).
        same = WorkItem.objects.filter(pk=q.item_id, project__isnull=False).values("project_id")
        qs = qs.filter(Q(pk=q.item_id) | Q(project_id__in=same))
    if q.leader_id is not None:
        resp = _active_responsibilities(q.leader_id)
        units = unit_with_descendants(resp.exclude(unit=None).values_list("unit_id", flat=True))
        qs = qs.filter(
            Q(lead_leader_id=q.leader_id)
            | Q(lead_unit_id__in=units)
            | Q(pk__in=resp.exclude(work_item=None).values("work_item_id"))
        )
    return qs


def shared(fn: Callable[[FigureContext], T]) -> Callable[[FigureContext], T]:
    """A read or a selection many figures share, made once per FigureContext."""
    name = fn.__name__

    def read(ctx: FigureContext) -> T:
        result: T = ctx.memo(name, lambda: fn(ctx))
        return result

    return read


@shared
def rows(ctx: FigureContext) -> list[Row]:
    # Each tuple made a Row by C-level iteration (`tuple.__new__`, what `Row._make` calls,
    # without a Python call per row: a province reads 20,000).
    # The dates read as expressions (`_Scanned`: the column as it is): SQLite's driver then
    # gives their texts, each distinct day parsed once (`plain_values`), where it parses the
    # column of a `date` column's every value (a province's 30,000 dates, a few hundred days).
    qs = items_qs(ctx, scan=True).annotate(
        planned_day=_Scanned("planned_start", output_field=DateField()),
        actual_day=_Scanned("actual_start", output_field=DateField()),
    )
    read = plain_columns(qs.order_by("pk"), *ROW_FIELDS)
    return list(map(tuple.__new__, repeat(Row), zip(*read, strict=True)))


@shared
def details(ctx: FigureContext) -> dict[int, Detail]:
    """`Detail` of every item of the 口径, by id."""
    return {
        pk: Detail._make(rest)
        for pk, *rest in plain_values(items_qs(ctx).order_by(), "pk", *DETAIL_FIELDS)
    }


@shared
def projects(ctx: FigureContext) -> list[Row]:
    return [r for r in rows(ctx) if r.kind == P]


@shared
def tasks(ctx: FigureContext) -> list[Row]:
    return [r for r in rows(ctx) if r.kind == WorkItem.Kind.TASK]


@shared
def progress(ctx: FigureContext) -> dict[int, ProgressSummary]:
    """The progress core's figures and light of every item of the 口径 (a closed month: its
    snapshot; an open one: its kept rows), read as plain tuples (`progress_summaries`). The
    tables read it through the figures' grouped forms (see lists)."""
    return progress_summaries(items_qs(ctx), ctx.query.period)


def titles(ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """Title and lead unit of the items named (one query), for the lists of a document."""
    return {
        pk: (title, unit)
        for pk, title, unit in WorkItem.objects.filter(pk__in=ids).values_list(
            "pk", "title", "lead_unit__name"
        )
    }


def register_count(
    key: str,
    *,
    label: str | Promise,
    definition: str | Promise,
    source: Callable[[FigureContext], list[Any]],
    test: Callable[[FigureContext, Any], bool] | None = None,
    flag: int | None = None,
    row_model: str = ITEM,
    measure: str = "project",
    group: str,
) -> None:
    """A count of the rows `source` gives (each a tuple whose first field is its id, as a Row)
    that pass `test`, or whose field at `flag` is true (a 1 or 0 the database made: picked
    without a Python call per row): the rows counted are the rows behind it."""

    def fn(
        ctx: FigureContext, group_of: GroupOf, groups: Sequence[Hashable]
    ) -> dict[Hashable, FigureValue]:
        rows = _passing(ctx, source(ctx), test, flag)
        return {
            g: count_of(list(map(_first, rs))) for g, rs in split(rows, group_of, groups).items()
        }

    register_grouped(
        key,
        label=label,
        definition=definition,
        kind=COUNT,
        row_model=row_model,
        measure=measure,
        group=group,
    )(fn)


def register_share(
    key: str,
    *,
    label: str | Promise,
    definition: str | Promise,
    source: Callable[[FigureContext], list[Any]],
    test: Callable[[FigureContext, Any], bool] | None = None,
    flag: int | None = None,
    row_model: str = ITEM,
    group: str,
) -> None:
    """The percentage of the rows `source` gives that pass `test` (or whose field at `flag` is
    true, as in `register_count`): the rows are the denominator's, each contributing 1 or 0 to
    the numerator; 无 when there are none."""
    if (test is None) == (flag is None):
        raise ValueError("a share needs a test or a flag")

    def fn(
        ctx: FigureContext, group_of: GroupOf, groups: Sequence[Hashable]
    ) -> dict[Hashable, FigureValue]:
        one, zero = Decimal(1), Decimal(0)
        out = {}
        for g, base in split(source(ctx), group_of, groups).items():
            if flag is not None:
                numerators = {r[0]: one if r[flag] else zero for r in base}
            else:
                assert test is not None  # noqa: S101 — checked above
                numerators = {r[0]: one if test(ctx, r) else zero for r in base}
            out[g] = rate_of(numerators, Decimal(len(base)), list(map(_first, base)))
        return out

    register_grouped(
        key, label=label, definition=definition, kind=PCT, row_model=row_model, group=group
    )(fn)


_first = itemgetter(0)


def _passing(
    ctx: FigureContext,
    rows: list[Any],
    test: Callable[[FigureContext, Any], bool] | None,
    flag: int | None,
) -> list[Any]:
    """The rows that pass `test`, or whose field at `flag` is true; all without either."""
    if flag is not None:
        return list(compress(rows, map(itemgetter(flag), rows)))
    if test is not None:
        return [r for r in rows if test(ctx, r)]
    return rows


def _attr_is(attr: str, value: Any) -> Callable[[FigureContext, Any], bool]:
    return lambda _ctx, row: bool(getattr(row, attr) == value)


def _field_is(pos: int, value: Any) -> Callable[[FigureContext, Any], bool]:
    return lambda _ctx, row: bool(row[pos] == value)


def _period_start(ctx: FigureContext) -> date:
    return date(ctx.query.year, 1, 1)


def _dated_in_period(ctx: FigureContext, day: Callable[[Row], date | None]) -> list[Row]:
    """The 口径's projects whose date `day` falls in the period (its bounds made once)."""
    start, end = _period_start(ctx), ctx.query.period.last_day
    out = []
    for r in projects(ctx):
        d = day(r)
        if d is not None and start <= d <= end:
            out.append(r)
    return out


# -- ledger ----------------------------------------------------------------------------------


for _key, _label, _definition, _source, _measure in (
    ("ledger.items", _("台账事项"), _("本年度台账中的重点项目和重点工作数。"), rows, "item"),
    ("ledger.projects", _("重点项目"), _("本年度台账中的重点项目数。"), projects, "project"),
    ("ledger.tasks", _("重点工作"), _("本年度台账中的重点工作数。"), tasks, "task"),
):
    register_count(
        _key,
        label=_label,
        definition=_definition,
        source=_source,
        measure=_measure,
        group="ledger",
    )


def _detail_is(attr: str, value: Any) -> Callable[[FigureContext, Any], bool]:
    return lambda ctx, row: bool(getattr(details(ctx)[row.id], attr) == value)


def _register_breakdown(
    attr: str, choices: Any, name: str, test: Callable[[str, Any], Any] = _attr_is
) -> None:
    for code, label in choices:
        register_count(
            f"ledger.projects.{name}.{code}",
            label=lazy_format(gettext_noop("%(label)s项目"), {"label": label}),
            definition=lazy_format(
                gettext_noop("本年度台账中%(label)s的重点项目数。"), {"label": label}
            ),
            source=projects,
            test=test(attr, code),
            group="ledger",
        )


_register_breakdown("level", WorkItem.Level.choices, "level")
_register_breakdown("category", WorkItem.Category.choices, "category", _detail_is)
_register_breakdown("industry", Project.Industry.choices, "industry")


@register_figure(
    "ledger.total_investment",
    label=_("总投资"),
    definition=_("本年度台账重点项目的总投资之和（万元），同一项目只计一次。"),
    kind=MONEY,
    row_model=ITEM,
    group="ledger",
)
def ledger_total_investment(ctx: FigureContext) -> FigureValue:
    seen: set[int] = set()
    amounts: dict[int, Decimal] = {}
    more = details(ctx)
    for r in projects(ctx):
        d = more[r.id]
        if d.project_id in seen or d.total_investment is None:
            continue
        if d.project_id is not None:
            seen.add(d.project_id)
        amounts[r.id] = d.total_investment
    return sum_of(amounts)


@register_grouped(
    "ledger.annual_plan",
    label=_("年度计划投资"),
    definition=_("本年度台账重点项目的年度计划投资之和（万元）。"),
    kind=MONEY,
    row_model=ITEM,
    group="ledger",
)
def ledger_annual_plan(
    ctx: FigureContext, group_of: GroupOf, groups: Sequence[Hashable]
) -> dict[Hashable, FigureValue]:
    return {
        g: sum_of({r.id: r.annual_plan for r in rs if r.annual_plan is not None})
        for g, rs in split(projects(ctx), group_of, groups).items()
    }


# -- investment (from the progress core) ------------------------------------------------------


@shared
def investments(ctx: FigureContext) -> dict[int, ProgressSummary]:
    """The progress core's figures of each project of the 口径 it has figures for, by id, in
    the projects' order (the text's figures and each table's groups read them)."""
    get = progress(ctx).get
    return {r.id: p for r in projects(ctx) if (p := get(r.id)) is not None}


@register_grouped(
    "investment.month",
    label=_("本月完成投资"),
    definition=_("重点项目本月已计入统计的月报完成投资之和（万元）。"),
    kind=MONEY,
    row_model=ITEM,
    group="investment",
)
def investment_month(
    ctx: FigureContext, group_of: GroupOf, groups: Sequence[Hashable]
) -> dict[Hashable, FigureValue]:
    done = [(i, v.investment_month) for i, v in investments(ctx).items() if v.investment_month]
    return {g: sum_of(dict(rs)) for g, rs in split(done, group_of, groups).items()}


@register_grouped(
    "investment.ytd",
    label=_("累计完成投资"),
    definition=_("重点项目1月至本月已计入统计的完成投资之和（万元）。"),
    kind=MONEY,
    row_model=ITEM,
    group="investment",
)
def investment_ytd(
    ctx: FigureContext, group_of: GroupOf, groups: Sequence[Hashable]
) -> dict[Hashable, FigureValue]:
    return {g: sum_of(dict(rs)) for g, rs in split(_ytd(ctx), group_of, groups).items()}


@shared
def _ytd(ctx: FigureContext) -> list[tuple[int, Decimal]]:
    """(id, 累计完成投资) of the projects with some, for the text and each table."""
    return [(i, v.ytd_investment) for i, v in investments(ctx).items() if v.ytd_investment]


@shared
def _planned(ctx: FigureContext) -> list[tuple[int, Decimal, Decimal, Decimal]]:
    """(id, annual plan, completed, 序时进度 %) of the projects with an annual plan: plain
    tuples, summed by C-level iteration (`_plan_of`) for the text and each table's groups."""
    return [
        (i, plan, v.ytd_investment, v.time_progress_pct)
        for i, v in investments(ctx).items()
        if (plan := v.annual_plan)
    ]


_plan_of = itemgetter(1)
_done_of = itemgetter(2)


@register_grouped(
    "investment.completion_pct",
    label=_("投资完成率"),
    definition=_("有年度计划的重点项目累计完成投资占其年度计划投资之和的百分比。"),
    kind=PCT,
    row_model=ITEM,
    group="investment",
)
def investment_completion_pct(
    ctx: FigureContext, group_of: GroupOf, groups: Sequence[Hashable]
) -> dict[Hashable, FigureValue]:
    out = {}
    for g, planned in split(_planned(ctx), group_of, groups).items():
        plan = sum(map(_plan_of, planned), Decimal(0))
        ids = list(map(_first, planned))
        done = dict(zip(ids, map(_done_of, planned), strict=True))
        out[g] = rate_of(done, plan, ids)
    return out


@register_grouped(
    "investment.time_progress_pct",
    label=_("序时进度"),
    definition=_(
        "有年度计划的重点项目按月度计划（无计划曲线按月均）到本月应完成投资占年度计划之和的百分比。"
    ),
    kind=PCT,
    row_model=ITEM,
    group="investment",
)
def investment_time_progress(
    ctx: FigureContext, group_of: GroupOf, groups: Sequence[Hashable]
) -> dict[Hashable, FigureValue]:
    out = {}
    for g, planned in split(_planned(ctx), group_of, groups).items():
        plan = sum(map(_plan_of, planned), Decimal(0))
        due = {i: annual * pct / HUNDRED for i, annual, _ytd, pct in planned}
        out[g] = rate_of(due, plan, list(map(_first, planned)))
    return out


@register_figure(
    "investment.gap_pp",
    label=_("与序时进度之差"),
    definition=_("投资完成率减去序时进度，以个百分点计。"),
    kind=GAP,
    row_model=ITEM,
    group="investment",
)
def investment_gap(ctx: FigureContext) -> FigureValue:
    done = ctx.value("investment.completion_pct")
    due = ctx.value("investment.time_progress_pct")
    if done.value is None or due.value is None:
        return FigureValue(None, done.rows)
    return FigureValue(Decimal(done.value) - Decimal(due.value), done.rows)


# -- 同比: against the same months of last year's ledger -----------------------------------


def _no_last_year(ctx: FigureContext) -> str:
    return gettext("无%(year)s年台账，不计算同比") % {"year": ctx.query.year - 1}


def _growth(now: Decimal, before: Decimal) -> Decimal | None:
    if not before:
        return None
    return (now - before) * HUNDRED / before


@shared
def _distinct_projects(ctx: FigureContext) -> set[int]:
    more = details(ctx)
    return {p for r in projects(ctx) if (p := more[r.id].project_id) is not None}


@register_figure(
    "yoy.projects",
    label=_("重点项目数同比"),
    subject=_("重点项目数"),
    definition=_("本年度重点项目数（按项目身份计，同一项目只计一次）较上年度的增减百分比。"),
    kind=GROWTH,
    row_model=ITEM,
    group="yoy",
)
def yoy_projects(ctx: FigureContext) -> FigureValue:
    this = projects(ctx)
    before = len(_distinct_projects(ctx.last_year))
    ids = tuple(sorted(r.id for r in this))
    if not projects(ctx.last_year):
        return FigureValue(None, ids, note=_no_last_year(ctx))
    now = len(_distinct_projects(ctx))
    return FigureValue(
        _growth(Decimal(now), Decimal(before)),
        ids,
        numerator=Decimal(now),
        denominator=Decimal(before),
    )


@register_figure(
    "yoy.carried_over",
    label=_("上年续列项目"),
    definition=_("本年度重点项目中上年度台账也列有的项目数（按项目身份匹配）。"),
    kind=COUNT,
    row_model=ITEM,
    group="yoy",
)
def yoy_carried_over(ctx: FigureContext) -> FigureValue:
    before = _distinct_projects(ctx.last_year)
    more = details(ctx)
    return count_of([r.id for r in projects(ctx) if more[r.id].project_id in before])


@register_figure(
    "yoy.investment_ytd",
    label=_("累计完成投资同比"),
    subject=_("累计完成投资"),
    definition=_("1月至本月重点项目完成投资较上年同期（上年度台账同月）的增减百分比。"),
    kind=GROWTH,
    row_model=ITEM,
    group="yoy",
)
def yoy_investment(ctx: FigureContext) -> FigureValue:
    now = ctx.value("investment.ytd")
    if not projects(ctx.last_year):
        return FigureValue(None, now.rows, now.amounts, note=_no_last_year(ctx))
    before = Decimal(ctx.last_year.value("investment.ytd").value or 0)
    value = Decimal(now.value or 0)
    return FigureValue(_growth(value, before), now.rows, now.amounts, value, before)


@register_figure(
    "yoy.completion_pp",
    label=_("投资完成率同比"),
    definition=_("本年投资完成率与上年同期投资完成率之差，以个百分点计。"),
    kind=POINTS,
    row_model=ITEM,
    group="yoy",
)
def yoy_completion(ctx: FigureContext) -> FigureValue:
    now = ctx.value("investment.completion_pct")
    if not projects(ctx.last_year):
        return FigureValue(None, now.rows, note=_no_last_year(ctx))
    before = ctx.last_year.value("investment.completion_pct").value
    if now.value is None or before is None:
        return FigureValue(None, now.rows)
    return FigureValue(Decimal(now.value) - Decimal(before), now.rows)


# -- starts and finishes ---------------------------------------------------------------------


@shared
def _planned_starts(ctx: FigureContext) -> list[Row]:
    return _dated_in_period(ctx, attrgetter("planned_start"))


@shared
def _actual_starts(ctx: FigureContext) -> list[Row]:
    """Started within the period; a project started in an earlier year is not a start."""
    return _dated_in_period(ctx, attrgetter("actual_start"))


register_count(
    "starts.planned",
    label=_("计划开工项目"),
    definition=_("计划开工时间在本年1月1日至本月末的重点项目数。"),
    source=_planned_starts,
    group="starts",
)
register_count(
    "starts.actual",
    label=_("实际开工项目"),
    definition=_("实际开工时间在本年1月1日至本月末的重点项目数（以前年度已开工的续建项目不计）。"),
    source=_actual_starts,
    group="starts",
)


def _start_rate(ctx: FigureContext) -> FigureValue:
    planned = _planned_starts(ctx)
    end = ctx.query.period.last_day
    started = {
        r.id: Decimal(1) if r.actual_start is not None and r.actual_start <= end else Decimal(0)
        for r in planned
    }
    return rate_of(started, Decimal(len(planned)), [r.id for r in planned])


register_figure(
    "starts.rate",
    label=_("开工率"),
    definition=_("计划本年1月至本月开工的重点项目中，到本月末已开工的项目所占百分比。"),
    kind=PCT,
    row_model=ITEM,
    group="starts",
)(_start_rate)


@shared
def _dated_starts(ctx: FigureContext) -> list[tuple[Row, int]]:
    """Starts within the period that had a planned date, with days early (planned − actual)."""
    return [
        (r, (r.planned_start - r.actual_start).days)
        for r in _actual_starts(ctx)
        if r.planned_start is not None and r.actual_start is not None
    ]


def _register_timing(key: str, label: str | Promise, definition: str | Promise, test: Any) -> None:
    register_count(
        key,
        label=label,
        definition=definition,
        source=lambda ctx: [(r.id, days) for r, days in _dated_starts(ctx)],
        test=lambda _ctx, row: test(row[1]),
        group="starts",
    )


_register_timing(
    "starts.early",
    _("提前开工项目"),
    _("本期开工且实际开工早于计划开工时间的重点项目数。"),
    lambda d: d > 0,
)
_register_timing(
    "starts.on_time",
    _("按期开工项目"),
    _("本期开工且实际开工时间等于计划开工时间的重点项目数。"),
    lambda d: d == 0,
)
_register_timing(
    "starts.late",
    _("推迟开工项目"),
    _("本期开工且实际开工晚于计划开工时间的重点项目数。"),
    lambda d: d < 0,
)


@register_figure(
    "starts.avg_days_early",
    label=_("平均提前开工天数"),
    definition=_("本期开工且有计划开工时间的重点项目，计划开工时间减实际开工时间的天数的平均值。"),
    kind=DAYS,
    row_model=ITEM,
    group="starts",
)
def starts_avg_days_early(ctx: FigureContext) -> FigureValue:
    dated = _dated_starts(ctx)
    if not dated:
        return FigureValue(None)
    ids = tuple(r.id for r, _d in dated)
    days = tuple(Decimal(d) for _r, d in dated)
    total = sum(days, Decimal(0))
    return FigureValue(total / len(days), ids, days, total, Decimal(len(days)))


@register_figure(
    "starts.batches",
    label=_("集中开工批次"),
    definition=lazy_format(
        gettext_noop("本期内同一天开工的重点项目达到%(n)s个及以上的天数（集中开工批次）。"),
        {"n": BATCH_MIN},
    ),
    kind=COUNT,
    row_model=ITEM,
    measure="batch",
    group="starts",
)
def starts_batches(ctx: FigureContext) -> FigureValue:
    by_day = Counter(r.actual_start for r in _actual_starts(ctx))
    days = {d for d, n in by_day.items() if n >= BATCH_MIN}
    ids = tuple(sorted(r.id for r in _actual_starts(ctx) if r.actual_start in days))
    return FigureValue(len(days), ids)


@register_figure(
    "starts.batch_projects",
    label=_("集中开工项目"),
    definition=_("在集中开工批次中开工的重点项目数。"),
    kind=COUNT,
    row_model=ITEM,
    group="starts",
)
def starts_batch_projects(ctx: FigureContext) -> FigureValue:
    return count_of(list(ctx.value("starts.batches").rows))


@shared
def _planned_finishes(ctx: FigureContext) -> list[Row]:
    more = details(ctx)
    return _dated_in_period(ctx, lambda r: more[r.id].planned_finish)


register_count(
    "finish.planned",
    label=_("计划竣工项目"),
    definition=_("计划完成时间在本年1月1日至本月末的重点项目数。"),
    source=_planned_finishes,
    group="starts",
)


@shared
def _finished_on_time(ctx: FigureContext) -> dict[int, Decimal]:
    end = ctx.query.period.last_day
    more = details(ctx)
    return {
        r.id: Decimal(1)
        if (d := more[r.id]).actual_finish is not None
        and d.planned_finish is not None
        and d.actual_finish <= min(d.planned_finish, end)
        else Decimal(0)
        for r in _planned_finishes(ctx)
    }


@register_figure(
    "finish.on_time",
    label=_("按期竣工项目"),
    definition=_("计划本期竣工的重点项目中，实际完成时间不晚于计划完成时间的项目数。"),
    kind=COUNT,
    row_model=ITEM,
    group="starts",
)
def finish_on_time(ctx: FigureContext) -> FigureValue:
    return count_of([i for i, v in _finished_on_time(ctx).items() if v])


def _finish_rate(ctx: FigureContext) -> FigureValue:
    done = _finished_on_time(ctx)
    return rate_of(done, Decimal(len(done)), list(done))


# -- 四率 (Heilongjiang) ---------------------------------------------------------------------

register_figure(
    "rates.start",
    label=_("开工率"),
    definition=_("四率之一：计划本期开工的重点项目中已开工项目所占百分比。"),
    kind=PCT,
    row_model=ITEM,
    group="rates",
)(_start_rate)
register_figure(
    "rates.investment",
    label=_("投资完成率"),
    definition=_("四率之一：累计完成投资占年度计划投资的百分比。"),
    kind=PCT,
    row_model=ITEM,
    group="rates",
)(investment_completion_pct)
register_figure(
    "rates.finish_on_time",
    label=_("按期竣工率"),
    definition=_("四率之一：计划本期竣工的重点项目中按期竣工项目所占百分比。"),
    kind=PCT,
    row_model=ITEM,
    group="rates",
)(_finish_rate)


@register_figure(
    "rates.funding",
    label=_("资金到位率"),
    definition=_(
        "四率之一：有年度计划的重点项目1月至本月已计入统计的月报资金到位之和占年度计划投资之和的百分比。"
    ),
    kind=PCT,
    row_model=ITEM,
    group="rates",
)
def rates_funding(ctx: FigureContext) -> FigureValue:
    planned = [r for r in projects(ctx) if r.annual_plan]
    arrived = dict(
        MonthlyReport.objects.filter(
            work_item_id__in=[r.id for r in planned],
            year=ctx.query.year,
            month__lte=ctx.query.month,
            state__in=COUNTING_STATES,
        )
        .values("work_item_id")
        .annotate(total=Sum("funds_month"))
        .values_list("work_item_id", "total")
    )
    plan = sum((r.annual_plan or Decimal(0) for r in planned), Decimal(0))
    return rate_of({i: v or Decimal(0) for i, v in arrived.items()}, plan, [r.id for r in planned])


# -- funding by source ------------------------------------------------------------------------


@shared
def _funding(ctx: FigureContext) -> list[tuple[int, int, str, Decimal]]:
    return list(
        FundingSource.objects.filter(work_item__in=items_qs(ctx).filter(kind=P).values("pk"))
        .order_by("pk")
        .values_list("pk", "work_item_id", "source", "amount")
    )


for _code, _label in FundingSource.Source.choices:

    def _amount(ctx: FigureContext, code: str = _code) -> FigureValue:
        return sum_of({pk: amount for pk, _i, src, amount in _funding(ctx) if src == code})

    def _reached(ctx: FigureContext, code: str = _code) -> FigureValue:
        return count_of([item for _pk, item, src, _a in _funding(ctx) if src == code])

    register_figure(
        f"funding.{_code}.amount",
        label=lazy_format(gettext_noop("争取%(source)s"), {"source": _label}),
        definition=lazy_format(
            gettext_noop("本年度重点项目资金来源中%(source)s的金额之和（万元）。"),
            {"source": _label},
        ),
        kind=MONEY,
        row_model="ledger.fundingsource",
        group="funding",
    )(_amount)
    register_figure(
        f"funding.{_code}.projects",
        label=lazy_format(gettext_noop("%(source)s支持项目"), {"source": _label}),
        definition=lazy_format(
            gettext_noop("资金来源中列有%(source)s的重点项目数。"), {"source": _label}
        ),
        kind=COUNT,
        row_model=ITEM,
        group="funding",
    )(_reached)


# -- reserve ----------------------------------------------------------------------------------


@shared
def _reserve(ctx: FigureContext) -> list[tuple[int, str, Decimal | None]]:
    return list(
        Project.objects.filter(stage=Project.Stage.RESERVE)
        .order_by("pk")
        .values_list("pk", "industry", "total_investment")
    )


@register_figure(
    "reserve.projects",
    label=_("谋划储备项目"),
    definition=_("阶段为储备/谋划的项目数（储备项目尚无级别和牵头单位，不按口径筛选）。"),
    kind=COUNT,
    row_model=PROJECT,
    group="reserve",
)
def reserve_projects(ctx: FigureContext) -> FigureValue:
    return count_of([pk for pk, _i, _t in _reserve(ctx)])


@register_figure(
    "reserve.total_investment",
    label=_("储备项目计划总投资"),
    definition=_("储备/谋划项目的总投资之和（万元）。"),
    kind=MONEY,
    row_model=PROJECT,
    group="reserve",
)
def reserve_total(ctx: FigureContext) -> FigureValue:
    return sum_of({pk: t for pk, _i, t in _reserve(ctx) if t is not None})


for _code, _label in Project.Industry.choices:

    def _res_count(ctx: FigureContext, code: str = _code) -> FigureValue:
        return count_of([pk for pk, ind, _t in _reserve(ctx) if ind == code])

    def _res_total(ctx: FigureContext, code: str = _code) -> FigureValue:
        return sum_of({pk: t for pk, ind, t in _reserve(ctx) if ind == code and t is not None})

    register_figure(
        f"reserve.industry.{_code}.projects",
        label=lazy_format(gettext_noop("储备%(industry)s项目"), {"industry": _label}),
        definition=lazy_format(
            gettext_noop("储备/谋划项目中%(industry)s类项目数。"), {"industry": _label}
        ),
        kind=COUNT,
        row_model=PROJECT,
        group="reserve",
    )(_res_count)
    register_figure(
        f"reserve.industry.{_code}.total_investment",
        label=lazy_format(gettext_noop("储备%(industry)s项目计划总投资"), {"industry": _label}),
        definition=lazy_format(
            gettext_noop("储备/谋划项目中%(industry)s类项目的总投资之和（万元）。"),
            {"industry": _label},
        ),
        kind=MONEY,
        row_model=PROJECT,
        group="reserve",
    )(_res_total)


# -- problems and enterprise demands --------------------------------------------------------
# The same definitions as `problems.selectors.figures` (tests hold the two equal).

S = Problem.State


def problems_qs(ctx: FigureContext) -> QuerySet[Problem]:
    """Problems of the 口径 (rejected and merged excluded): all for the whole district, else
    those on the 口径's work items or led by its unit."""
    q = ctx.query
    qs = Problem.objects.exclude(state__in=DISCARDED_STATES)
    if q.levels or q.leader_id is not None or q.item_id is not None:
        qs = qs.filter(work_item__in=items_qs(ctx).values("pk"))
    if q.unit_id is not None:
        qs = qs.filter(lead_unit_id__in=unit_with_descendants([q.unit_id]))
    return qs


class _Scanned(Func):
    """A column compared as it is; on SQLite written `+column`, which SQLite's planner does not
    look up in an index. The year's problems are most of the table: read through the index of
    the report date, SQLite fetched each of a province's 55,000 rows on its own (0.10 s of CPU,
    against 0.02 s for the scan of all 60,000); PostgreSQL's planner chooses by itself."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


def _flag(q: Q) -> Case:
    """1 where `q` holds, else 0: a comparison the database makes for each row, read as an
    integer (no per-row conversion in Python, the same on SQLite and PostgreSQL)."""
    return Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())


def _closed_by_end_q(ctx: FigureContext) -> Q:
    """Closed (销号) by the month's end: as `problems.selectors.figures`' closed_to_date."""
    q = ctx.query
    return Q(state=S.CLOSED) & (
        Q(close_year__lt=q.year) | Q(close_year=q.year, close_month__lte=q.month)
    )


def _year_problems_qs(ctx: FigureContext) -> QuerySet[Problem]:
    """The 口径's problems reported from 1 January to the month's end (in no order: the
    figures sort the ids they keep)."""
    return (
        problems_qs(ctx)
        .alias(reported=_Scanned("reported_on", output_field=DateField()))
        .filter(reported__range=(_period_start(ctx), ctx.query.period.last_day))
        .order_by()
    )


@shared
def _year_problems(ctx: FigureContext) -> list[tuple[int, ...]]:
    """The 口径's problems of the year to the month's end, as the most used figures read them:
    (id, reported in the month itself, closed by the month's end), the two flags 1 or 0."""
    period = ctx.query.period
    return plain_ints(
        _year_problems_qs(ctx).annotate(
            in_month=_flag(Q(reported_on__gte=date(period.year, period.month, 1))),
            closed_by_end=_flag(_closed_by_end_q(ctx)),
        ),
        "pk",
        "in_month",
        "closed_by_end",
    )


@shared
def _year_problem_details(ctx: FigureContext) -> list[tuple[Any, ...]]:
    """The same problems with what the figures by category, level, source and of demands read
    (a read of its own, made only when one of them is asked for): (id, closed by the month's
    end, state, category, level, source, satisfaction)."""
    return plain_values(
        _year_problems_qs(ctx).annotate(closed_by_end=_flag(_closed_by_end_q(ctx))),
        "pk",
        "closed_by_end",
        "state",
        "category",
        "level",
        "source",
        "satisfaction",
    )


register_count(
    "problems.total",
    label=_("收集问题"),
    definition=_("本年1月至本月末上报的问题数（不予受理和已合并的不计）。"),
    source=_year_problems,
    row_model=PROBLEM,
    measure="problem",
    group="problems",
)
register_count(
    "problems.new",
    label=_("本月新增问题"),
    definition=_("本月上报的问题数。"),
    source=_year_problems,
    flag=1,
    row_model=PROBLEM,
    measure="problem",
    group="problems",
)


@register_figure(
    "problems.closed_month",
    label=_("本月销号问题"),
    definition=_("本月销号的问题数。"),
    kind=COUNT,
    row_model=PROBLEM,
    measure="problem",
    group="problems",
)
def problems_closed_month(ctx: FigureContext) -> FigureValue:
    q = ctx.query
    return count_of(
        list(
            map(
                _first,
                plain_ints(
                    problems_qs(ctx)
                    # The month's few closed ones found through the index of the close month,
                    # not among all closed ones through the state's (see _Scanned).
                    .alias(scanned_state=_Scanned("state", output_field=CharField()))
                    .filter(scanned_state=S.CLOSED, close_year=q.year, close_month=q.month),
                    "pk",
                ),
            )
        )
    )


register_count(
    "problems.closed",
    label=_("已销号问题"),
    definition=_("本年上报的问题中到本月末已销号的问题数。"),
    source=_year_problems,
    flag=2,
    row_model=PROBLEM,
    measure="problem",
    group="problems",
)


register_share(
    "problems.completion_pct",
    label=_("问题办结率"),
    definition=_("本年上报的问题中到本月末已销号的问题所占百分比。"),
    source=_year_problems,
    flag=2,
    row_model=PROBLEM,
    group="problems",
)


@register_figure(
    "problems.overdue",
    label=_("超期未办结问题"),
    definition=_("截至今天仍未办结且已过办理时限的问题数。"),
    kind=COUNT,
    row_model=PROBLEM,
    measure="problem",
    group="problems",
)
def problems_overdue(ctx: FigureContext) -> FigureValue:
    return count_of(
        list(
            map(
                _first,
                plain_ints(
                    problems_qs(ctx)
                    # One pass over the table rather than a lookup per open problem (see
                    # _Scanned).
                    .alias(scanned_state=_Scanned("state", output_field=CharField()))
                    .filter(scanned_state__in=OPEN_STATES, due_date__lt=clock.today()),
                    "pk",
                ),
            )
        )
    )


register_count(
    "problems.by_visit",
    label=_("管家走访解决问题"),
    definition=_("本年由管家走访发现并到本月末已销号的问题数。"),
    source=_year_problem_details,
    test=lambda _ctx, p: p[5] == Problem.Source.STEWARD_VISIT and bool(p[1]),
    row_model=PROBLEM,
    measure="problem",
    group="problems",
)

for _code, _label in Problem.Category.choices:
    register_count(
        f"problems.category.{_code}",
        label=lazy_format(gettext_noop("%(category)s类问题"), {"category": _label}),
        definition=lazy_format(
            gettext_noop("本年1月至本月末上报的%(category)s类问题数。"), {"category": _label}
        ),
        source=_year_problem_details,
        test=_field_is(3, _code),
        row_model=PROBLEM,
        measure="problem",
        group="problems",
    )

for _lvl in range(1, 5):
    register_count(
        f"problems.level.{_lvl}",
        label=lazy_format(gettext_noop("%(n)s级调度问题"), {"n": _lvl}),
        definition=lazy_format(
            gettext_noop("本年1月至本月末上报、当前处于第%(n)s级调度的问题数。"), {"n": _lvl}
        ),
        source=_year_problem_details,
        test=_field_is(4, _lvl),
        row_model=PROBLEM,
        measure="problem",
        group="problems",
    )


@shared
def _demands(ctx: FigureContext) -> list[tuple[Any, ...]]:
    return [p for p in _year_problem_details(ctx) if p[5] == Problem.Source.DEMAND]


register_count(
    "demands.received",
    label=_("受理企业诉求"),
    definition=_("本年1月至本月末受理的企业诉求数。"),
    source=_demands,
    row_model=PROBLEM,
    measure="demand",
    group="demands",
)
register_count(
    "demands.resolved",
    label=_("解决企业诉求"),
    definition=_("本年受理的企业诉求中已办结（销号）的诉求数。"),
    source=_demands,
    test=lambda _ctx, p: p[2] == S.CLOSED,
    row_model=PROBLEM,
    measure="demand",
    group="demands",
)


register_share(
    "demands.completion_pct",
    label=_("诉求办结率"),
    definition=_("本年受理的企业诉求中已办结诉求所占百分比。"),
    source=_demands,
    test=lambda _ctx, p: p[2] == S.CLOSED,
    row_model=PROBLEM,
    group="demands",
)
register_share(
    "demands.satisfaction_pct",
    label=_("企业满意率"),
    definition=_("已评价的企业诉求中评价为满意或基本满意的所占百分比。"),
    source=lambda ctx: [p for p in _demands(ctx) if p[6]],
    test=lambda _ctx, p: p[6] in (Problem.Satisfaction.SATISFIED, Problem.Satisfaction.BASIC),
    row_model=PROBLEM,
    group="demands",
)


# -- liaison (包联) ----------------------------------------------------------------------------


def _liaison(ctx: FigureContext) -> list[tuple[int, int, int | None, int | None, int | None]]:
    def load() -> list[tuple[int, int, int | None, int | None, int | None]]:
        today = clock.today()
        qs = Responsibility.objects.filter(relation=Responsibility.Relation.LIAISON).filter(
            Q(start_date__isnull=True) | Q(start_date__lte=today),
            Q(end_date__isnull=True) | Q(end_date__gte=today),
        )
        if ctx.query.leader_id is not None:
            qs = qs.filter(leader_id=ctx.query.leader_id)
        return list(
            qs.order_by("pk").values_list(
                "pk", "leader_id", "enterprise_id", "work_item_id", "unit_id"
            )
        )

    result: list[tuple[int, int, int | None, int | None, int | None]] = ctx.memo("liaison", load)
    return result


def _liaison_count(ctx: FigureContext, col: int) -> FigureValue:
    """Distinct targets (leaders, enterprises, items, institutions); rows: one 包联 per target."""
    first: dict[int, int] = {}
    for r in _liaison(ctx):
        target = r[col]
        if target is not None and target not in first:
            first[target] = r[0]
    return FigureValue(len(first), tuple(sorted(first.values())))


for _key, _col, _label, _definition, _measure in (
    ("liaison.leaders", 1, _("包联领导"), _("当前有包联关系的区级领导人数。"), "leader"),
    ("liaison.enterprises", 2, _("包联企业"), _("区级领导当前包联的企业数。"), "enterprise"),
    ("liaison.projects", 3, _("包联项目"), _("区级领导当前包联的项目（事项）数。"), "project"),
    (
        "liaison.institutions",
        4,
        _("包联高校及机构"),
        _("区级领导当前包联的高校、院所等单位数。"),
        "institution",
    ),
):

    def _liaison_fn(ctx: FigureContext, col: int = _col) -> FigureValue:
        return _liaison_count(ctx, col)

    register_figure(
        _key,
        label=_label,
        definition=_definition,
        kind=COUNT,
        row_model=RESPONSIBILITY,
        measure=_measure,
        group="liaison",
    )(_liaison_fn)


def ratio(a: Decimal | int | None, b: Decimal | int | None) -> Decimal | None:
    return ratio_pct(None if a is None else Decimal(a), None if b is None else Decimal(b))

"""Every item's figures and light for a month, in a fixed number of queries: a closed month
read back from its snapshot, an open one from the rows kept for it (`live_progress`: only the
items whose facts changed since are judged again).

Every page, export, API and later feature asks here for an item's figures and light; the facts
are loaded by `facts.item_facts` and judged by the pure core (`reporting.progress`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import compress, repeat
from operator import is_not
from typing import Any, NamedTuple

from django.db.models import QuerySet

from duban.core import clock
from duban.core.bulk import gc_paused
from duban.core.periods import Period
from duban.core.plainread import plain_columns
from duban.ledger.models import WorkItem
from duban.reporting.models import (
    ItemSnapshot,
    LightRules,
    MonthClose,
    MonthlyReport,
    ReportingSettings,
)
from duban.reporting.progress import (
    ItemProgress,
    Light,
    Reason,
    ReportStatus,
    Rules,
    StartStatus,
    StatisticsStatus,
    item_figures,
    item_progress,
    reference_day,
    time_progress_pct,
)
from duban.reporting.selectors.facts import (
    ItemsArg,
    _ids_filter,
    counted_ytd,
    item_facts,
)
from duban.reporting.selectors.live_progress import STORED, Position, live_rows, stored_values

__all__ = ["ItemsArg", "counted_ytd", "item_facts"]

# Queries for the progress of any number of items for one month: the close check, the rules,
# the due day, and seven reads of facts (items, counted months, plan curves, milestones,
# indicator values, indicators, the month's reports). A closed month needs two.
COMPUTE_QUERIES = 10
# An open month whose kept rows are all valid: the close check, the rules, the due day, the
# state row, the change feed, the kept rows.
PROGRESS_QUERIES = 6
# The most an open month takes when items are judged again (the same the first time, when
# the state row is created): the close check, the rules, the due day, the state row, the feed
# (or, the first time, its newest ids); then the refresh's transaction (begin, commit), the
# state row created if missing and locked (two), the feed, the stale rows dropped, the kept
# rows, the seven reads of facts, the new rows stored (two to reserve their keys, then one per
# thousand rows) and the state saved.
REFRESH_QUERIES = 5 + 2 + 2 + 1 + 1 + 1 + 7 + 3 + 1


def rules_in_force() -> tuple[Rules, LightRules | None]:
    """The newest version of the light rules (the built-in defaults, version 0, if none)."""
    row = LightRules.objects.order_by("-pk").first()
    if row is None:
        return Rules(), None
    return rules_of(row), row


def rules_of(row: LightRules) -> Rules:
    return Rules(
        version=row.pk,
        due_soon_days=row.due_soon_days,
        behind_yellow_pp=row.behind_yellow_pp,
        behind_red_pp=row.behind_red_pp,
        start_red_months=row.start_red_months,
        statistics_yellow_months=row.statistics_yellow_months,
        statistics_red_months=row.statistics_red_months,
        statistics_threshold=row.statistics_threshold,
    )


def report_due(period: Period) -> date:
    """The day reports for `period` are due (the district's due day of the next month)."""
    return period.due_date(ReportingSettings.load().due_day)


def is_closed(period: Period) -> bool:
    return MonthClose.objects.filter(year=period.year, month=period.month).exists()


def compute_progress(
    items: ItemsArg,
    period: Period,
    *,
    today: date | None = None,
    rules: Rules | None = None,
    extra_months: dict[int, dict[int, Decimal | None]] | None = None,
) -> dict[int, ItemProgress]:
    """Compute (never read from a snapshot) every item's progress for `period`."""
    if rules is None:
        rules = rules_in_force()[0]
    today = today or clock.today()
    due = report_due(period)
    return {
        f.pk: item_progress(f, period=period, today=today, due=due, rules=rules)
        for f in item_facts(items, period, extra_months=extra_months)
    }


def stored_progress(
    item_id: int,
    period: Period,
    values: Sequence[Any],
    *,
    as_of: date,
    rules_version: int,
    frozen: bool,
) -> ItemProgress:
    """A progress back from its stored columns (`STORED`, in that order): a snapshot's or a
    kept row's. The rates are derived again by the core's pure `item_figures`."""
    (
        investment_month,
        ytd,
        prior_cumulative,
        annual_plan,
        cumulative_plan,
        report,
        report_counted,
        start,
        statistics,
        milestones_due,
        milestones_overdue,
        light,
        reasons,
    ) = values
    return ItemProgress(
        item_id=item_id,
        period=period,
        as_of=as_of,
        figures=item_figures(
            month=period.month,
            annual_plan=annual_plan,
            prior_cumulative=prior_cumulative,
            ytd=ytd,
            investment_month=investment_month,
            cumulative_plan=cumulative_plan,
        ),
        report=ReportStatus(report),
        report_counted=report_counted,
        start=StartStatus(start),
        statistics=StatisticsStatus(statistics),
        milestones_due=milestones_due,
        milestones_overdue=milestones_overdue,
        light=Light(light),
        reasons=tuple(Reason.from_json(r) for r in reasons),
        rules_version=rules_version,
        frozen=frozen,
    )


def snapshot_progress(snap: ItemSnapshot, close: MonthClose) -> ItemProgress:
    """A closed month's progress, exactly as it was frozen."""
    period = Period(snap.year, snap.month)
    return stored_progress(
        snap.work_item_id,
        period,
        [getattr(snap, c) for c in STORED],
        as_of=close.as_of or period.last_day,
        rules_version=close.rules_id or 0,
        frozen=True,
    )


def position_now(period: Period) -> Position:
    """The day, rules and due day an open month is judged with now (two queries)."""
    rules = rules_in_force()[0]
    due_day = ReportingSettings.load().due_day
    return Position(today=clock.today(), rules=rules, due=period.due_date(due_day), due_day=due_day)


def live_progress(items: ItemsArg, period: Period) -> dict[int, ItemProgress]:
    """Every item's progress for the open month `period`, as `compute_progress` would give it
    now: the kept rows where the item's facts have not changed, the others judged again."""
    fresh = live_rows(items, period, STORED, position_now(period))
    at = fresh.at
    out = {
        row[0]: stored_progress(
            row[0],
            period,
            row[1:],
            as_of=reference_day(period, at.today),
            rules_version=at.rules.version,
            frozen=False,
        )
        for row in fresh.rows
    }
    out.update(fresh.computed)
    return out


def progress_for_items(
    items: ItemsArg, period: Period, *, today: date | None = None
) -> dict[int, ItemProgress]:
    """Every item's progress for `period`: from the snapshot when the month is closed, else
    from the rows kept for the open month (`live_progress`), or computed as of `today` when
    a day is given. Items a closed month did not hold (added later) are absent."""
    close = MonthClose.objects.filter(year=period.year, month=period.month).first()
    if close is None:
        if today is not None:
            return compute_progress(items, period, today=today)
        return live_progress(items, period)
    return {
        s.work_item_id: snapshot_progress(s, close)
        for s in ItemSnapshot.objects.filter(
            **_ids_filter(items), year=period.year, month=period.month
        )
    }


class ProgressSummary(NamedTuple):
    """What a report over a province's items reads of each one's progress for a month: its
    light, the investment figures and 序时进度 (the core's `time_progress_pct` of the stored
    plan), and its reasons as stored (`reason_texts` writes them). The same values as
    `progress_for_items` gives, read as plain tuples: a fraction of the cost of building
    twenty thousand `ItemProgress`."""

    light: str
    annual_plan: Decimal | None
    ytd_investment: Decimal
    investment_month: Decimal | None
    time_progress_pct: Decimal
    reasons: Any  # the stored JSON: its text, or the list it holds

    @property
    def reason_texts(self) -> list[str]:
        stored = json.loads(self.reasons) if isinstance(self.reasons, str) else self.reasons
        return [Reason.from_json(r).text for r in stored]


SUMMARY_COLUMNS = (
    "light",
    "annual_plan",
    "ytd_investment",
    "investment_month",
    "cumulative_plan",
    "reasons",
)


def _summary_of(p: ItemProgress) -> ProgressSummary:
    f = p.figures
    return ProgressSummary(
        str(p.light),
        f.annual_plan,
        f.ytd_investment,
        f.investment_month,
        f.time_progress_pct,
        [r.as_json() for r in p.reasons],
    )


def progress_summaries(items: ItemsArg, period: Period) -> dict[int, ProgressSummary]:
    """`ProgressSummary` of every item for `period`, in the queries `progress_for_items`
    takes: a closed month's snapshot, an open month's kept rows (the stale ones judged
    again first). Items a closed month did not hold are absent. No cyclic garbage collection
    meanwhile (`gc_paused`: a province's rows are tens of thousands of tuples that live on)."""
    with gc_paused():
        return _summaries(items, period)


def _summaries(items: ItemsArg, period: Period) -> dict[int, ProgressSummary]:
    close = MonthClose.objects.filter(year=period.year, month=period.month).first()
    computed: dict[int, ItemProgress] = {}
    if close is None:
        fresh = live_rows(
            items, period, SUMMARY_COLUMNS, position_now(period), raw=True, columnar=True
        )
        columns = fresh.columns
        if columns is None:
            columns = _by_column(fresh.rows, 1 + len(SUMMARY_COLUMNS))
        computed = fresh.computed
    else:
        columns = plain_columns(
            ItemSnapshot.objects.filter(
                **_ids_filter(items), year=period.year, month=period.month
            ).order_by(),
            "work_item_id",
            *SUMMARY_COLUMNS,
        )
    pks, light, plan, ytd, inv_month, cum_plan, reasons = columns
    # Without a plan curve, 序时进度 is the straight line m/12: one value for most items.
    month = period.month
    due = [time_progress_pct(month, None, None)] * len(pks)
    for i in compress(range(len(pks)), map(is_not, cum_plan, repeat(None))):
        due[i] = time_progress_pct(month, plan[i], cum_plan[i])
    # Each summary made from the columns by C-level iteration (a province's 20,000).
    out: dict[int, ProgressSummary] = dict(
        zip(
            pks,
            map(
                tuple.__new__,
                repeat(ProgressSummary),
                zip(light, plan, ytd, inv_month, due, reasons, strict=True),
            ),
            strict=True,
        )
    )
    for pk, p in computed.items():
        out[pk] = _summary_of(p)
    return out


def _by_column(rows: list[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    return list(zip(*rows, strict=True)) if rows else [() for _i in range(width)]


def progress_columns(
    items: ItemsArg, period: Period, columns: Sequence[str]
) -> dict[int, tuple[Any, ...]]:
    """Some stored columns (names of `STORED`) of every item's progress for `period`, without
    building the whole progress: a closed month's snapshot, an open month's kept rows (the
    stale ones judged again first). For pages that reduce thousands of items to a few figures.
    """
    if is_closed(period):
        return {
            pk: tuple(rest)
            for pk, *rest in ItemSnapshot.objects.filter(
                **_ids_filter(items), year=period.year, month=period.month
            ).values_list("work_item_id", *columns)
        }
    fresh = live_rows(items, period, columns, position_now(period))
    out = {row[0]: row[1:] for row in fresh.rows}
    for pk, p in fresh.computed.items():
        values = stored_values(p)
        out[pk] = tuple(values[c] for c in columns)
    return out


def progress_keep(period: Period) -> int | None:
    """Judge and keep every item's progress of the open month `period` for today, so that the
    first page of the day reads it instead of judging a province (`duban keep_progress`, from
    cron after midnight). Returns how many items were judged now (0: already kept for today),
    None when the month is closed (its snapshot is read)."""
    if is_closed(period):
        return None
    items = WorkItem.objects.filter(year=period.year).exclude(status=WorkItem.Status.DRAFT)
    return len(live_rows(items, period, ("light",), position_now(period)).computed)


def progress_for_item(item: WorkItem, period: Period) -> ItemProgress | None:
    return progress_for_items([item.pk], period).get(item.pk)


@dataclass
class LightCounts:
    green: int = 0
    yellow: int = 0
    red: int = 0

    def add(self, light: str) -> None:
        setattr(self, light, getattr(self, light) + 1)

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red


def light_counts(progress: Iterable[ItemProgress]) -> LightCounts:
    counts = LightCounts()
    for p in progress:
        counts.add(p.light)
    return counts


def ids_with_light(items: QuerySet[WorkItem], period: Period, lights: Sequence[str]) -> list[int]:
    """The ids of `items` (in their order) whose light for `period` is one of `lights`.

    A closed month is filtered by the database on its snapshot; an open one on its kept rows
    (the stale ones judged again first).
    """
    wanted = set(lights)
    if is_closed(period):
        matching = set(
            ItemSnapshot.objects.filter(
                **_ids_filter(items), year=period.year, month=period.month, light__in=wanted
            ).values_list("work_item_id", flat=True)
        )
    else:
        fresh = live_rows(items, period, ("light",), position_now(period))
        matching = {pk for pk, light in fresh.rows if light in wanted}
        matching.update(pk for pk, p in fresh.computed.items() if p.light in wanted)
    return [pk for pk in items.values_list("pk", flat=True) if pk in matching]


def report_progress(
    report: MonthlyReport, *, investment_month: Decimal | object | None = ...
) -> ItemProgress | None:
    """The progress of a report's item for the report's own month.

    With `investment_month`, as if this report counted with that amount (the form's figure
    cards while typing): the amount must have passed the report validator, so that a refused
    figure never reaches the cards.
    """
    period = report.period
    if not isinstance(investment_month, Decimal | None):
        return progress_for_items([report.work_item_id], period).get(report.work_item_id)
    extra: dict[int, dict[int, Decimal | None]] = {
        report.work_item_id: {period.month: investment_month}
    }
    return compute_progress([report.work_item_id], period, extra_months=extra).get(
        report.work_item_id
    )


def reports_progress(reports: Sequence[MonthlyReport]) -> dict[int, ItemProgress]:
    """Progress of each report's item for the report's month, by report id: one batch per
    distinct month among the reports (a list page holds one or a few)."""
    by_period: dict[Period, list[MonthlyReport]] = defaultdict(list)
    for r in reports:
        by_period[r.period].append(r)
    out: dict[int, ItemProgress] = {}
    for period, group in by_period.items():
        progress = progress_for_items([r.work_item_id for r in group], period)
        for r in group:
            if r.work_item_id in progress:
                out[r.pk] = progress[r.work_item_id]
    return out

"""Load what the progress core needs for many items in a fixed number of queries, and read a
closed month back from its snapshot.

Every page, export, API and later feature asks here for an item's figures and light: an open
month is computed from the facts (`reporting.progress`), a closed month is read from the
snapshot taken when it closed and never recomputed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from duban.core import clock
from duban.core.periods import Period
from duban.ledger.models import Indicator, Milestone, PlanMonth, WorkItem
from duban.reporting.models import (
    COUNTING_STATES,
    IndicatorValue,
    ItemSnapshot,
    LightRules,
    MonthClose,
    MonthlyReport,
    ReportingSettings,
)
from duban.reporting.progress import (
    IndicatorFact,
    ItemFacts,
    ItemProgress,
    Light,
    MilestoneFact,
    Reason,
    ReportStatus,
    Rules,
    StartStatus,
    StatisticsStatus,
    item_figures,
    item_progress,
)

ItemsArg = QuerySet[WorkItem] | Sequence[WorkItem] | Sequence[int]

# Queries for the progress of any number of items for one month: the close check, the rules,
# the due day, and seven reads of facts (items, counted months, plan curves, milestones,
# indicator values, indicators, the month's reports). A closed month needs two.
PROGRESS_QUERIES = 10


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


def _ids_filter(items: ItemsArg) -> dict[str, object]:
    if isinstance(items, QuerySet):
        return {"work_item__in": items.order_by().values("pk")}
    return {"work_item_id__in": [i if isinstance(i, int) else i.pk for i in items]}


def counted_ytd(items: ItemsArg, period: Period) -> dict[int, Decimal]:
    """本年累计 of each item up to `period` (counted reports only), in one query."""
    return {
        pk: before + (at or Decimal(0)) for pk, (before, at) in _counted_sums(items, period).items()
    }


def _counted_sums(items: ItemsArg, period: Period) -> dict[int, tuple[Decimal, Decimal | None]]:
    """Per item: the counted months before `period` added up, and the month's own amount.

    The database adds up (one grouped query); the rule of what counts is the core's.
    """
    rows = (
        MonthlyReport.objects.filter(
            **_ids_filter(items),
            year=period.year,
            month__lte=period.month,
            state__in=COUNTING_STATES,
        )
        .order_by()
        .values("work_item_id")
        .annotate(
            before=Sum("investment_month", filter=Q(month__lt=period.month)),
            at=Sum("investment_month", filter=Q(month=period.month)),
            reported=Count("pk", filter=Q(month=period.month, investment_month__isnull=False)),
        )
        .values_list("work_item_id", "before", "at", "reported")
    )
    return {
        pk: (before or Decimal(0), at if reported else None) for pk, before, at, reported in rows
    }


_ITEM_FIELDS = (
    "pk",
    "year",
    "kind",
    "status",
    "annual_plan",
    "prior_cumulative",
    "planned_start",
    "actual_start",
    "planned_finish",
    "actual_finish",
    "in_statistics",
    "in_statistics_date",
    "assigned_on",
    "project__total_investment",
    "project__start_year",
    "category",
)


def item_facts(
    items: ItemsArg,
    period: Period,
    *,
    extra_months: dict[int, dict[int, Decimal | None]] | None = None,
) -> list[ItemFacts]:
    """The facts of every item for `period`, in seven queries whatever their number.

    `extra_months` overrides counted monthly amounts (a form's figures before it is saved).
    """
    ids = _ids_filter(items)
    item_filter = {"pk__in": next(iter(ids.values()))}
    # Tuples, not dicts: a province's 20,000 items are read here for every bulletin and page.
    rows = list(WorkItem.objects.filter(**item_filter).order_by().values_list(*_ITEM_FIELDS))
    sums = _counted_sums(items, period)
    for pk, months in (extra_months or {}).items():
        # A form's figure before it is saved: this month's amount as typed.
        before, _at = sums.get(pk, (Decimal(0), None))
        sums[pk] = (before, months.get(period.month))
    plans: dict[int, Decimal] = dict(
        PlanMonth.objects.filter(**ids)
        .order_by()
        .values("work_item_id")
        .annotate(cum=Sum("amount", filter=Q(month__lte=period.month), default=Decimal(0)))
        .values_list("work_item_id", "cum")
    )
    milestones: dict[int, list[MilestoneFact]] = defaultdict(list)
    # Nodes reached before the month was over say nothing; the rest are read.
    for pk, name, planned, actual in (
        Milestone.objects.filter(**ids)
        .filter(Q(actual_date__isnull=True) | Q(actual_date__gt=period.last_day))
        .order_by("sort_order", "pk")
        .values_list("work_item_id", "name", "planned_date", "actual_date")
    ):
        milestones[pk].append(MilestoneFact(name.strip(), planned, actual))
    latest: dict[int, tuple[int, Decimal | None]] = {}
    # The values of the items' indicators on their own item's counted reports. Read from the
    # indicator side: far fewer rows than the reports (a province has 230,000 reports a year).
    for ind_id, month, value in IndicatorValue.objects.filter(
        **{f"indicator__{k}": v for k, v in ids.items()},
        report__work_item_id=F("indicator__work_item_id"),
        report__year=period.year,
        report__month__lte=period.month,
        report__state__in=COUNTING_STATES,
        value__isnull=False,
    ).values_list("indicator_id", "report__month", "value"):
        if ind_id not in latest or latest[ind_id][0] < month:
            latest[ind_id] = (month, value)
    indicators: dict[int, list[IndicatorFact]] = defaultdict(list)
    for ind_id, pk, name, target, deadline, baseline in (
        Indicator.objects.filter(**ids)
        .order_by("sort_order", "pk")
        .values_list("pk", "work_item_id", "name", "target", "deadline", "baseline")
    ):
        value = latest.get(ind_id, (0, None))[1]
        indicators[pk].append(IndicatorFact(name, target, deadline, baseline, value))
    reports: dict[int, tuple[str | None, date | None]] = {}
    state: str | None
    tz = timezone.get_current_timezone()  # once, not per report (localtime() looks it up)
    for pk, state, first in MonthlyReport.objects.filter(
        **ids, year=period.year, month=period.month
    ).values_list("work_item_id", "state", "first_submitted_at"):
        reports[pk] = (state, first.astimezone(tz).date() if first else None)
    facts = []
    no_sums: tuple[Decimal, Decimal | None] = (Decimal(0), None)
    project, finished = WorkItem.Kind.PROJECT, WorkItem.Status.DONE
    continuing = WorkItem.Category.CONTINUING
    for (
        pk,
        year,
        kind,
        status,
        annual_plan,
        prior_cumulative,
        planned_start,
        actual_start,
        planned_finish,
        actual_finish,
        in_statistics,
        in_statistics_date,
        assigned,
        total_investment,
        start_year,
        category,
    ) in rows:
        state, first_on = reports.get(pk, (None, None))
        ytd_before, month_amount = sums.get(pk, no_sums)
        facts.append(
            ItemFacts(
                pk=pk,
                year=year,
                is_project=kind == project,
                done=status == finished,
                annual_plan=annual_plan,
                prior_cumulative=prior_cumulative or Decimal(0),
                monthly={},
                ytd_before=ytd_before,
                month_amount=month_amount,
                cumulative_plan=plans.get(pk),
                total_investment=total_investment,
                planned_start=planned_start,
                actual_start=actual_start,
                started_earlier=category == continuing or bool(start_year and start_year < year),
                planned_finish=planned_finish,
                actual_finish=actual_finish,
                in_statistics=in_statistics,
                in_statistics_date=in_statistics_date,
                year_start=assigned if assigned and assigned.year == year else None,
                milestones=tuple(milestones.get(pk, ())),
                indicators=tuple(indicators.get(pk, ())),
                report_state=state,
                report_first_submitted_on=first_on,
            )
        )
    return facts


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


def snapshot_progress(snap: ItemSnapshot, close: MonthClose) -> ItemProgress:
    """A closed month's progress, exactly as it was frozen."""
    period = Period(snap.year, snap.month)
    return ItemProgress(
        item_id=snap.work_item_id,
        period=period,
        as_of=close.as_of or period.last_day,
        figures=item_figures(
            month=snap.month,
            annual_plan=snap.annual_plan,
            prior_cumulative=snap.prior_cumulative,
            ytd=snap.ytd_investment,
            investment_month=snap.investment_month,
            cumulative_plan=snap.cumulative_plan,
        ),
        report=ReportStatus(snap.report),
        report_counted=snap.report_counted,
        start=StartStatus(snap.start),
        statistics=StatisticsStatus(snap.statistics),
        milestones_due=snap.milestones_due,
        milestones_overdue=snap.milestones_overdue,
        light=Light(snap.light),
        reasons=tuple(Reason.from_json(r) for r in snap.reasons),
        rules_version=close.rules_id or 0,
        frozen=True,
    )


def progress_for_items(
    items: ItemsArg, period: Period, *, today: date | None = None
) -> dict[int, ItemProgress]:
    """Every item's progress for `period`: from the snapshot when the month is closed, else
    computed now. Items a closed month did not hold (added later) are absent."""
    close = MonthClose.objects.filter(year=period.year, month=period.month).first()
    if close is None:
        return compute_progress(items, period, today=today)
    return {
        s.work_item_id: snapshot_progress(s, close)
        for s in ItemSnapshot.objects.filter(
            **_ids_filter(items), year=period.year, month=period.month
        )
    }


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

    A closed month is filtered by the database on its snapshot; an open one is computed.
    """
    wanted = set(lights)
    if is_closed(period):
        matching = set(
            ItemSnapshot.objects.filter(
                **_ids_filter(items), year=period.year, month=period.month, light__in=wanted
            ).values_list("work_item_id", flat=True)
        )
    else:
        progress = compute_progress(items, period)
        matching = {pk for pk, p in progress.items() if p.light in wanted}
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

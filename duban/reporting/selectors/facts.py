"""Load the facts the progress core judges, for any number of items, in a fixed number of
queries (seven, whatever their number)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from duban.core.periods import Period
from duban.ledger.models import Indicator, Milestone, PlanMonth, WorkItem
from duban.reporting.models import COUNTING_STATES, IndicatorValue, MonthlyReport
from duban.reporting.progress import IndicatorFact, ItemFacts, MilestoneFact

ItemsArg = QuerySet[WorkItem] | Sequence[WorkItem] | Sequence[int]


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

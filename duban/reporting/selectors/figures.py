"""Counted figures of work items and reports, annotated in one query or read for one."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from duban.core.periods import Period
from duban.ledger.models import PlanMonth, WorkItem
from duban.reporting.figures import ItemFigures, item_figures, item_figures_from_months
from duban.reporting.models import COUNTING_STATES, MonthlyReport

MONEY: DecimalField = DecimalField(max_digits=16, decimal_places=4)


def with_figures(qs: QuerySet[WorkItem], *, month: int) -> QuerySet[WorkItem]:
    """Annotate counted year-to-date investment and the cumulative plan up to `month`.

    One query for any number of items: the figures are subqueries, not per-row lookups.
    """
    ytd = (
        MonthlyReport.objects.filter(
            work_item=OuterRef("pk"),
            year=OuterRef("year"),
            month__lte=month,
            state__in=COUNTING_STATES,
        )
        .values("work_item")
        .annotate(s=Sum("investment_month"))
        .values("s")
    )
    month_amount = MonthlyReport.objects.filter(
        work_item=OuterRef("pk"), year=OuterRef("year"), month=month, state__in=COUNTING_STATES
    ).values("investment_month")[:1]
    cum_plan = (
        PlanMonth.objects.filter(work_item=OuterRef("pk"), month__lte=month)
        .values("work_item")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    plan_months = (
        PlanMonth.objects.filter(work_item=OuterRef("pk"))
        .values("work_item")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return qs.annotate(
        ytd_investment=Coalesce(
            Subquery(ytd, output_field=MONEY), Value(Decimal(0)), output_field=MONEY
        ),
        month_investment=Subquery(month_amount, output_field=MONEY),
        cumulative_plan=Subquery(cum_plan, output_field=MONEY),
        plan_month_count=Subquery(plan_months),
    )


def figures_of(item: WorkItem, *, month: int) -> ItemFigures:
    """Figures of an item annotated by `with_figures` (no query)."""
    has_curve = bool(getattr(item, "plan_month_count", 0))
    return item_figures(
        month=month,
        annual_plan=item.annual_plan,
        prior_cumulative=item.prior_cumulative,
        ytd=item.ytd_investment,  # type: ignore[attr-defined]
        investment_month=item.month_investment,  # type: ignore[attr-defined]
        cumulative_plan=(item.cumulative_plan or Decimal(0)) if has_curve else None,  # type: ignore[attr-defined]
    )


def item_figures_for(item: WorkItem, period: Period) -> ItemFigures:
    """Figures of one item for a period, from its counted reports and its plan curve."""
    monthly: dict[int, Decimal | None] = dict(
        MonthlyReport.objects.filter(
            work_item=item, year=period.year, state__in=COUNTING_STATES
        ).values_list("month", "investment_month")
    )
    curve = dict(item.plan_months.values_list("month", "amount")) or None
    return item_figures_from_months(
        month=period.month,
        annual_plan=item.annual_plan,
        prior_cumulative=item.prior_cumulative,
        monthly=monthly,
        plan_curve=curve,
    )


def reports_with_figures(qs: QuerySet[MonthlyReport]) -> QuerySet[MonthlyReport]:
    """Annotate each report with its item's counted figures for the report's own month.

    One query for any number of reports (subqueries, not per-row lookups); read them back with
    `report_figures_of`. Only submitted and accepted reports count, so a draft's own amount is
    not in the year-to-date total until it is submitted.
    """
    counted = MonthlyReport.objects.filter(
        work_item=OuterRef("work_item"), year=OuterRef("year"), state__in=COUNTING_STATES
    )
    ytd = (
        counted.filter(month__lte=OuterRef("month"))
        .values("work_item")
        .annotate(s=Sum("investment_month"))
        .values("s")
    )
    month_amount = counted.filter(month=OuterRef("month")).values("investment_month")[:1]
    cum_plan = (
        PlanMonth.objects.filter(work_item=OuterRef("work_item"), month__lte=OuterRef("month"))
        .values("work_item")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    plan_months = (
        PlanMonth.objects.filter(work_item=OuterRef("work_item"))
        .values("work_item")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return qs.annotate(
        ytd_investment=Coalesce(
            Subquery(ytd, output_field=MONEY), Value(Decimal(0)), output_field=MONEY
        ),
        counted_month_investment=Subquery(month_amount, output_field=MONEY),
        cumulative_plan=Subquery(cum_plan, output_field=MONEY),
        plan_month_count=Subquery(plan_months),
    )


def report_figures_of(report: MonthlyReport) -> ItemFigures:
    """Figures of a report annotated by `reports_with_figures` (no query)."""
    item = report.work_item
    has_curve = bool(getattr(report, "plan_month_count", 0))
    return item_figures(
        month=report.month,
        annual_plan=item.annual_plan,
        prior_cumulative=item.prior_cumulative,
        ytd=report.ytd_investment,  # type: ignore[attr-defined]
        investment_month=report.counted_month_investment,  # type: ignore[attr-defined]
        cumulative_plan=(report.cumulative_plan or Decimal(0)) if has_curve else None,  # type: ignore[attr-defined]
    )


def report_figures(report: MonthlyReport, *, investment_month: Decimal | None) -> ItemFigures:
    """Figures of the report's month as if this report counted with `investment_month`:
    本年累计 = the other counted months up to this one + this month."""
    item = report.work_item
    monthly: dict[int, Decimal | None] = dict(
        MonthlyReport.objects.filter(
            work_item_id=item.pk,
            year=report.year,
            month__lte=report.month,
            state__in=COUNTING_STATES,
        )
        .exclude(pk=report.pk)
        .values_list("month", "investment_month")
    )
    monthly[report.month] = investment_month
    curve = dict(item.plan_months.values_list("month", "amount")) or None
    return item_figures_from_months(
        month=report.month,
        annual_plan=item.annual_plan,
        prior_cumulative=item.prior_cumulative,
        monthly=monthly,
        plan_curve=curve,
    )

"""Reads of monthly reports and the figures derived from them, scoped to the user."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from duban.core.periods import Period
from duban.ledger.models import PlanMonth, WorkItem
from duban.ledger.selectors import (
    ChangeEntry,
    WorkItemFilters,
    history_entries,
    work_item_history,
    work_item_list,
)
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.reporting.figures import ItemFigures, item_figures, item_figures_from_months
from duban.reporting.models import (
    COUNTING_STATES,
    IndicatorValue,
    MonthClose,
    MonthlyReport,
    ReportingSettings,
    ReportMilestone,
)
from duban.reporting.permissions import can_fill_report

MONEY: DecimalField = DecimalField(max_digits=16, decimal_places=4)
S = MonthlyReport.State


@dataclass
class ReportFilters:
    year: int | None = None
    month: int | None = None
    unit: int | None = None
    state: str | None = None
    item: int | None = None


def report_list(*, user: User, filters: ReportFilters | None = None) -> QuerySet[MonthlyReport]:
    qs = MonthlyReport.objects.filter(scope_for(user).related_q("work_item")).select_related(
        "work_item",
        "work_item__lead_unit",
        "work_item__project",
        "created_by",
        "reviewed_by",
        "signed_off_by",
    )
    f = filters or ReportFilters()
    if f.year:
        qs = qs.filter(year=f.year)
    if f.month:
        qs = qs.filter(month=f.month)
    if f.unit:
        qs = qs.filter(work_item__lead_unit_id=f.unit)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.item:
        qs = qs.filter(work_item_id=f.item)
    return qs.order_by("-year", "-month", "work_item__lead_unit__sort_order", "work_item_id")


def report_get_for_user(*, user: User, report_id: int) -> MonthlyReport:
    """One report in the user's scope; missing and out-of-scope both answer 404."""
    return get_object_or_404(report_list(user=user), pk=report_id)


def closed_periods() -> set[Period]:
    return {Period(y, m) for y, m in MonthClose.objects.values_list("year", "month")}


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


def reporting_period_default() -> Period:
    """The period units are reporting now: last month (reports are filed in the next month)."""
    return Period.current().previous()


@dataclass(frozen=True)
class DueReport:
    """An item's earliest month with no report yet, and how many later months are missing."""

    item: WorkItem
    period: Period
    due_date: date
    overdue: bool
    later_missing: int


@dataclass
class Inbox:
    period: Period
    due_date: date
    to_fill: list[DueReport] = field(default_factory=list)
    drafts: list[MonthlyReport] = field(default_factory=list)
    returned: list[MonthlyReport] = field(default_factory=list)
    to_sign_off: list[MonthlyReport] = field(default_factory=list)
    to_review: list[MonthlyReport] = field(default_factory=list)

    @property
    def total(self) -> int:
        return (
            len(self.to_fill)
            + len(self.drafts)
            + len(self.returned)
            + len(self.to_sign_off)
            + len(self.to_review)
        )


def _months_expected(item: WorkItem, last: Period, due_day: int) -> list[Period]:
    """The months an active item must report on, up to `last`: those whose report falls due
    on or after the day the item was handed out (nobody is late for what they weren't given)."""
    if item.year > last.year:
        return []
    last_month = 12 if item.year < last.year else last.month
    months = [Period(item.year, m) for m in range(1, last_month + 1)]
    if item.handed_out_at is None:
        return months
    handed = timezone.localdate(item.handed_out_at)
    return [p for p in months if p.due_date(due_day) >= handed]


def inbox_for(*, user: User, period: Period | None = None) -> Inbox:
    """What waits on the user, in every month not yet closed: reports to fill (one line per
    item, its earliest missing month first), drafts, returned reports, sign-offs and reviews.

    A fixed number of queries, whatever the number of items and months.
    """
    period = period or reporting_period_default()
    due_day = ReportingSettings.load().due_day
    box = Inbox(period=period, due_date=period.due_date(due_day))
    today = timezone.localdate()
    closed = closed_periods()
    fillable: list[WorkItem] = []
    if not user.is_office:
        items = work_item_list(
            user=user, filters=WorkItemFilters(status=WorkItem.Status.ACTIVE)
        ).filter(year__lte=period.year)
        fillable = [i for i in items if can_fill_report(user, i)]
    reported: set[tuple[int, int, int]] = set(
        MonthlyReport.objects.filter(work_item__in=[i.pk for i in fillable]).values_list(
            "work_item_id", "year", "month"
        )
    )
    for item in fillable:
        missing = [
            p
            for p in _months_expected(item, period, due_day)
            if p not in closed and (item.pk, p.year, p.month) not in reported
        ]
        if missing:
            due = missing[0].due_date(due_day)
            box.to_fill.append(
                DueReport(
                    item, missing[0], due, overdue=today > due, later_missing=len(missing) - 1
                )
            )
    box.to_fill.sort(key=lambda d: (d.period, d.item.lead_unit.sort_order, d.item.pk))
    visible = report_list(user=user)
    closed_q = Q(pk__in=[])
    for p in closed:
        closed_q |= Q(year=p.year, month=p.month)
    still_open = visible.exclude(closed_q)
    fillable_ids = {i.pk for i in fillable}
    box.drafts = [r for r in still_open.filter(state=S.DRAFT) if r.work_item_id in fillable_ids]
    box.returned = [
        r for r in still_open.filter(state=S.RETURNED) if r.work_item_id in fillable_ids
    ]
    # Sign-off is the unit head's job; the office may do it from the report page, but it
    # does not crowd the office's inbox.
    if user.role == User.Role.UNIT_HEAD:
        box.to_sign_off = list(
            visible.filter(state=S.PENDING_SIGNOFF, work_item__lead_unit_id=user.unit_id)
        )
    if user.is_office:
        box.to_review = list(visible.filter(state=S.SUBMITTED))
    elif user.role == User.Role.STEWARD:
        box.to_review = list(visible.filter(state=S.SUBMITTED, work_item__steward=user))
    return box


@dataclass
class UnitReportRow:
    unit: Unit
    expected: int = 0
    submitted: int = 0
    late: int = 0
    missing: int = 0


@dataclass
class YearOverview:
    year: int
    period: Period
    by_level: dict[str, int]
    by_category: dict[str, int]
    kinds: dict[str, int]
    annual_plan: Decimal
    completed: Decimal
    completion_pct: Decimal | None
    time_progress_pct: Decimal
    units: list[UnitReportRow]


def figures_period_default(year: int | None = None, *, user: User | None = None) -> Period:
    """The month figures of `year` are shown as of, everywhere (lists, item pages, overview, API).

    The current year (or no year): last month. A future year: January. A past year: the
    latest month with a counted report in the user's scope, December when there is none.
    """
    current = reporting_period_default()
    if year is None or year == current.year:
        return current
    if year > current.year:
        return Period(year, 1)
    if user is None:
        return Period(year, 12)
    latest = (
        report_list(user=user, filters=ReportFilters(year=year))
        .filter(state__in=COUNTING_STATES)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    return Period(year, latest or 12)


def year_overview(*, user: User, year: int, period: Period | None = None) -> YearOverview:
    """Counts by level and category, planned vs completed investment, reporting per unit."""
    from duban.core.money import ratio_pct
    from duban.reporting.figures import time_progress_pct

    if period is None:
        period = figures_period_default(year, user=user)
    items = work_item_list(user=user, filters=WorkItemFilters(year=year)).exclude(
        status=WorkItem.Status.DRAFT
    )
    by_level = dict(items.order_by().values_list("level").annotate(c=Count("pk")))
    by_category = dict(
        items.filter(kind=WorkItem.Kind.PROJECT)
        .order_by()
        .values_list("category")
        .annotate(c=Count("pk"))
    )
    kinds = dict(items.order_by().values_list("kind").annotate(c=Count("pk")))
    annual_plan = items.aggregate(s=Sum("annual_plan"))["s"] or Decimal(0)
    completed = MonthlyReport.objects.filter(
        work_item__in=items.values("pk"),
        year=year,
        month__lte=period.month,
        state__in=COUNTING_STATES,
    ).aggregate(s=Sum("investment_month"))["s"] or Decimal(0)
    due_day = ReportingSettings.load().due_day
    rows: dict[int, UnitReportRow] = {}
    for unit in Unit.objects.filter(pk__in=items.values("lead_unit_id")).order_by("sort_order"):
        rows[unit.pk] = UnitReportRow(unit=unit)
    months = list(range(1, period.month + 1))
    expected: dict[int, int] = defaultdict(int)
    for unit_id in items.values_list("lead_unit_id", flat=True):
        expected[unit_id] += len(months)
    reports = MonthlyReport.objects.filter(
        work_item__in=items.values("pk"), year=year, month__in=months
    ).values_list("work_item__lead_unit_id", "month", "first_submitted_at")
    for unit_id, month, first in reports:
        row = rows[unit_id]
        if first is not None:
            row.submitted += 1
            if timezone.localtime(first).date() > Period(year, month).due_date(due_day):
                row.late += 1
    for unit_id, row in rows.items():
        row.expected = expected[unit_id]
        row.missing = max(row.expected - row.submitted, 0)
    return YearOverview(
        year=year,
        period=period,
        by_level=by_level,
        by_category=by_category,
        kinds=kinds,
        annual_plan=annual_plan,
        completed=completed,
        completion_pct=ratio_pct(completed, annual_plan),
        time_progress_pct=time_progress_pct(period.month, None, None),
        units=list(rows.values()),
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


def report_for_item_period(*, item: WorkItem, period: Period) -> MonthlyReport | None:
    """The item's report for `period`, if one was started (the item is already scoped)."""
    return MonthlyReport.objects.filter(
        work_item=item, year=period.year, month=period.month
    ).first()


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


def reports_of_item(*, item: WorkItem) -> QuerySet[MonthlyReport]:
    """Every report of an item (the item is already scoped), oldest month first."""
    return item.reports.order_by("year", "month").select_related("created_by", "signed_off_by")


def report_history(report: MonthlyReport) -> list[ChangeEntry]:
    """The changes of a report and of its indicator values and reached nodes, newest first."""
    entries = history_entries(
        MonthlyReport,
        report.history.select_related("history_user").all(),
        lambda r: pgettext("model name", "月报"),
    )
    entries += history_entries(
        IndicatorValue,
        IndicatorValue.history.filter(report_id=report.pk).select_related("history_user"),
        lambda r: pgettext("model name", "指标完成值"),
    )
    entries += history_entries(
        ReportMilestone,
        ReportMilestone.history.filter(report_id=report.pk).select_related("history_user"),
        lambda r: pgettext("model name", "本月完成节点"),
    )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def work_item_change_log(item: WorkItem) -> list[ChangeEntry]:
    """The item's ledger history plus the history of its monthly reports, newest first."""
    entries = work_item_history(item)
    entries += history_entries(
        MonthlyReport,
        MonthlyReport.history.filter(work_item_id=item.pk).select_related("history_user"),
        lambda r: gettext("%(m)s月月报") % {"m": r.month},
    )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries

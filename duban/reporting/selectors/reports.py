"""Lists and lookups of monthly reports, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.scoping import related_q
from duban.org.models import User
from duban.org.scoping import scope_for
from duban.reporting.models import MonthlyReport


@dataclass
class ReportFilters:
    year: int | None = None
    month: int | None = None
    unit: int | None = None
    state: str | None = None
    item: int | None = None


def report_list(*, user: User, filters: ReportFilters | None = None) -> QuerySet[MonthlyReport]:
    qs = MonthlyReport.objects.filter(related_q(scope_for(user), "work_item")).select_related(
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


def report_for_item_period(*, item: WorkItem, period: Period) -> MonthlyReport | None:
    """The item's report for `period`, if one was started (the item is already scoped)."""
    return MonthlyReport.objects.filter(
        work_item=item, year=period.year, month=period.month
    ).first()


def reports_of_item(*, item: WorkItem) -> QuerySet[MonthlyReport]:
    """Every report of an item (the item is already scoped), oldest month first."""
    return item.reports.order_by("year", "month").select_related("created_by", "signed_off_by")

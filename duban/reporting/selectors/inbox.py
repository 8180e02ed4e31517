"""What waits on a user in monthly reporting: reports to fill, sign off and review."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.db.models import Q
from django.utils import timezone

from duban.core import clock
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import WorkItemFilters, work_item_list
from duban.org.models import User
from duban.reporting.models import MonthlyReport, ReportingSettings
from duban.reporting.permissions import can_fill_report
from duban.reporting.selectors.periods import closed_periods, reporting_period_default
from duban.reporting.selectors.reports import report_list

S = MonthlyReport.State
SUBMITTED_STATES = frozenset({S.PENDING_SIGNOFF, S.SUBMITTED, S.ACCEPTED})


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
    # every open month with reports missing -> how many items miss it (the backlog counted)
    missing: dict[Period, int] = field(default_factory=dict)
    # the user's items that owe a report for `period`, and how many of those are submitted
    # (to the unit head, the steward or the office): the reporter's "am I done this month?"
    period_expected: int = 0
    period_submitted: int = 0

    @property
    def missing_total(self) -> int:
        """Every missing monthly report, not one per item: 40 when 40 are missing."""
        return sum(self.missing.values())

    @property
    def missing_periods(self) -> list[tuple[Period, int]]:
        """(month, items missing it), oldest first."""
        return sorted(self.missing.items())

    @property
    def total(self) -> int:
        return (
            len(self.to_fill)
            + len(self.drafts)
            + len(self.returned)
            + len(self.to_sign_off)
            + len(self.to_review)
        )


def months_expected(item: WorkItem, last: Period, due_day: int) -> list[Period]:
    """The months an active item must report on, up to `last`: those whose report falls due
    on or after the day the item was handed out (nobody is late for what they weren't given)."""
    months = _due_months(item.year, last, due_day)
    if item.handed_out_at is None:
        return [p for p, _due in months]
    handed = timezone.localdate(item.handed_out_at)
    return [p for p, due in months if due >= handed]


@lru_cache(maxsize=256)
def _due_months(year: int, last: Period, due_day: int) -> tuple[tuple[Period, date], ...]:
    """The months of `year` up to `last`, with their due dates (the same for every item of
    the year: computed once, not once an item)."""
    if year > last.year:
        return ()
    last_month = 12 if year < last.year else last.month
    return tuple(
        (p, p.due_date(due_day)) for p in (Period(year, m) for m in range(1, last_month + 1))
    )


def inbox_for(*, user: User, period: Period | None = None) -> Inbox:
    """What waits on the user, in every month not yet closed: reports to fill (one line per
    item, its earliest missing month first), drafts, returned reports, sign-offs and reviews.

    A fixed number of queries, whatever the number of items and months.
    """
    period = period or reporting_period_default()
    due_day = ReportingSettings.load().due_day
    box = Inbox(period=period, due_date=period.due_date(due_day))
    today = clock.today()
    closed = closed_periods()
    fillable: list[WorkItem] = []
    if not user.is_office:
        items = work_item_list(
            user=user, filters=WorkItemFilters(status=WorkItem.Status.ACTIVE)
        ).filter(year__lte=period.year)
        # (the lines show an item's title and lead unit: its co-units are not fetched)
        items = items.prefetch_related(None)
        fillable = [i for i in items if can_fill_report(user, i)]
    states: dict[tuple[int, int, int], str] = {
        (item_id, year, month): state
        for item_id, year, month, state in MonthlyReport.objects.filter(
            work_item__in=[i.pk for i in fillable]
        ).values_list("work_item_id", "year", "month", "state")
    }
    for item in fillable:
        expected = months_expected(item, period, due_day)
        missing = [
            p for p in expected if p not in closed and (item.pk, p.year, p.month) not in states
        ]
        if period in expected and period not in closed:
            box.period_expected += 1
            if states.get((item.pk, period.year, period.month)) in SUBMITTED_STATES:
                box.period_submitted += 1
        for p in missing:
            box.missing[p] = box.missing.get(p, 0) + 1
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
    fillable_ids = [i.pk for i in fillable]
    if fillable_ids:  # (the office fills from the item pages: its inbox holds no drafts)
        mine = still_open.filter(work_item_id__in=fillable_ids)
        box.drafts = list(mine.filter(state=S.DRAFT))
        box.returned = list(mine.filter(state=S.RETURNED))
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

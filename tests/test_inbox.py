"""我的待办 lists every month not yet closed, one line per item, earliest missing month first."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.reporting.models import MonthClose, MonthlyReport
from duban.reporting.selectors import inbox_for
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")


def _hand_out(item, when="2024-01-10"):
    WorkItem.objects.filter(pk=item.pk).update(
        handed_out_at=datetime.fromisoformat(when).replace(tzinfo=SH)
    )


def test_missing_months_make_one_line_per_item_from_the_earliest(district):
    # given: item_a handed out in January; February reported; March not
    _hand_out(district.item_a)
    f.ReportFactory(work_item=district.item_a, month=2)
    # when
    box = inbox_for(user=district.reporter_a)
    # then
    due = next(d for d in box.to_fill if d.item == district.item_a)
    assert due.period == Period(2024, 1)
    assert due.overdue  # due 2024-02-05, today 2024-04-03
    assert due.later_missing == 1  # March (February is reported)


def test_closed_months_are_not_asked_for(district):
    _hand_out(district.item_a)
    for month in (1, 2):
        MonthClose.objects.create(year=2024, month=month, closed_by=district.office)
    due = next(d for d in inbox_for(user=district.reporter_a).to_fill if d.item == district.item_a)
    assert due.period == Period(2024, 3) and not due.overdue and due.later_missing == 0


def test_months_due_before_hand_out_are_not_asked_for(district):
    # handed out on 2024-03-06: January and February were due before that
    _hand_out(district.item_a, "2024-03-06")
    due = next(d for d in inbox_for(user=district.reporter_a).to_fill if d.item == district.item_a)
    assert due.period == Period(2024, 3) and due.later_missing == 0


def test_last_years_open_months_still_show(district):
    # given: a 2023 item still active with December unreported
    old = f.WorkItemFactory(year=2023, lead_unit=district.unit_a)
    _hand_out(old, "2023-12-01")
    # then
    due = next(d for d in inbox_for(user=district.reporter_a).to_fill if d.item == old)
    assert due.period == Period(2023, 11)  # November's report was due on 2023-12-05
    assert due.later_missing == 1


def test_drafts_and_returned_of_closed_months_drop_out(district):
    draft = f.ReportFactory(work_item=district.item_a, month=1, state=MonthlyReport.State.DRAFT)
    returned = f.ReportFactory(
        work_item=district.item_a, month=2, state=MonthlyReport.State.RETURNED
    )
    box = inbox_for(user=district.reporter_a)
    assert draft in box.drafts and returned in box.returned
    MonthClose.objects.create(year=2024, month=1, closed_by=district.office)
    MonthClose.objects.create(year=2024, month=2, closed_by=district.office)
    box = inbox_for(user=district.reporter_a)
    assert box.drafts == [] and box.returned == []


def test_other_units_and_co_unit_items_are_not_to_fill(district):
    box = inbox_for(user=district.reporter_a)
    items = {d.item for d in box.to_fill}
    assert district.item_b not in items  # A is only a co-unit
    assert district.item_x not in items


def test_inbox_query_count_does_not_grow_with_items(district, django_assert_max_num_queries):
    for _ in range(20):
        f.WorkItemFactory(lead_unit=district.unit_a, annual_plan=Decimal(100))
    with django_assert_max_num_queries(12):
        box = inbox_for(user=district.reporter_a)
    assert len(box.to_fill) >= 21


def test_home_page_joins_reports_and_problems(district, login):
    # given: a problem waiting for the office to accept, and one for unit A to act on
    from django.urls import reverse

    from tests.problem_factories import AssignedProblemFactory, ProblemFactory

    ProblemFactory(work_item=district.item_a, title="用地指标未落实")
    AssignedProblemFactory(work_item=district.item_a, title="施工用电未接入")
    # when
    office_html = login(district.office).get(reverse("web:home")).content.decode()
    reporter_html = login(district.reporter_a).get(reverse("web:home")).content.decode()
    # then
    assert "用地指标未落实" in office_html and "待受理" in office_html
    assert "施工用电未接入" in reporter_html and "待办理反馈" in reporter_html
    assert (
        "用地指标未落实" not in login(district.reporter_b).get(reverse("web:home")).content.decode()
    )

"""`duban keep-progress`: the open month judged and kept for today ahead of the first page (a
province's first view of the day would otherwise judge every item)."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.reporting.models import LiveProgress, MonthClose
from duban.reporting.selectors.progress import compute_progress, progress_for_items, progress_keep
from tests import factories as f

MARCH = Period(2024, 3)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("keep_progress", *args, stdout=out)
    return out.getvalue()


def test_keep_progress_judges_the_month_once_then_only_what_changed(district):
    items = WorkItem.objects.filter(year=2024).exclude(status=WorkItem.Status.DRAFT)
    # the month being reported by default (today is 3 April: March)
    assert _run() == f"2024-03: {items.count()} items judged and kept\n"
    assert LiveProgress.objects.filter(year=2024, month=3).count() == items.count()
    assert progress_keep(MARCH) == 0  # already kept for today
    # a report filed: only its item is judged again, and what is kept is what the core computes
    f.ReportFactory(work_item=district.item_a, month=3, investment_month=Decimal("10"))
    assert progress_keep(MARCH) == 1
    assert progress_for_items(items, MARCH) == compute_progress(items, MARCH)


def test_keep_progress_refuses_a_bad_period_and_says_a_closed_month_is_read(district):
    with pytest.raises(CommandError, match="YYYY-MM"):
        _run("--period", "2024-13")
    MonthClose.objects.create(year=2024, month=2, closed_by=district.office)
    assert _run("--period", "2024-02") == "2024-02: closed, its snapshot is read\n"
    assert not LiveProgress.objects.filter(year=2024, month=2).exists()

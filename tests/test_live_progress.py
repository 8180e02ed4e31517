"""An open month's progress is read from the rows kept for it, and only the items whose facts
changed are judged again: after every kind of write that feeds the facts, what is read equals a
fresh computation for every item."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.core import clock
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.services import (
    milestone_update,
    project_update,
    work_item_set_plan_curve,
    work_item_update,
)
from duban.org.models import User
from duban.reporting.models import (
    LightRules,
    LiveProgress,
    LiveProgressState,
    MonthlyReport,
    ReportingSettings,
)
from duban.reporting.selectors import (
    compute_progress,
    ids_with_light,
    progress_for_items,
)
from duban.reporting.selectors import live_progress as live
from duban.reporting.selectors.progress import PROGRESS_QUERIES, REFRESH_QUERIES
from duban.reporting.services import (
    month_close,
    report_accept,
    report_return,
    report_save,
    report_start,
    report_submit,
)
from duban.transfer.imports.service import ledger_import
from tests import factories as f
from tests.sheets_fixtures import ROWS, ledger_book, to_bytes

S = MonthlyReport.State
FEB = Period(2024, 2)
MARCH = Period(2024, 3)


def _items():
    return WorkItem.objects.filter(year=2024).exclude(status=WorkItem.Status.DRAFT)


def assert_read_as_fresh(period: Period = MARCH) -> dict:
    """What the pages read for every item equals what the core computes from the facts now
    (figures, statuses, light, reasons, day and rules), through both entry points."""
    items = _items()
    read = progress_for_items(items, period)
    fresh = compute_progress(items, period)
    assert read.keys() == fresh.keys()
    for pk, p in fresh.items():
        assert read[pk] == p, pk
    for light in ("red", "yellow", "green"):
        assert ids_with_light(items.order_by("pk"), period, [light]) == sorted(
            pk for pk, p in fresh.items() if p.light == light
        )
    return read


@pytest.fixture
def warm(district):
    """The district with a few facts (reports, nodes, a plan curve) and March's rows kept."""
    d = district
    f.MilestoneFactory(work_item=d.item_b, name="主体封顶", planned_date=date(2024, 3, 20))
    f.ReportFactory(work_item=d.item_c, month=2, investment_month=Decimal(3000), state=S.ACCEPTED)
    f.ReportFactory(work_item=d.item_c, month=3, investment_month=Decimal(500))
    assert_read_as_fresh()
    progress_for_items(_items(), MARCH)
    assert live.last_recomputed == [0]  # kept
    return d


def _filled(d, item, amount: str = "1500", **kwargs) -> MonthlyReport:
    by = d.head_a if item.lead_unit_id in (d.unit_a.pk, d.unit_a1.pk) else d.head_b
    report = report_start(item=item, period=MARCH, by=by)
    return report_save(
        report=report,
        by=by,
        version=report.version,
        data={"investment_month": Decimal(amount), "progress_text": "主体结构施工"},
        **kwargs,
    )


def _recomputed_after_read() -> int:
    progress_for_items(_items(), MARCH)
    return live.last_recomputed[0]


def test_report_saved_submitted_returned_accepted_recompute_only_its_item(warm):
    d = warm
    report = _filled(d, d.item_a)
    assert _recomputed_after_read() == 1
    assert_read_as_fresh()
    report = report_submit(report=report, by=d.head_a, version=report.version)
    assert _recomputed_after_read() == 1
    read = assert_read_as_fresh()
    assert read[d.item_a.pk].report_counted
    report = report_return(report=report, by=d.office, reason="数据不符", version=report.version)
    assert_read_as_fresh()
    report = _filled(d, d.item_a, amount="9000")
    report = report_submit(report=report, by=d.head_a, version=report.version)
    report_accept(report=report, by=d.office, version=report.version)
    assert _recomputed_after_read() == 1
    read = assert_read_as_fresh()
    assert read[d.item_a.pk].figures.ytd_investment == Decimal(9000)


def test_one_report_submitted_costs_a_fixed_number_of_queries_and_one_item(warm):
    d = warm
    with CaptureQueriesContext(connection) as fresh_read:
        progress_for_items(_items(), MARCH)
    assert len(fresh_read) == PROGRESS_QUERIES
    report = _filled(d, d.item_b)
    report_submit(report=report, by=d.head_b, version=report.version)
    with CaptureQueriesContext(connection) as refresh:
        progress_for_items(_items(), MARCH)
    assert live.last_recomputed == [1]
    assert len(refresh) <= REFRESH_QUERIES, [q["sql"][:80] for q in refresh.captured_queries]
    with CaptureQueriesContext(connection) as again:
        progress_for_items(_items(), MARCH)
    assert len(again) == PROGRESS_QUERIES and live.last_recomputed == [0]


def test_indicator_value_recomputes_its_item(warm):
    d = warm
    indicator = d.task_a.indicators.get()
    head = f.UserFactory(username="head_a1", role=User.Role.UNIT_HEAD, unit=d.unit_a1)
    report = report_start(item=d.task_a, period=MARCH, by=head)
    report = report_save(
        report=report,
        by=head,
        version=report.version,
        data={"progress_text": "推进中"},
        indicator_values={indicator.pk: (Decimal(40), "")},
    )
    report_submit(report=report, by=head, version=report.version)
    assert _recomputed_after_read() == 1
    read = assert_read_as_fresh()
    assert read[d.task_a.pk].figures.ytd_investment == Decimal(0)


def test_node_dates_plan_curve_and_item_edits_recompute_their_item(warm, today):
    d = warm
    node = d.item_b.milestones.get()
    milestone_update(
        milestone=node, version=node.version, data={"planned_date": today - timedelta(days=20)}
    )
    assert _recomputed_after_read() == 1
    read = assert_read_as_fresh()
    assert read[d.item_b.pk].milestones_overdue == 1
    node.refresh_from_db()
    milestone_update(milestone=node, version=node.version, data={"actual_date": date(2024, 3, 2)})
    assert _recomputed_after_read() == 1
    assert_read_as_fresh()
    item = WorkItem.objects.get(pk=d.item_a.pk)
    curve = [Decimal(1000)] * 12
    work_item_set_plan_curve(item=item, amounts=curve, version=item.version, by=d.office)
    assert _recomputed_after_read() == 1
    assert_read_as_fresh()
    item = WorkItem.objects.get(pk=d.item_x.pk)
    work_item_update(item=item, version=item.version, data={"planned_finish": date(2024, 3, 1)})
    assert _recomputed_after_read() == 1
    read = assert_read_as_fresh()
    assert read[d.item_x.pk].light == "red"


def test_project_edit_recomputes_the_items_of_the_project(warm):
    d = warm
    project = d.item_a.project
    project_update(project=project, version=project.version, data={"total_investment": 10})
    assert _recomputed_after_read() == WorkItem.objects.filter(project=project).count()
    assert_read_as_fresh()


def test_ledger_import_recomputes_what_it_wrote(warm):
    for name in ["区教育局", "区工信局", "区商务局", "新华街道"]:
        f.UnitFactory(name=name)
    office = warm.office
    assert ledger_import(content=to_bytes(ledger_book()), file_name="台账.xlsx", by=office).applied
    assert_read_as_fresh()
    rows = [list(r) for r in ROWS]
    rows[0][6] = 9999
    changed = ledger_import(
        content=to_bytes(ledger_book(rows=rows)), file_name="台账.xlsx", by=office
    )
    assert changed.applied
    recomputed = _recomputed_after_read()
    assert 1 <= recomputed < _items().count()
    assert_read_as_fresh()


def test_month_closed_rules_due_day_and_new_day_drop_the_whole_month(warm, time_machine):
    d = warm
    everything = _items().count()
    month_close(period=FEB, by=d.office)
    assert _recomputed_after_read() == everything
    assert_read_as_fresh()
    LightRules.objects.create(behind_yellow_pp=1, behind_red_pp=2)
    assert _recomputed_after_read() == everything
    read = assert_read_as_fresh()
    assert {p.rules_version for p in read.values()} == {
        LightRules.objects.order_by("-pk").first().pk
    }
    conf = ReportingSettings.load()
    conf.due_day = 2
    conf.save()
    assert _recomputed_after_read() == everything
    assert_read_as_fresh()
    time_machine.move_to(clock.now() + timedelta(days=1), tick=False)
    assert _recomputed_after_read() == everything
    assert_read_as_fresh()
    assert LiveProgressState.objects.get(year=2024, month=3).today == date(2024, 4, 4)


def test_a_new_item_is_computed_when_first_asked_for(warm):
    item = f.WorkItemFactory(lead_unit=warm.unit_a, title="新增项目")
    read = assert_read_as_fresh()
    assert item.pk in read


def test_a_deleted_item_leaves_no_row(warm):
    warm.item_x.delete()
    assert_read_as_fresh()
    assert not LiveProgress.objects.filter(work_item_id=warm.item_x.pk).exists()


def test_two_processes_share_the_kept_rows(warm):
    d = warm
    report = _filled(d, d.item_a)
    report_submit(report=report, by=d.head_a, version=report.version)
    # one process refreshes
    first = progress_for_items(_items(), MARCH)
    assert live.last_recomputed == [1]
    # another, with nothing of the first in memory or in the cache, reads the same rows
    cache.clear()
    live.feeds.cache_clear()
    second = progress_for_items(_items(), MARCH)
    assert live.last_recomputed == [0]
    assert second == first
    assert LiveProgress.objects.filter(year=2024, month=3).count() == _items().count()


def test_a_subset_asked_for_computes_only_what_it_lacks(warm):
    d = warm
    LiveProgress.objects.all().delete()
    progress_for_items([d.item_a.pk, d.item_b.pk], MARCH)
    assert live.last_recomputed == [2]
    assert LiveProgress.objects.count() == 2
    assert_read_as_fresh()


def test_a_write_that_leaves_no_history_row_is_not_seen(warm):
    """The limit of the feed (and proof the comparison can fail): a raw UPDATE of a fact."""
    d = warm
    MonthlyReport.objects.filter(work_item=d.item_c, month=3).update(
        investment_month=Decimal(99999)
    )
    read = progress_for_items(_items(), MARCH)
    fresh = compute_progress(_items(), MARCH)
    assert read[d.item_c.pk] != fresh[d.item_c.pk]


def test_closed_month_still_reads_the_snapshot_and_its_kept_rows_go(warm):
    d = warm
    progress_for_items(_items(), FEB)
    assert LiveProgress.objects.filter(year=2024, month=2).exists()
    month_close(period=FEB, by=d.office)
    read = progress_for_items(_items(), FEB)
    assert read and all(p.frozen for p in read.values())
    # the next refresh of an open month drops what was kept for the month now closed
    progress_for_items(_items(), MARCH)
    assert not LiveProgress.objects.filter(year=2024, month=2).exists()
    assert not LiveProgressState.objects.filter(year=2024, month=2).exists()


@pytest.mark.parametrize(
    ("position", "seen", "snapshot", "expected"),
    [
        ([5, None], set(), (None, 0), [5, None]),
        ([5, None], {6, 7}, (100, 101), [7, None]),
        # a gap at 6 while others run: stop below it and remember who was running
        ([5, None], {7, 8}, (100, 104), [5, 104]),
        # those still running: wait
        ([5, 104], {7, 8}, (103, 106), [5, 104]),
        # all of them finished and 6 never came: rolled back
        ([5, 104], {7, 8}, (104, 106), [8, None]),
        ([5, 104], {7, 8}, (None, 106), [8, None]),
        # a gap with nobody else running: nobody can fill it
        ([5, None], {7, 8}, (None, 104), [8, None]),
        # it came
        ([5, 104], {6, 7, 8}, (103, 106), [8, None]),
    ],
)
def test_postgres_feed_waits_for_transactions_still_running(position, seen, snapshot, expected):
    assert live._advance(position, seen, True, snapshot) == expected
    assert live._advance(position, seen, False, snapshot)[0] == max(seen or {position[0]})

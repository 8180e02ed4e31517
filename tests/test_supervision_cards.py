"""三色亮牌 at the close: each rule and its explanation, the override audit, publication and
its refusals, the ladder over three consecutive months, flag suggestion and delisting."""

from __future__ import annotations

import importlib
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.problems.models import Problem
from duban.reporting.models import MonthlyReport
from duban.reporting.services import month_close
from duban.supervision.models import Card, CardRules, Colour, Flag, Interview
from duban.supervision.selectors import card_counts, card_explanation, card_list, unit_year_cards
from duban.supervision.services.cards import card_override, cards_publish, colour_of
from duban.supervision.services.flags import (
    flag_confirm,
    flag_delist,
    flag_dismiss,
    flag_request_delist,
    flags_mark_missed,
)
from tests import factories as f
from tests.problem_factories import ProblemFactory
from tests.supervision_fixtures import issued_prompt

JAN, FEB, MAR = Period(2024, 1), Period(2024, 2), Period(2024, 3)
R = CardRules(several_red=2, red_item_months=2)


@pytest.mark.parametrize(
    ("facts", "colour"),
    [
        ({}, Colour.GREEN),
        ({"red_items": [1]}, Colour.YELLOW),
        ({"late_reports": [1]}, Colour.YELLOW),
        ({"late_replies": [1]}, Colour.YELLOW),
        ({"overdue_problems": [1]}, Colour.YELLOW),
        ({"red_items": [1, 2]}, Colour.RED),
        ({"red_items": [1], "red_running": [1]}, Colour.RED),
        ({"missed_flags": [1]}, Colour.RED),
    ],
)
def test_each_card_rule(facts, colour):
    assert colour_of(facts, R) == colour


def _on_time_reports(item, months):
    on_time = datetime(2024, 1, 31, 9, tzinfo=UTC)
    for m in months:
        f.ReportFactory(
            work_item=item,
            month=m,
            investment_month=Decimal(1000 * m),
            state=MonthlyReport.State.ACCEPTED,
            submitted_at=on_time,
            first_submitted_at=on_time,
        )


@pytest.fixture
def three_months(district):
    """A: item_a reported on time, task_a (A1) never; B: two items overdue since 2023."""
    d = district
    # The rules as DOMAIN.md words them (the defaults are calibrated on the demo year).
    CardRules.objects.create(several_red=2, red_item_months=2, note="DOMAIN")
    _on_time_reports(d.item_a, [1, 2, 3])
    for item in (d.item_b, d.item_x):
        item.planned_finish = date(2023, 12, 31)
        item.save()
    for period in (JAN, FEB, MAR):
        month_close(period=period, by=d.office)
    return d


def _card(unit, period):
    return Card.objects.get(unit=unit, year=period.year, month=period.month)


def test_close_computes_a_card_for_every_assessed_unit(three_months):
    d = three_months
    assert Card.objects.filter(year=2024, month=1).count() == 3  # A, A1, B; not the office
    jan_b = _card(d.unit_b, JAN)
    assert jan_b.colour == Colour.RED
    assert sorted(jan_b.facts["red_items"]) == sorted([d.item_b.pk, d.item_x.pk])
    assert jan_b.rules == CardRules.objects.get()
    assert _card(d.unit_a1, JAN).colour == Colour.YELLOW  # task_a never reported
    assert _card(d.unit_a1, JAN).facts["late_reports"] == [d.task_a.pk]


def test_explanation_reads_line_by_line_with_links(three_months):
    d = three_months
    feb_b = _card(d.unit_b, FEB)
    lines = card_explanation(feb_b)
    texts = [line.text for line in lines]
    assert texts[0] == "有2个红灯事项（达到2个亮红牌）"
    assert texts[1] == "有2个事项连续红灯"
    assert {label for label, _url in lines[0].links} == {"住建项目乙", "住建项目丁"}
    assert lines[0].links[0][1].startswith("/ledger/")
    a1 = card_explanation(_card(d.unit_a1, FEB))
    assert [line.text for line in a1] == ["有1个事项月报逾期或未报"]


def test_green_card_explains_itself(three_months):
    d = three_months
    card = _card(d.unit_a, JAN)
    assert card.colour == Colour.GREEN, card.facts
    assert card_explanation(card)[0].colour == Colour.GREEN


def test_late_reply_makes_a_card_yellow(district):
    d = district
    _on_time_reports(d.item_a, [1])
    p = issued_prompt(d.unit_a, items=[d.item_a], reply_due=date(2024, 1, 20))
    p.reply_late = True
    p.save()
    month_close(period=JAN, by=d.office)
    card = _card(d.unit_a, JAN)
    assert card.colour == Colour.YELLOW
    assert card.facts["late_replies"] == [p.pk]


def test_ladder_over_three_consecutive_months(three_months):
    d = three_months
    levels = {(iv.unit_id, iv.month): iv.level for iv in Interview.objects.filter(year=2024)}
    lv = Interview.Level
    assert levels[(d.unit_b.pk, 1)] == lv.LEADER_IN_CHARGE
    assert levels[(d.unit_b.pk, 2)] == lv.LEADER_IN_CHARGE
    assert levels[(d.unit_b.pk, 3)] == lv.PANEL
    assert levels[(d.unit_a1.pk, 1)] == lv.ITEM_PERSON
    assert levels[(d.unit_a1.pk, 2)] == lv.LEADER_HEAD
    assert (d.unit_a.pk, 1) not in levels
    suggested = Flag.objects.filter(state=Flag.State.SUGGESTED)
    assert suggested.filter(target="unit", unit=d.unit_b).count() == 1
    assert set(suggested.filter(target="item").values_list("work_item_id", flat=True)) == {
        d.item_b.pk,
        d.item_x.pk,
    }


def test_the_ladder_says_why_in_the_readers_language(three_months):
    # The reasons are kept as a code and the card's month, so an English page says them in
    # English; in Chinese they read as written at the close.
    d = three_months
    panel = Interview.objects.get(unit=d.unit_b, year=2024, month=3)
    flag = Flag.objects.get(state=Flag.State.SUGGESTED, target="unit", unit=d.unit_b)
    item_flag = Flag.objects.get(state=Flag.State.SUGGESTED, target="item", work_item=d.item_b)
    with translation.override("zh-hans"):
        assert panel.because_shown == panel.because == "2024年3月连续三个月红牌"
        assert flag.suggested_because_shown == flag.suggested_because == "2024年3月连续三个月红牌"
        assert item_flag.suggested_because_shown == item_flag.suggested_because
        assert item_flag.suggested_because_shown.endswith("事项连续红灯")
    with translation.override("en"):
        for text in (
            panel.because_shown,
            flag.suggested_because_shown,
            item_flag.suggested_because_shown,
        ):
            assert text and not re.search(r"[\u4e00-\u9fff]", text), text
        assert "2024" in panel.because_shown


def test_flags_suggested_before_the_code_was_kept_get_it_from_their_text(district):
    # The migration reads the code and the month back from the Chinese text the ladder wrote;
    # a text in another form stays as written.
    d = district
    written = {
        "2024年3月连续三个月红牌": ("red_three", 2024, 3),
        "2023年12月事项连续红灯": ("red_running", 2023, 12),
        "问题升至四级调度仍逾期": ("top_overdue", None, None),
        "办公室手写的理由": ("", None, None),
    }
    flags = {
        text: Flag.objects.create(
            target="unit", unit=d.unit_a, state=Flag.State.DISMISSED, suggested_because=text
        )
        for text in written
    }
    migration = importlib.import_module("duban.supervision.migrations.0005_flag_suggested_why")
    migration.why_from_text(django_apps, None)
    for text, expected in written.items():
        flag = Flag.objects.get(pk=flags[text].pk)
        assert (flag.suggested_why, flag.suggested_year, flag.suggested_month) == expected
        with translation.override("zh-hans"):
            assert flag.suggested_because_shown == text


def _overdue_at_the_top(d, unit):
    return ProblemFactory(
        work_item=d.item_b,
        reported_by=d.reporter_b,
        reporting_unit=d.unit_b,
        state=Problem.State.ASSIGNED,
        lead_unit=unit,
        level=4,
        due_date=date(2024, 1, 10),
        original_due_date=date(2024, 1, 10),
    )


def _close_counting_supervision(period, by):
    """Close the month; the statements it sends to supervision's tables (cards, the
    ladder's interviews and flags, their history)."""
    with CaptureQueriesContext(connection) as ctx:
        month_close(period=period, by=by)
    return sum('"supervision_' in q["sql"] for q in ctx.captured_queries)


def test_the_close_proposes_for_every_unit_in_a_fixed_number_of_queries(district):
    # February: the district's three units (B red with two items red running, a problem
    # newly overdue at the top level). March: six more units, each red with two red items and
    # a problem of its own overdue at the top; B's third red. The same number of statements.
    d = district
    CardRules.objects.create(several_red=2, red_item_months=2, note="DOMAIN")
    for item in (d.item_b, d.item_x):
        item.planned_finish = date(2023, 12, 31)
        item.save()
    month_close(period=JAN, by=d.office)
    _overdue_at_the_top(d, d.unit_b)
    small = _close_counting_supervision(FEB, d.office)
    feb = (Interview.objects.filter(month=2).count(), Flag.objects.count())
    for n in range(6):
        unit = f.UnitFactory(code=f"more{n}", name=f"新增单位{n}", sort_order=10 + n)
        for k in range(2):
            f.WorkItemFactory(
                lead_unit=unit, title=f"逾期项目{n}-{k}", planned_finish=date(2023, 12, 31)
            )
        _overdue_at_the_top(d, unit)
    large = _close_counting_supervision(MAR, d.office)
    mar = Interview.objects.filter(month=3)
    assert mar.count() == 6 + 1 > feb[0]  # A1's March report is not due yet: green
    assert mar.get(unit=d.unit_b).level == Interview.Level.PANEL
    new_flags = Flag.objects.count() - feb[1]
    assert new_flags == 6 + 1  # the six problems and B's third red; B's items already live
    # Each flag and interview recorded as made by the office that closed the month.
    for model in (Flag, Interview):
        history = model.history.filter(history_type="+")
        assert history.count() == model.objects.count()
        assert set(history.values_list("history_user", flat=True)) == {d.office.pk}
    assert large == small


def test_override_keeps_the_computed_colour_and_is_audited(three_months):
    d = three_months
    card = _card(d.unit_a1, FEB)
    with pytest.raises(ApplicationError, match="理由"):
        card_override(card=card, colour=Colour.GREEN, reason="  ", by=d.office, version=1)
    card.refresh_from_db()
    assert card.colour == Colour.YELLOW and card.history.count() == 1
    card = card_override(
        card=card, colour=Colour.GREEN, reason="任务按季度报送", by=d.office, version=1
    )
    assert (card.computed, card.colour) == (Colour.YELLOW, Colour.GREEN)
    # the clock is frozen in tests: equal history dates, so the newest is the highest id
    latest = card.history.order_by("-history_id").first()
    assert latest.history_user == d.office and latest.override_reason == "任务按季度报送"
    assert card_explanation(card)[-1].text == "推进办将黄牌调整为绿牌：任务按季度报送"
    # The ladder follows the override: no interview for a green card.
    assert not Interview.objects.filter(unit=d.unit_a1, year=2024, month=2).exists()


def test_publish_refusals_and_visibility(three_months):
    d = three_months
    with pytest.raises(ApplicationError, match="尚未关账"):
        cards_publish(period=Period(2024, 4), by=d.office)
    assert card_list(user=d.head_a, year=2024).count() == 0
    assert cards_publish(period=MAR, by=d.office) == 3
    with pytest.raises(ApplicationError, match="已公布"):
        cards_publish(period=MAR, by=d.office)
    with pytest.raises(ApplicationError, match="已公布"):
        card_override(card=_card(d.unit_a, MAR), colour="red", reason="x", by=d.office, version=1)
    # head_a sees A and A1 (below it), never B; leader sees A (and A1) only.
    assert {c.unit_id for c in card_list(user=d.head_a)} == {d.unit_a.pk, d.unit_a1.pk}
    assert {c.unit_id for c in card_list(user=d.reporter_b)} == {d.unit_b.pk}
    # March reports are not due before 5 April: A1 is green in March.
    counts = card_counts(user=d.office, year=2024)
    assert (counts.green, counts.yellow, counts.red) == (4, 2, 3)
    march = card_counts(user=d.office, year=2024, month=3)
    assert (march.green, march.yellow, march.red) == (2, 0, 1)
    row = unit_year_cards(user=d.office, unit=d.unit_b, year=2024)
    assert [c.colour if c else None for c in row[:4]] == ["red", "red", "red", None]


def test_flag_confirm_delist_and_refusals(three_months):
    d = three_months
    flag = Flag.objects.get(target="unit", unit=d.unit_b)
    deadline = clock.today() + timedelta(days=30)
    terms = {
        "reason": "连续三个月红牌",
        "actions": "制定整改方案",
        "deadline": deadline,
        "criteria": "连续两个月无红灯",
    }
    with pytest.raises(ApplicationError, match="区领导"):
        flag_confirm(flag=flag, flagged_by=d.office, version=flag.version, **terms)
    with pytest.raises(ApplicationError, match="摘牌标准"):
        flag_confirm(
            flag=flag, flagged_by=d.leader, version=flag.version, **{**terms, "criteria": ""}
        )
    flag.refresh_from_db()
    assert flag.state == Flag.State.SUGGESTED and flag.deadline is None
    flag = flag_confirm(flag=flag, flagged_by=d.leader, version=flag.version, **terms)
    assert flag.state == Flag.State.OPEN and flag.flagged_on == clock.today()
    with pytest.raises(ApplicationError, match="佐证"):
        flag_request_delist(flag=flag, by=d.head_b, evidence="", version=flag.version)
    flag.refresh_from_db()
    assert flag.state == Flag.State.OPEN
    with pytest.raises(ApplicationError, match="已申请摘牌"):
        flag_delist(flag=flag, by=d.office, approve=True, version=flag.version)
    flag = flag_request_delist(
        flag=flag, by=d.head_b, evidence="两个月无红灯", version=flag.version
    )
    flag = flag_delist(flag=flag, by=d.office, approve=True, version=flag.version)
    assert flag.state == Flag.State.DELISTED and flag.delisted_on == clock.today()
    item_flag = Flag.objects.filter(target="item").first()
    with pytest.raises(ApplicationError, match="理由"):
        flag_dismiss(flag=item_flag, reason="", version=item_flag.version)
    assert (
        flag_dismiss(flag=item_flag, reason="已完工", version=item_flag.version).state
        == "dismissed"
    )


def test_a_flag_past_its_deadline_counts_red(district, time_machine):
    d = district
    _on_time_reports(d.item_a, [1, 2])
    flag = Flag.objects.create(
        target="unit", unit=d.unit_a, state=Flag.State.SUGGESTED, suggested_because="测试"
    )
    flag_confirm(
        flag=flag,
        reason="r",
        actions="a",
        deadline=date(2024, 4, 20),
        criteria="c",
        flagged_by=d.leader,
        version=flag.version,
    )
    assert flags_mark_missed(on=date(2024, 4, 21)) == 1
    time_machine.move_to("2024-05-03 10:00:00+08:00", tick=False)
    f.ReportFactory(
        work_item=d.item_a,
        month=4,
        investment_month=Decimal(9000),
        state=MonthlyReport.State.ACCEPTED,
        submitted_at=datetime(2024, 4, 30, tzinfo=UTC),
        first_submitted_at=datetime(2024, 4, 30, tzinfo=UTC),
    )
    _on_time_reports(d.item_a, [3])
    month_close(period=Period(2024, 4), by=d.office)
    card = _card(d.unit_a, Period(2024, 4))
    assert card.colour == Colour.RED and card.facts["missed_flags"] == [flag.pk]

"""The progress core's lights: every rule at and on both sides of its boundary, with and without
a plan curve, for projects and tasks; the reasons as a leader reads them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from duban.core.periods import Period
from duban.reporting.progress import (
    IndicatorFact,
    ItemFacts,
    Light,
    MilestoneFact,
    ReportStatus,
    Rules,
    item_progress,
    reference_day,
    report_status,
    rules_problems,
)

JUNE = Period(2024, 6)
RULES = Rules(version=7)


def project(**kw) -> ItemFacts:
    base: dict = {
        "pk": 1,
        "year": 2024,
        "is_project": True,
        "done": False,
        "annual_plan": Decimal(1200),
        "prior_cumulative": Decimal(0),
        "monthly": {},
        "total_investment": Decimal(10000),
    }
    base.update(kw)
    return ItemFacts(**base)


def task(**kw) -> ItemFacts:
    base: dict = {
        "pk": 2,
        "year": 2024,
        "is_project": False,
        "done": False,
        "annual_plan": None,
        "prior_cumulative": Decimal(0),
        "monthly": {},
    }
    base.update(kw)
    return ItemFacts(**base)


def light_of(facts: ItemFacts, *, period=JUNE, today=date(2024, 7, 3), rules=RULES):
    return item_progress(facts, period=period, today=today, due=date(2024, 7, 5), rules=rules)


def behind_by(points: Decimal) -> ItemFacts:
    """A project whose June completion is 50% − `points` (序时 6/12 = 50%)."""
    ytd = (Decimal(50) - points) * Decimal(1200) / 100
    return project(monthly={6: ytd})


@pytest.mark.parametrize(
    ("points", "light"),
    [
        (Decimal("9.99"), Light.GREEN),
        (Decimal(10), Light.YELLOW),
        (Decimal("10.01"), Light.YELLOW),
        (Decimal("29.99"), Light.YELLOW),
        (Decimal(30), Light.YELLOW),
        (Decimal("30.01"), Light.RED),
    ],
)
def test_behind_time_progress_boundaries(points, light):
    p = light_of(behind_by(points))
    assert p.light == light
    if light != Light.GREEN:
        assert p.reasons[0].code == "behind"


def test_behind_reason_reads_as_a_leader_writes_it():
    p = light_of(behind_by(Decimal("12.3")))
    assert p.reason_texts == ["低于序时进度12.3个百分点"]
    assert p.rules_version == 7


def test_plan_curve_replaces_the_straight_line():
    # given: nothing planned until April; by June 20% of the year is planned
    curve = {4: Decimal(80), 5: Decimal(80), 6: Decimal(80), 7: Decimal(960)}
    on_curve = project(monthly={6: Decimal(240)}, plan_curve=curve)
    # when / then: 240/1200 = 20% is on the curve (green), though 30 points behind m/12
    assert light_of(on_curve).light == Light.GREEN
    assert light_of(project(monthly={6: Decimal(240)})).light == Light.YELLOW
    # 11 points behind the curve (9% of 20%) is yellow
    assert light_of(project(monthly={6: Decimal(108)}, plan_curve=curve)).light == Light.YELLOW


@pytest.mark.parametrize(
    ("planned", "light"),
    [
        (date(2024, 7, 1), None),  # planned next month: nothing yet
        (date(2024, 6, 20), Light.YELLOW),  # this month, not started
        (date(2024, 4, 10), Light.YELLOW),  # two months after
        (date(2024, 3, 10), Light.RED),  # the third month after
    ],
)
def test_not_started_boundaries(planned, light):
    p = light_of(project(monthly={6: Decimal(600)}, planned_start=planned))
    codes = {r.code: r.light for r in p.reasons}
    assert codes.get("not_started") == light


def test_not_started_reason_names_the_planned_month():
    p = light_of(project(monthly={6: Decimal(600)}, planned_start=date(2024, 4, 1)))
    assert "计划2024年4月开工，至6月底未开工" in p.reason_texts


def test_a_project_started_in_an_earlier_year_is_started():
    p = light_of(
        project(monthly={6: Decimal(600)}, planned_start=date(2023, 3, 1), started_earlier=True)
    )
    assert p.light == Light.GREEN
    assert p.start == "started"


@pytest.mark.parametrize(
    ("started", "light"),
    [
        (date(2024, 6, 2), None),  # started this month
        (date(2024, 5, 28), Light.YELLOW),  # one month after the start
        (date(2024, 4, 30), Light.RED),  # two months after
    ],
)
def test_not_in_statistics_boundaries(started, light):
    p = light_of(project(monthly={6: Decimal(600)}, actual_start=started))
    assert {r.code: r.light for r in p.reasons}.get("not_in_statistics") == light


def test_small_projects_need_no_statistics():
    facts = project(
        monthly={6: Decimal(600)}, actual_start=date(2024, 1, 5), total_investment=Decimal(499)
    )
    assert light_of(facts).light == Light.GREEN


@pytest.mark.parametrize(
    ("days_left", "light"),
    [(4, None), (3, Light.YELLOW), (0, Light.YELLOW), (-1, Light.RED)],
)
def test_due_and_overdue_boundaries(days_left, light):
    today = date(2024, 7, 3)
    finish = date.fromordinal(today.toordinal() + days_left)
    facts = project(monthly={6: Decimal(600), 7: Decimal(100)}, planned_finish=finish)
    p = light_of(facts, period=Period(2024, 7), today=today)
    got = {r.code: r.light for r in p.reasons}
    assert got.get("overdue", got.get("due_soon")) == light


def test_finish_and_indicator_deadline_after_the_period_end_are_at_most_due_soon():
    # given: an item to finish on 5 July and a task's indicator due on 5 July, neither known
    # met when June is judged on its close day (16 July)
    finish = project(monthly={6: Decimal(600)}, planned_finish=date(2024, 7, 5))
    p = light_of(finish, today=date(2024, 7, 16))
    # then: due soon for June, with the sentence saying July's report will tell
    assert p.light == Light.YELLOW
    assert p.reason_texts == ["计划2024年7月5日完成，本期之后到期（待下期月报反映）"]
    # while July, whose report tells it, judges it overdue
    assert light_of(finish, period=Period(2024, 7), today=date(2024, 8, 16)).light == Light.RED
    ind = IndicatorFact("签约项目", Decimal(10), date(2024, 7, 5), Decimal(0), Decimal(9))
    t = task(indicators=[ind])
    p = light_of(t, today=date(2024, 7, 16))
    assert [(r.code, r.light) for r in p.reasons] == [("indicator_due_soon", Light.YELLOW)]
    assert p.reason_texts[0].endswith("本期之后到期（待下期月报反映）")
    july = light_of(t, period=Period(2024, 7), today=date(2024, 8, 16))
    assert [(r.code, r.light) for r in july.reasons] == [("indicator_overdue", Light.RED)]


def test_overdue_milestone_reason_counts_days():
    facts = project(
        monthly={6: Decimal(600)},
        milestones=[MilestoneFact("施工许可", date(2024, 5, 10), None)],
    )
    p = light_of(facts, period=Period(2024, 5), today=date(2024, 5, 31))
    assert p.light == Light.RED
    assert "节点‘施工许可’计划2024年5月10日，已逾期21天" in p.reason_texts
    assert p.milestones_overdue == 1


def test_node_due_after_the_period_end_is_at_most_due_soon_for_that_period():
    # given: a node due on 5 July, not known reached when June is judged on its close day
    node = MilestoneFact("主体封顶", date(2024, 7, 5), None)
    facts = project(monthly={6: Decimal(600)}, milestones=[node])
    # when: June is judged on the close (16 July) and after its reference day (31 July)
    for today in (date(2024, 7, 16), date(2024, 9, 1)):
        p = light_of(facts, today=today)
        # then: due soon for June (due after its end, July's report will tell), not overdue
        assert p.light == Light.YELLOW, today
        assert (p.milestones_overdue, p.milestones_due) == (0, 1)
        assert p.reason_texts == ["节点‘主体封顶’计划2024年7月5日，本期之后到期（待下期月报反映）"]
    # and July itself, whose report tells the node, judges it overdue
    p = light_of(facts, period=Period(2024, 7), today=date(2024, 8, 16))
    assert p.light == Light.RED and p.milestones_overdue == 1
    # and reached on time (reported in July), June shows no node reason at all
    reached = project(
        monthly={6: Decimal(600)},
        milestones=[MilestoneFact("主体封顶", date(2024, 7, 5), date(2024, 7, 5))],
    )
    assert light_of(reached, today=date(2024, 7, 16)).light == Light.GREEN
    # while a node due on June's last day is overdue for June
    late = project(
        monthly={6: Decimal(600)}, milestones=[MilestoneFact("主体封顶", JUNE.last_day, None)]
    )
    assert light_of(late, today=date(2024, 7, 16)).light == Light.RED


def test_done_is_green_whatever_else():
    facts = project(planned_finish=date(2024, 1, 1), done=True)
    p = light_of(facts)
    assert p.light == Light.GREEN and p.reason_texts == ["已完成"]


def test_task_lights_from_indicators():
    start = date(2024, 1, 1)
    deadline = date(2024, 12, 31)
    # on 2024-07-03 about 50.4% of the window has passed
    on_track = task(
        indicators=[IndicatorFact("新增企业", Decimal(100), deadline, None, Decimal(48))]
    )
    behind = task(indicators=[IndicatorFact("新增企业", Decimal(100), deadline, None, Decimal(30))])
    far = task(indicators=[IndicatorFact("新增企业", Decimal(100), deadline, None, Decimal(10))])
    met = task(
        indicators=[IndicatorFact("新增企业", Decimal(100), date(2024, 5, 1), None, Decimal(100))]
    )
    overdue = task(
        indicators=[IndicatorFact("新增企业", Decimal(100), date(2024, 6, 1), None, Decimal(90))]
    )
    assert light_of(on_track, today=date(2024, 7, 3)).light == Light.GREEN
    assert light_of(behind).light == Light.YELLOW
    assert light_of(far).light == Light.RED
    assert light_of(met).light == Light.GREEN
    p = light_of(overdue)
    assert p.light == Light.RED and p.reasons[0].code == "indicator_overdue"
    assert start < deadline


def test_task_lights_from_milestones():
    facts = task(milestones=[MilestoneFact("出台方案", date(2024, 7, 5), None)])
    p = light_of(facts, today=date(2024, 7, 3))
    assert p.light == Light.YELLOW and p.milestones_due == 1


def test_report_status_on_the_due_day_and_after():
    due = date(2024, 4, 5)
    assert report_status(first_submitted_on=due, due=due, today=due) == ReportStatus.ON_TIME
    late = date(2024, 4, 6)
    assert report_status(first_submitted_on=late, due=due, today=late) == ReportStatus.LATE
    assert report_status(first_submitted_on=None, due=due, today=due) == ReportStatus.NOT_DUE
    assert report_status(first_submitted_on=None, due=due, today=late) == ReportStatus.MISSING


def test_reference_day_is_today_while_the_month_is_reported_then_fixed():
    assert reference_day(JUNE, date(2024, 7, 3)) == date(2024, 7, 3)
    assert reference_day(JUNE, date(2024, 9, 1)) == date(2024, 7, 31)


def test_rules_that_contradict_are_refused():
    bad = Rules(behind_yellow_pp=Decimal(40), behind_red_pp=Decimal(30))
    assert any("不能高于红灯" in p for p in rules_problems(bad))
    assert rules_problems(Rules()) == []


def test_thresholds_come_from_the_rule_set():
    strict = Rules(version=9, behind_yellow_pp=Decimal(5), behind_red_pp=Decimal(8))
    p = light_of(behind_by(Decimal(9)), rules=strict)
    assert p.light == Light.RED and p.rules_version == 9


def test_start_and_statistics_nodes_are_judged_by_their_own_rules():
    # given: the 开工 node is a month overdue, but the start rule says yellow (planned this month)
    facts = project(
        monthly={6: Decimal(600)},
        planned_start=date(2024, 6, 30),
        milestones=[
            MilestoneFact("开工", date(2024, 6, 30), None),
            MilestoneFact("施工许可", date(2024, 9, 1), None),
        ],
    )
    p = light_of(facts, today=date(2024, 7, 30))
    assert p.light == Light.YELLOW
    assert [r.code for r in p.reasons] == ["not_started"]


def test_an_indicators_target_is_written_as_people_write_it():
    # given: a target of 60 and 1,400, which Decimal.normalize() wrote as 6E+1 and 1.4E+3 in
    # the 通报's red items ("目标6E+1")
    for target, value, written in (
        (Decimal(60), Decimal("44.50"), "目标60，完成44.5"),
        (Decimal(1400), Decimal(900), "目标1,400，完成900"),
    ):
        ind = IndicatorFact("整治小巷", target, date(2024, 7, 5), Decimal(0), value)
        july = light_of(task(indicators=[ind]), period=Period(2024, 7), today=date(2024, 8, 16))
        assert written in july.reason_texts[0]
    # and a reason kept before the fix (its target stored as "6E+1") reads the same
    from duban.reporting.progress import Reason, reason_text

    kept = Reason(
        "indicator_overdue",
        Light.RED,
        {"name": "整治小巷", "date": "2024-07-05", "target": "6E+1", "value": "—", "days": 3},
    )
    assert "目标60，完成—" in reason_text(kept)

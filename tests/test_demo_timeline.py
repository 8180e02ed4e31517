"""The demo's node plans keep the template's order from the start on, whatever day of the month
the start falls on (nodes are planned on a month's 20th)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from duban.demo.reports import stage_text
from duban.demo.timeline import BUILD_FRACTIONS, FINISH_NODES, START_NODE, ItemTimeline, node_plan

NAMES = ["项目赋码", "施工许可", START_NODE, "入统", *BUILD_FRACTIONS, *FINISH_NODES]
AFTER_START = [START_NODE, *BUILD_FRACTIONS, *FINISH_NODES]


@pytest.mark.parametrize("start_day", [1, 19, 20, 21, 25, 28, 31])
@pytest.mark.parametrize("months", [1, 2, 3, 14])
def test_nodes_after_the_start_never_come_before_it(start_day, months):
    start = date(2024, 5, start_day)
    timeline = ItemTimeline(
        coded_on=date(2023, 11, 2),
        planned_start=start,
        planned_finish=start + timedelta(days=30 * months),
        delay_days=9,
    )

    plan = node_plan(NAMES, timeline)

    days = [plan[name] for name in AFTER_START]
    assert days == sorted(days), dict(zip(AFTER_START, days, strict=True))
    assert plan[START_NODE] == start
    assert all(plan[name].day == 20 for name in AFTER_START[1:])
    # Actual dates keep the order: every node slips by the same delay.
    actual = [timeline.actual(day) for day in days]
    assert actual == sorted(actual)


def test_a_short_project_is_accepted_after_its_equipment_is_installed():
    # Building nodes are spread over at least 60 days, so a project planned to finish a month
    # after its start had 竣工验收 (20 June) before 设备安装 (20 July).
    timeline = ItemTimeline(date(2023, 11, 2), date(2024, 5, 28), date(2024, 6, 27), 0)

    plan = node_plan(NAMES, timeline)

    assert plan["设备安装"] == date(2024, 7, 20)
    assert plan["竣工验收"] == date(2024, 7, 20)
    assert plan["投产/投用"] == date(2024, 7, 20)


@pytest.mark.parametrize(
    ("done", "text"),
    [
        (0.02, "正在进行基础施工，完成桩基10%"),
        (0.1, "正在进行基础施工，完成桩基50%"),
        (0.35, "主体结构施工中，完成主体工程量50%"),
        (0.74, "二次结构及机电安装同步推进，完成工程量74%"),
        (0.9, "设备安装调试中，累计完成工程量90%"),
        (1.0, "主体及配套工程已完工，正在开展竣工验收及资料归档"),
    ],
)
def test_the_demo_describes_a_project_by_the_stage_it_has_reached(done, text):
    assert stage_text(done) == text

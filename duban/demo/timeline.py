"""Dates and amounts of the demo: node plans, delays, plan curves, monthly figures.

Everything here is pure (a seeded `random.Random` in, values out), so the demo is the same
on every run with the same seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from duban.core.periods import Period
from duban.demo.catalogue import SEASON_WEIGHTS

# The default template's nodes (migration 0003), by role in the timeline.
START_NODE = "开工"
STATS_NODE = "入统"
BUILD_FRACTIONS = {"基础完工": 0.2, "主体封顶": 0.5, "设备安装": 0.75}
FINISH_NODES = {"竣工验收": -10, "竣工备案": 0, "投产/投用": 30}
PARALLEL_GROUP = ("环评", "水保", "节能")

ONE_DECIMAL = Decimal("0.1")
NODE_DAY = 20


@dataclass(frozen=True)
class ItemTimeline:
    coded_on: date
    planned_start: date
    planned_finish: date
    delay_days: int  # how late (negative: early) this item hits its nodes

    def actual(self, planned: date) -> date:
        return planned + timedelta(days=self.delay_days)

    @property
    def actual_start(self) -> date:
        return self.actual(self.planned_start)


def delay_for(outcome: str, rng: random.Random) -> int:
    """Days late (negative: early) by the item's fate in the demo story."""
    if outcome == "ahead":
        return -rng.randint(8, 25)  # 开工时间平均提前17天
    if outcome == "behind":
        return rng.randint(8, 20)
    if outcome == "finish_late":
        return rng.randint(30, 50)
    if outcome == "overrun":
        # Late enough that it cannot finish in its year, while each node slips a month or two
        # (a node three months late every month would keep its unit red all year).
        return rng.randint(40, 55)
    if outcome == "not_started":
        return rng.randint(280, 330)
    return rng.randint(-6, 8)


def node_plan(names: Sequence[str], tl: ItemTimeline) -> dict[str, date]:
    """A planned date for every node name of the default template."""
    pre = [n for n in names if n not in BUILD_FRACTIONS and n not in FINISH_NODES]
    pre = pre[: pre.index(START_NODE)] if START_NODE in pre else pre
    steps: list[list[str]] = []
    for name in pre:
        if name in PARALLEL_GROUP and steps and steps[-1][0] in PARALLEL_GROUP:
            steps[-1].append(name)
        else:
            steps.append([name])
    plan: dict[str, date] = {}
    span = max((tl.planned_start - timedelta(days=10) - tl.coded_on).days, len(steps))
    for i, group in enumerate(steps):
        day = tl.coded_on + timedelta(days=round(span * i / max(len(steps) - 1, 1)))
        for name in group:
            plan[name] = day
    duration = max((tl.planned_finish - tl.planned_start).days, 60)
    plan[START_NODE] = tl.planned_start
    plan[STATS_NODE] = tl.planned_start + timedelta(days=30)
    for name, fraction in BUILD_FRACTIONS.items():
        plan[name] = tl.planned_start + timedelta(days=round(duration * fraction))
    for name, offset in FINISH_NODES.items():
        plan[name] = tl.planned_finish + timedelta(days=offset)
    # Offices plan nodes by month ("6月底前取得施工许可"): on the month's NODE_DAY, after the
    # close of the month before (the 16th) and early enough that a node reached a few days
    # late is still reported in its own month. The start and 入统 nodes keep the item's dates.
    plan = {
        n: d if n in (START_NODE, STATS_NODE) else d.replace(day=NODE_DAY) for n, d in plan.items()
    }
    # Moved to the 20th, a node can land before the one it follows (基础完工 planned three
    # weeks after a start on the 25th): it then moves to the next month's 20th.
    previous = plan[START_NODE]
    for name in (*BUILD_FRACTIONS, *FINISH_NODES):
        while plan[name] < previous:
            plan[name] = _next_node_day(plan[name])
        previous = plan[name]
    return {n: plan[n] for n in names if n in plan}


def _next_node_day(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=NODE_DAY)


def split_by_weights(total: Decimal, weights: Sequence[int]) -> list[Decimal]:
    """`total` split over 12 months by `weights`, in 万元 to one decimal, summing exactly."""
    weight_sum = sum(weights)
    parts = [
        (total * w / weight_sum).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP) for w in weights
    ]
    # Put the rounding remainder on the heaviest month so the curve adds up to the plan.
    heaviest = max(range(len(weights)), key=lambda i: weights[i])
    parts[heaviest] += total - sum(parts, Decimal(0))
    return parts


def season_curve(annual_plan: Decimal) -> list[Decimal]:
    return split_by_weights(annual_plan, SEASON_WEIGHTS)


# Spending weights of an item without a curve: winter is slow everywhere in the north.
FLAT_SPEND = (3, 3, 5, 8, 10, 11, 11, 11, 11, 10, 9, 8)


def monthly_investment(
    *,
    annual_plan: Decimal,
    month: int,
    perf: float,
    seasonal: bool,
    started: bool,
    rng: random.Random,
) -> Decimal:
    """What the item completed in `month` (万元): the plan's share times performance and noise."""
    weights = SEASON_WEIGHTS if seasonal else FLAT_SPEND
    share = annual_plan * Decimal(weights[month - 1]) / Decimal(sum(weights))
    factor = perf * rng.uniform(0.85, 1.15)
    if not started:
        factor *= 0.15  # design, land and preparation before the start
    return (share * Decimal(str(round(factor, 4)))).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def start_curve(annual_plan: Decimal, start_month: int) -> list[Decimal]:
    """A plan curve for an item starting in `start_month`: a little preparation each month
    before, the rest from the start on, by the building season (FLAT_SPEND)."""
    weights = [1 if m < start_month else FLAT_SPEND[m - 1] * 3 for m in range(1, 13)]
    return split_by_weights(annual_plan, weights)


def curve_investment(
    *, curve: Sequence[Decimal], month: int, perf: float, started: bool, rng: random.Random
) -> Decimal:
    """What an item with a plan curve completed in `month` (万元): the month's plan times
    performance and noise (a sixth of it before a start the month's plan needed)."""
    factor = perf * rng.uniform(0.9, 1.1) * (1 if started else 0.15)
    return (curve[month - 1] * Decimal(str(round(factor, 4)))).quantize(
        ONE_DECIMAL, rounding=ROUND_HALF_UP
    )


def perf_for(outcome: str, rng: random.Random) -> float:
    if outcome == "ahead":
        return rng.uniform(1.12, 1.25)
    if outcome in ("behind", "overrun"):
        return rng.uniform(0.72, 0.86)
    if outcome == "not_started":
        return rng.uniform(0.3, 0.5)
    return rng.uniform(0.95, 1.06)


def submission_time(period: Period, *, late: bool, rng: random.Random) -> datetime:
    """When a unit first submitted `period`'s report: before the due day, or some days after."""
    due = period.due_date(5)
    day = (
        due + timedelta(days=rng.randint(1, 5)) if late else due - timedelta(days=rng.randint(0, 4))
    )
    moment = time(rng.randint(8, 17), rng.randint(0, 59))
    return timezone.make_aware(datetime.combine(day, moment))


def close_time(period: Period) -> datetime:
    """The office closes a month mid next month, after late reports came in."""
    return timezone.make_aware(datetime.combine(period.next().first_day.replace(day=16), time(10)))

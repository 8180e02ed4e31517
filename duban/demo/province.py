"""`duban demo --scale province`: a province-sized district for benchmarks, built in bulk.

About 2,000 units, 20,000 work items (three projects to one task), every month of last year
reported, plan curves on a quarter of the items, four nodes a project and one indicator a
task, and 60,000 problems in every state. Rows go in through `duban.core.bulk.insert_many`
(their "+" history rows copied by the database), not through the services: the district's
story is the demo's (build.py); this one is its size. It is still a valid district — a units
tree with a head and a reporter in each unit, leaders in charge of units, stewards, an office
and a viewer; every item handed out with a lead unit; reports and problems whose states and
dates agree — so the pages, the API, the close and the scoping work on it.

Deterministic: the same seed and sizes give the same rows. The ledger is last year's (the
calendar's, calendar.py), so every item has its twelve months whatever the day; no month is
closed, so that a benchmark can close them. A few reports are late (submitted after the 5th)
and about 3% are missing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from duban.core import clock
from duban.core.bulk import gc_paused, insert_many
from duban.core.periods import Period
from duban.demo.calendar import DemoCalendar
from duban.demo.catalogue import DEMO_PASSWORD, SEASON_WEIGHTS
from duban.demo.timeline import FLAT_SPEND, split_by_weights
from duban.ledger.models import Indicator, Milestone, PlanMonth, Project, WorkItem
from duban.org.models import Enterprise, Responsibility, Unit, User
from duban.problems.models import Problem, ProblemEvent
from duban.reporting.models import MonthlyReport

MARKER = "province-office"  # the office account: the set is there when it exists
NODES = ("开工", "入统", "主体封顶", "竣工验收")
ONE_DECIMAL = Decimal("0.1")
PS = Problem.State


@dataclass(frozen=True)
class ProvinceSize:
    units: int = 2000
    items: int = 20000
    problems: int = 60000

    def __post_init__(self) -> None:
        if self.units < 10 or self.items < 20 or self.problems < 0:
            raise ValueError("a province needs at least 10 units and 20 items")


@dataclass
class ProvinceResult:
    created: bool
    seconds: float
    counts: dict[str, int]


def province_is_loaded() -> bool:
    return User.objects.filter(username=MARKER).exists()


def province_counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "projects": Project.objects.count(),
        "items": WorkItem.objects.count(),
        "plan_curves": PlanMonth.objects.values("work_item_id").distinct().count(),
        "milestones": Milestone.objects.count(),
        "reports": MonthlyReport.objects.count(),
        "problems": Problem.objects.count(),
    }


def build_province(*, seed: int = 2024, size: ProvinceSize | None = None) -> ProvinceResult:
    """Build the province-sized district once; when it is already there, change nothing."""
    started = timezone.now()
    if province_is_loaded():
        return ProvinceResult(False, 0.0, province_counts())
    size = size or ProvinceSize()
    # Seeded on purpose: the same data set every time (not for secrets).
    builder = _Province(random.Random(seed), size, DemoCalendar.of())  # noqa: S311
    with transaction.atomic(), gc_paused():
        builder.run()
    seconds = (timezone.now() - started).total_seconds()
    return ProvinceResult(True, seconds, province_counts())


def _chunks(n: int, parts: int) -> list[int]:
    """`n` split into `parts` sizes as even as can be."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


class _Province:
    def __init__(self, rng: random.Random, size: ProvinceSize, calendar: DemoCalendar) -> None:
        self.rng = rng
        self.size = size
        self.year = calendar.last_year
        self.now = clock.now()

    def run(self) -> None:
        self.people()
        self.ledger()
        self.reports()
        self.problems()

    # -- units and people ---------------------------------------------------------------------

    def people(self) -> None:
        n = self.size.units
        kinds = [k for k in Unit.Kind.values if k != Unit.Kind.OFFICE]
        leaders = max(2, n // 100)
        # One unit in twenty heads a group of the others; a leader is in charge of every
        # `leaders`-th group, so each leader's part of the tree is theirs alone.
        groups = max(leaders, n // 20 // leaders * leaders)
        top_rows = [
            {
                "code": f"p{i:05d}",
                "name": f"示例省第{i + 1}单位",
                "short_name": f"第{i + 1}单位",
                "kind": kinds[i % len(kinds)],
                "sort_order": i,
            }
            for i in range(groups)
        ]
        top = insert_many(Unit, top_rows)
        rows = [
            {
                "code": f"p{i:05d}",
                "name": f"示例省第{i + 1}单位",
                "short_name": f"第{i + 1}单位",
                "kind": kinds[i % len(kinds)],
                "parent_id": top[i % groups],
                "sort_order": i,
            }
            for i in range(groups, n)
        ]
        self.units = top + insert_many(Unit, rows)
        password = make_password(DEMO_PASSWORD)
        users: list[dict[str, Any]] = [
            self._user(MARKER, "省推进办", User.Role.OFFICE, password, is_superuser=True)
        ]
        for i, unit in enumerate(self.units):
            users.append(
                self._user(f"p{i:05d}-head", f"单位负责人{i + 1}", "unit_head", password, unit)
            )
            users.append(self._user(f"p{i:05d}-rep", f"联络员{i + 1}", "reporter", password, unit))
        stewards = max(2, n // 40)
        users += [
            self._user(f"p-leader{i}", f"省领导{i + 1}", "leader", password) for i in range(leaders)
        ]
        users += [
            self._user(f"p-steward{i}", f"管家{i + 1}", "steward", password)
            for i in range(stewards)
        ]
        users.append(self._user("p-viewer", "查看人员", "viewer", password))
        keys = insert_many(User, users)
        self.office = keys[0]
        self.reporters = keys[2 : 2 + 2 * n : 2]
        self.heads = keys[1 : 1 + 2 * n : 2]
        self.leaders = keys[1 + 2 * n : 1 + 2 * n + leaders]
        self.stewards = keys[1 + 2 * n + leaders : 1 + 2 * n + leaders + stewards]
        viewer = keys[-1]
        start = date(self.year, 1, 1)
        responsibilities = [
            {
                "leader_id": self.leaders[i % leaders],
                "relation": Responsibility.Relation.IN_CHARGE,
                "unit_id": unit,
                "start_date": start,
            }
            for i, unit in enumerate(self.units)
        ]
        responsibilities += [
            {
                "leader_id": viewer,
                "relation": Responsibility.Relation.CONTACT,
                "unit_id": unit,
                "start_date": start,
            }
            for unit in self.units[:: max(1, n // 20)]
        ]
        insert_many(Responsibility, responsibilities, history_user_id=self.office)
        self.enterprises = insert_many(
            Enterprise,
            [{"name": f"示例省第{i + 1}企业有限公司"} for i in range(max(1, n))],
            history_user_id=self.office,
        )

    def _user(
        self,
        username: str,
        name: str,
        role: str,
        password: str,
        unit: int | None = None,
        *,
        is_superuser: bool = False,
    ) -> dict[str, Any]:
        return {
            "username": username,
            "password": password,
            "full_name": name,
            "role": role,
            "unit_id": unit,
            "is_superuser": is_superuser,
            "is_staff": is_superuser,
            "is_active": True,
            "date_joined": self.now,
        }

    # -- the ledger ---------------------------------------------------------------------------

    def ledger(self) -> None:
        rng, year, n = self.rng, self.year, self.size.items
        n_projects = n * 3 // 4
        levels, categories = WorkItem.Level.values, WorkItem.Category.values
        industries = list(Project.Industry.values)
        projects = insert_many(
            Project,
            [
                {
                    "name": f"示例省重点项目{i + 1:05d}",
                    "owner_id": self.enterprises[i % len(self.enterprises)],
                    "start_year": year - rng.randint(0, 2),
                    "end_year": year + rng.randint(0, 2),
                    "total_investment": Decimal(rng.randint(2000, 200000)),
                    "stage": Project.Stage.CONSTRUCTION,
                    "nature": Project.Nature.values[i % 3],
                    "industry": industries[i % len(industries)],
                }
                for i in range(n_projects)
            ],
            history_user_id=self.office,
        )
        handed_out = timezone.make_aware(datetime.combine(date(year, 1, 22), time(10)))
        self.plans: dict[int, Decimal] = {}
        self.perf: dict[int, float] = {}
        rows: list[dict[str, Any]] = []
        starts: list[date] = []
        for i in range(n):
            unit = self.units[i % len(self.units)]
            is_project = i < n_projects
            planned_start = date(year, rng.randint(1, 10), rng.randint(1, 28))
            # Most items near 序时, some 10–30 points behind, a few far behind.
            roll = rng.random()
            self.perf[i] = (
                rng.uniform(0.92, 1.08)
                if roll < 0.75
                else rng.uniform(0.65, 0.88)
                if roll < 0.93
                else rng.uniform(0.2, 0.5)
            )
            started = is_project and (roll < 0.95 or planned_start.month > 6)
            plan = Decimal(rng.randint(500, 30000)) if is_project else None
            row: dict[str, Any] = {
                "year": year,
                "kind": WorkItem.Kind.PROJECT if is_project else WorkItem.Kind.TASK,
                "project_id": projects[i] if is_project else None,
                "seq": str(i + 1),
                "title": f"示例省重点项目{i + 1:05d}"
                if is_project
                else f"示例省重点工作{i + 1:05d}",
                "content_scale": "按年度计划推进",
                "source": f"{year}年示例省重点项目计划",
                "assigned_on": date(year, 1, 12),
                "lead_leader_id": self.leaders[i % len(self.leaders)],
                "lead_unit_id": unit,
                "level": levels[i % len(levels)],
                "category": categories[i % len(categories)] if is_project else "",
                "annual_plan": plan,
                "planned_start": planned_start if is_project else None,
                "actual_start": planned_start + timedelta(days=rng.randint(-10, 30))
                if started
                else None,
                "planned_finish": date(year + rng.randint(0, 2), 12, 31)
                if is_project
                else date(year, 12, 31),
                "in_statistics": started,
                "in_statistics_date": planned_start + timedelta(days=40) if started else None,
                "steward_id": self.stewards[i % len(self.stewards)] if is_project else None,
                "status": WorkItem.Status.ACTIVE,
                "handed_out_at": handed_out,
            }
            rows.append(row)
            starts.append(planned_start)
            if plan is not None:
                self.plans[i] = plan
        self.items = insert_many(WorkItem, rows, history_user_id=self.office)
        self.item_units = [r["lead_unit_id"] for r in rows]
        self.is_project = [r["kind"] == WorkItem.Kind.PROJECT for r in rows]
        # Plan curves on a quarter of the items (every third project).
        curve_rows = []
        self.curves: dict[int, list[Decimal]] = {}
        for i in range(0, n_projects, 3):
            amounts = split_by_weights(self.plans[i], SEASON_WEIGHTS)
            self.curves[i] = amounts
            curve_rows += [
                {"work_item_id": self.items[i], "month": m, "amount": a}
                for m, a in enumerate(amounts, start=1)
            ]
        insert_many(PlanMonth, curve_rows, history_user_id=self.office)
        # Nodes: four a project, the last ones overdue or due soon for some.
        nodes = []
        for i in range(n_projects):
            start = starts[i]
            actual_start = rows[i]["actual_start"]
            plan_days = (
                start,
                start + timedelta(days=30),
                start + timedelta(days=150),
                date(rows[i]["planned_finish"].year, 11, 30),
            )
            for order, (name, day) in enumerate(zip(NODES, plan_days, strict=True), start=1):
                reached = actual_start is not None and (
                    order == 1
                    or (day + timedelta(days=15) < date(year, 12, 31) and rng.random() < 0.8)
                )
                nodes.append(
                    {
                        "work_item_id": self.items[i],
                        "sort_order": order,
                        "name": name,
                        "planned_date": day,
                        "actual_date": (
                            actual_start
                            if order == 1
                            else day + timedelta(days=rng.randint(-5, 15))
                        )
                        if reached
                        else None,
                        "responsible_unit_id": rows[i]["lead_unit_id"],
                    }
                )
        insert_many(Milestone, nodes, history_user_id=self.office)
        insert_many(
            Indicator,
            [
                {
                    "work_item_id": self.items[i],
                    "name": "年度目标完成率",
                    "unit_of_measure": "%",
                    "target": Decimal(100),
                    "deadline": date(year, 12, 31),
                    "sort_order": 1,
                }
                for i in range(n_projects, n)
            ],
            history_user_id=self.office,
        )

    # -- reports --------------------------------------------------------------------------------

    def reports(self) -> None:
        rng = self.rng
        rows: list[dict[str, Any]] = []
        accepted = MonthlyReport.State.ACCEPTED
        for month in range(1, 13):
            period = Period(self.year, month)
            due = period.due_date(5)
            for i, item in enumerate(self.items):
                if rng.random() < 0.03:
                    continue  # missing
                late = rng.random() < 0.1
                day = (
                    due + timedelta(days=rng.randint(1, 6))
                    if late
                    else due - timedelta(days=rng.randint(0, 4))
                )
                submitted = timezone.make_aware(
                    datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
                )
                unit = self.unit_index(i)
                row: dict[str, Any] = {
                    "work_item_id": item,
                    "year": self.year,
                    "month": month,
                    "state": accepted,
                    "progress_text": "本月按计划推进。",
                    "created_by_id": self.reporters[unit],
                    "signed_off_by_id": self.heads[unit],
                    "submitted_at": submitted,
                    "first_submitted_at": submitted,
                    "reviewed_by_id": self.office,
                    "reviewed_at": submitted + timedelta(hours=rng.randint(2, 40)),
                }
                if self.is_project[i]:
                    amount = self._month_amount(i, month)
                    row["investment_month"] = amount
                    row["funds_month"] = amount
                else:
                    row["no_change"] = False
                rows.append(row)
        insert_many(MonthlyReport, rows, history_user_id=self.office)

    def unit_index(self, i: int) -> int:
        return i % len(self.units)

    def _month_amount(self, i: int, month: int) -> Decimal:
        curve = self.curves.get(i)
        if curve is not None:
            share = curve[month - 1]
        else:
            share = self.plans[i] * FLAT_SPEND[month - 1] / sum(FLAT_SPEND)
        factor = Decimal(str(round(self.perf[i] * self.rng.uniform(0.9, 1.1), 3)))
        return (share * factor).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)

    # -- problems -------------------------------------------------------------------------------

    def problems(self) -> None:
        rng, n, year = self.rng, self.size.problems, self.year
        if n == 0:
            return
        # Most are closed; every state has its share.
        states: list[tuple[str, float]] = [
            (PS.CLOSED, 0.55),
            (PS.REPORTED, 0.04),
            (PS.ACCEPTED, 0.04),
            (PS.ASSIGNED, 0.17),
            (PS.FEEDBACK_SUBMITTED, 0.07),
            (PS.VERIFIED, 0.05),
            (PS.REJECTED, 0.04),
            (PS.MERGED, 0.04),
        ]
        draw = _weighted(states, rng)
        sources = Problem.Source.values
        categories = Problem.Category.values
        rows: list[dict[str, Any]] = []
        events: list[tuple[int, date]] = []
        end = date(year, 12, 31)
        for k in range(n):
            i = rng.randrange(len(self.items))
            unit = self.unit_index(i)
            reported = date(year, 1, 25) + timedelta(days=rng.randint(0, 320))
            state = draw()
            due = reported + timedelta(days=rng.choice((10, 15, 20, 30)))
            row: dict[str, Any] = {
                "source": sources[k % len(sources)],
                "work_item_id": self.items[i],
                "category": categories[k % len(categories)],
                "title": f"问题{k + 1:06d}",
                "description": "影响项目推进，需协调解决。",
                "request": "协调相关部门加快办理。",
                "reported_by_id": self.reporters[unit],
                "reporting_unit_id": self.units[unit],
                "reported_on": reported,
                "lead_unit_id": self.units[unit],
                "level": 1 if rng.random() < 0.8 else rng.randint(2, 4),
                "state": state,
            }
            if state in (PS.ASSIGNED, PS.FEEDBACK_SUBMITTED, PS.VERIFIED, PS.CLOSED):
                row["due_date"] = row["original_due_date"] = due
            if state in (PS.VERIFIED, PS.CLOSED):
                row["resolution"] = "已协调解决。"
                row["verified_at"] = _noon(min(due, end))
            if state == PS.CLOSED:
                closed = min(due + timedelta(days=5), end)
                row["closed_at"] = _noon(closed)
                row["close_year"], row["close_month"] = closed.year, closed.month
            if state == PS.REJECTED:
                row["reject_reason"] = "不属于影响项目推进的问题。"
            rows.append(row)
            events.append((unit, reported))
        # Merged problems point at closed ones: those go in first.
        order = sorted(range(len(rows)), key=lambda k: rows[k]["state"] == PS.MERGED)
        first = [k for k in order if rows[k]["state"] != PS.MERGED]
        firsts = insert_many(Problem, [rows[k] for k in first], history_user_id=self.office)
        closed_keys = [
            key for key, k in zip(firsts, first, strict=True) if rows[k]["state"] == PS.CLOSED
        ]
        merged = [k for k in order if rows[k]["state"] == PS.MERGED]
        for m, k in enumerate(merged):
            if closed_keys:
                rows[k]["merged_into_id"] = closed_keys[m % len(closed_keys)]
            else:  # a tiny set without a closed problem: nothing to merge into
                rows[k]["state"] = PS.REPORTED
        keys = firsts + insert_many(Problem, [rows[k] for k in merged], history_user_id=self.office)
        events = [events[k] for k in first + merged]
        insert_many(
            ProblemEvent,
            [
                {
                    "problem_id": key,
                    "action": ProblemEvent.Action.REPORT,
                    "to_state": PS.REPORTED,
                    "actor_id": self.reporters[unit],
                    "at": _noon(reported),
                }
                for key, (unit, reported) in zip(keys, events, strict=True)
            ],
        )


def _noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def _weighted(choices: list[tuple[str, float]], rng: random.Random) -> Callable[[], str]:
    values = [c for c, _ in choices]
    weights = [w for _, w in choices]
    return lambda: rng.choices(values, weights)[0]

"""The demo's ledgers: projects, last year's and this year's work items, their five elements
and nodes (the years are the calendar's, calendar.py)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from duban.core.errors import ApplicationError
from duban.core.services import current_version
from duban.demo.catalogue import (
    DISTRICT,
    REGION_CODE,
    ProjectSpec,
    TaskSpec,
)
from duban.demo.people import Organisation
from duban.demo.timeline import (
    FINISH_NODES,
    START_NODE,
    ItemTimeline,
    delay_for,
    node_plan,
    perf_for,
    season_curve,
    start_curve,
)
from duban.ledger.models import FundingSource, NodeTemplateSet, Project, WorkItem
from duban.ledger.services import (
    funding_set,
    indicator_create,
    milestone_update,
    milestones_from_template,
    project_create,
    work_item_create,
    work_item_set_plan_curve,
)
from duban.org.models import Responsibility, User
from duban.org.services import responsibility_create

NATURE_TYPE = {"government": "01", "approval": "02", "filing": "03"}
INITIAL_STAGE = {
    "continuing": Project.Stage.CONSTRUCTION,
    "completing": Project.Stage.CONSTRUCTION,
    "new": Project.Stage.PREPARATION,
    "preliminary": Project.Stage.PREPARATION,
}


PREP_DELAY_CAP = 6
OVERRUN_FINISH_DAYS = 100


@dataclass
class ItemStory:
    """What happens to one work item in the demo, decided up front from the seed."""

    item: WorkItem
    spec: ProjectSpec | TaskSpec
    perf: float
    timeline: ItemTimeline | None = None
    node_actual: dict[int, date] = field(default_factory=dict)  # milestone pk → actual date
    reached: set[int] = field(default_factory=set)
    started: bool = False
    in_stats: bool = False
    values: dict[int, Decimal] = field(default_factory=dict)  # indicator pk → last value
    # A plan curve the item spends along (lights.py): its months, and the month from which
    # spending needs the item started (before it: preparation, spent as planned).
    curve: list[Decimal] | None = None
    curve_from: int = 1

    @property
    def seasonal(self) -> bool:
        return isinstance(self.spec, ProjectSpec) and self.spec.seasonal

    @property
    def outcome(self) -> str:
        return self.spec.outcome


@dataclass
class ProjectEntry:
    project: Project
    spec: ProjectSpec
    timeline: ItemTimeline


def _suffix(copy: int) -> str:
    return "" if copy == 0 else f"（{copy + 1}号地块）"


def _code(spec: ProjectSpec, serial: int, coded_on: date) -> str:
    check = str((serial * 7 + int(spec.industry_code)) % 10)
    return f"{coded_on.year}-{REGION_CODE}-{spec.industry_code}-{NATURE_TYPE[spec.nature]}-{serial:05d}{check}"


def _timeline(spec: ProjectSpec, rng: random.Random, first_year: int) -> ItemTimeline:
    """The project's plan and fate; `first_year` is the demo's last year (the story's 2023)."""
    if spec.category == "new":
        start = date(first_year, rng.choice((4, 5, 6)), rng.randint(5, 28))
    elif spec.category in ("continuing", "completing") and spec.start_year < first_year:
        start = date(spec.start_year, rng.choice((4, 5, 6)), rng.randint(5, 28))
    elif spec.category == "completing":
        start = date(first_year, 4, rng.randint(10, 28))
    elif spec.category == "preliminary":
        start = date(spec.start_year, rng.choice((5, 6)), rng.randint(5, 28))
    else:  # reserve projects: late in their first year at the earliest
        start = date(spec.start_year, rng.choice((8, 9)), rng.randint(5, 28))
    if spec.category == "completing" or spec.end_year == first_year:
        finish = date(first_year, rng.choice((8, 9)), rng.randint(1, 28))
    else:
        finish = date(spec.end_year, rng.choice((9, 10)), rng.randint(1, 28))
    coded_on = start - timedelta(days=rng.randint(300, 540))
    return ItemTimeline(coded_on, start, finish, delay_for(spec.outcome, rng))


def create_projects(
    org: Organisation,
    rng: random.Random,
    specs: list[tuple[ProjectSpec, int]],
    *,
    first_year: int,
    on_list: list[str],
) -> list[ProjectEntry]:
    """The district's projects; reserve projects named in `on_list` (this year's list) have
    their code already."""
    entries = []
    for serial, (spec, copy) in enumerate(specs, start=1):
        timeline = _timeline(spec, rng, first_year)
        reserve = spec.level is None
        has_code = not reserve or spec.name in on_list
        project = project_create(
            data={
                "code": _code(spec, serial + 12000, timeline.coded_on) if has_code else None,
                "name": spec.name + _suffix(copy),
                "owner": org.enterprises[spec.owner],
                "location": f"{DISTRICT}{spec.location}",
                "scale_content": spec.scale,
                "start_year": spec.start_year,
                "end_year": spec.end_year,
                "total_investment": Decimal(spec.total),
                "stage": Project.Stage.RESERVE
                if reserve
                else INITIAL_STAGE[spec.category or "preliminary"],
                "nature": spec.nature,
                "industry": spec.industry,
            }
        )
        entries.append(ProjectEntry(project, spec, timeline))
    return entries


def funding_lines(spec: ProjectSpec, plan: Decimal) -> list[tuple[str, Decimal, str]]:
    """The year's funding breakdown, adding up to the annual plan."""
    source = FundingSource.Source
    shares: list[tuple[str, Decimal, str]]
    if spec.nature == "government":
        shares = [
            (source.CENTRAL, Decimal("0.3"), "中央预算内投资"),
            (source.SPECIAL_BOND, Decimal("0.4"), "地方政府专项债券"),
        ]
        rest = (source.DISTRICT, "区级财政配套")
    else:
        shares = [(source.LOAN, Decimal("0.4"), "项目贷款")]
        rest = (source.SELF, "企业自筹")
    lines: list[tuple[str, Decimal, str]] = [
        (s, (plan * share).quantize(Decimal("0.1")), note) for s, share, note in shares
    ]
    lines.append((rest[0], plan - sum((a for _, a, _ in lines), Decimal(0)), rest[1]))
    return lines


class LedgerBuilder:
    def __init__(self, org: Organisation, rng: random.Random, *, first_year: int) -> None:
        self.org = org
        self.rng = rng
        self.first_year = first_year  # the demo's last year: its plans are `plan_2023`
        template = (
            NodeTemplateSet.objects.filter(is_default=True).order_by("pk").first()
            or NodeTemplateSet.objects.order_by("pk").first()
        )
        if template is None:
            raise ApplicationError("没有节点模板：请先运行 duban migrate。")
        self.template = template
        self.threshold = Decimal(settings.DUBAN_STEWARD_THRESHOLD)
        self._steward_turn = 0
        self._seq: dict[tuple[int, str], int] = {}

    def steward_for(self, total: Decimal | None) -> User | None:
        if total is None or total <= self.threshold:
            return None
        steward = self.org.stewards[self._steward_turn % len(self.org.stewards)]
        self._steward_turn += 1
        return steward

    def next_seq(self, year: int, kind: str) -> str:
        key = (year, kind)
        self._seq[key] = self._seq.get(key, 0) + 1
        return str(self._seq[key])

    def lead_responsibility(self, item: WorkItem) -> None:
        if item.lead_leader is not None:
            responsibility_create(
                leader=item.lead_leader,
                relation=Responsibility.Relation.LEAD,
                work_item=item,
                start_date=date(self.first_year, 1, 1),
            )

    def project_item(self, entry: ProjectEntry, *, year: int, category: str) -> ItemStory:
        spec, project, tl = entry.spec, entry.project, entry.timeline
        plan = Decimal(spec.plan_2023 if year == self.first_year else spec.plan_2024)
        started_before = tl.actual_start < date(year, 1, 1)
        item = work_item_create(
            data={
                "year": year,
                "kind": WorkItem.Kind.PROJECT,
                "project": project,
                "seq": self.next_seq(year, "project"),
                "content_scale": spec.scale,
                "schedule": f"{tl.planned_start.year}年{tl.planned_start.month}月开工，"
                f"{tl.planned_finish.year}年{tl.planned_finish.month}月竣工",
                "source": f"{year}年{DISTRICT}重点项目计划",
                "assigned_on": date(year, 1, 12),
                "lead_leader": self.org.leader_for_unit.get(spec.unit),
                "lead_unit": self.org.units[spec.unit],
                "level": spec.level or WorkItem.Level.DISTRICT,
                "category": category,
                "annual_plan": plan,
                "planned_start": tl.planned_start,
                "actual_start": tl.actual_start if started_before else None,
                "planned_finish": tl.planned_finish,
                "in_statistics": started_before,
                "in_statistics_date": tl.actual(tl.planned_start + timedelta(days=30))
                if started_before
                else None,
                "steward": self.steward_for(project.total_investment),
            },
            co_units=[self.org.units[c] for c in spec.co_units],
        )
        funding_set(item=item, version=current_version(item), lines=funding_lines(spec, plan))
        if spec.seasonal and plan:
            work_item_set_plan_curve(
                item=item, version=current_version(item), amounts=season_curve(plan)
            )
        story = ItemStory(item, spec, perf_for(spec.outcome, self.rng), tl)
        if plan and not started_before:
            self._plan_from_start(story, year)
        story.started = started_before
        story.in_stats = started_before
        self._plan_nodes(story, date(year, 1, 1))
        self.lead_responsibility(item)
        return story

    def _plan_from_start(self, story: ItemStory, year: int) -> None:
        """A project that has not started plans its year from its planned start (as offices
        do: 序时 expects little but preparation before it), not spread over the twelve months
        it cannot build in; its plan curve spends from the month after the planned day (when
        planned on a month's last days) or from its month, or not at all this year."""
        assert story.timeline is not None  # noqa: S101
        plan = story.item.annual_plan or Decimal(0)
        start = story.timeline.planned_start + timedelta(days=7)
        start_month = 1 if start.year < year else 13 if start.year > year else start.month
        story.curve = start_curve(plan, start_month)
        story.curve_from = start_month
        story.item = work_item_set_plan_curve(
            item=story.item, version=current_version(story.item), amounts=story.curve
        )

    def _plan_nodes(self, story: ItemStory, ledger_start: date) -> None:
        """Node plan from the default template; nodes reached before the ledger get their
        actual dates now, later ones arrive with the monthly reports."""
        assert story.timeline is not None  # noqa: S101
        milestones = milestones_from_template(item=story.item, template_set=self.template)
        names = [m.name for m in milestones]
        planned = node_plan(names, story.timeline)
        # Preparation goes about as planned even for a project whose start slips (its story's
        # delay): the nodes before the start are at most PREP_DELAY_CAP days late.
        before_start = set(names[: names.index(START_NODE)]) if START_NODE in names else set()
        tl = story.timeline
        for milestone in milestones:
            day = planned.get(milestone.name)
            if day is None:
                continue
            actual = tl.actual(day)
            if milestone.name in before_start:
                actual = day + timedelta(days=min(tl.delay_days, PREP_DELAY_CAP))
            elif milestone.name in FINISH_NODES and story.outcome == "overrun":
                # It does not finish in its year: its acceptance and opening come next year.
                actual += timedelta(days=OVERRUN_FINISH_DAYS)
            data: dict[str, date | None] = {"planned_date": day}
            if actual < ledger_start:
                data["actual_date"] = actual
                story.reached.add(milestone.pk)
            story.node_actual[milestone.pk] = actual
            milestone_update(milestone=milestone, version=current_version(milestone), data=data)

    def task_item(self, spec: TaskSpec, *, year: int, copy: int) -> ItemStory:
        item = work_item_create(
            data={
                "year": year,
                "kind": WorkItem.Kind.TASK,
                "seq": self.next_seq(year, "task"),
                "title": spec.title + ("" if copy == 0 else f"（{copy + 1}）"),
                "content_scale": spec.goal,
                "schedule": "按月推进，年底前完成年度目标",
                "source": f"{year}年{DISTRICT}政府工作报告",
                "assigned_on": date(year, 1, 12),
                "lead_leader": self.org.leader_for_unit.get(spec.unit),
                "lead_unit": self.org.units[spec.unit],
                "level": WorkItem.Level.DISTRICT,
                # A task that goes on next year (carried over) has no finish date of its own:
                # its year's targets are its indicators' deadlines.
                "planned_finish": None if spec.continues else date(year, 12, 31),
            },
            co_units=[self.org.units[c] for c in spec.co_units],
        )
        for order, ind in enumerate(spec.indicators, start=1):
            indicator_create(
                item=item,
                data={
                    "name": ind.name,
                    "unit_of_measure": ind.unit,
                    "baseline": Decimal(ind.baseline) if ind.baseline else None,
                    "target": Decimal(ind.target if year == self.first_year else ind.target_2024),
                    "deadline": date(year, 12, 31),
                    "sort_order": order,
                },
            )
        self.lead_responsibility(item)
        return ItemStory(item, spec, perf_for(spec.outcome, self.rng))

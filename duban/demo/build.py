"""Build 示例区, anchored to the day it is built (calendar.py): last year's ledger reported and
closed month by month, this year's reported up to the reporting period (last month) with late,
returned and missing reports and drafts, the current month open, and the problem loop's story
up to today.

Everything goes through the services, so the demo obeys the product's rules, and every step runs
at its story moment on `duban.core.clock` (calendar.StoryClock): the services stamp the times
themselves (set-up, hand-out, each report's filling, submission, return and acceptance, each
month's close). History rows name who acted: the office for the ledger's set-up, each
service's `by` else.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from duban.core import events
from duban.core.history import acting_as
from duban.core.periods import Period
from duban.core.services import current_version
from duban.demo.assessment import DemoAssessment
from duban.demo.bulletins import build_bulletins
from duban.demo.calendar import DemoCalendar, StoryClock
from duban.demo.catalogue import (
    DEMO_PASSWORD,
    MARKER_UNIT_CODE,
    PROJECTS,
    RESERVE_ON_2024_LIST,
    TASKS,
    TASKS_2024,
    DemoAccount,
    ProjectSpec,
    TaskSpec,
)
from duban.demo.ledger import ItemStory, LedgerBuilder, create_projects, funding_lines
from duban.demo.lights import DemoLights
from duban.demo.notify import demo_notifications
from duban.demo.people import Organisation, build_organisation
from duban.demo.problems import build_problems
from duban.demo.reports import (
    ACCEPTED,
    DRAFT,
    MISSING,
    PENDING,
    RETURNED,
    RETURNED_THEN_ACCEPTED,
    SUBMITTED,
    ReportRunner,
)
from duban.demo.supervision import DemoSupervision
from duban.demo.timeline import close_time, season_curve
from duban.ledger.models import Project, WorkItem
from duban.ledger.services import (
    funding_set,
    indicator_update,
    milestone_update,
    project_update,
    work_item_hand_out,
    work_item_set_plan_curve,
    work_item_update,
)
from duban.org.models import Unit, User
from duban.reporting.models import (
    MonthlyReport,
)
from duban.reporting.services import month_close, work_items_carry_over

logger = logging.getLogger(__name__)


@dataclass
class DemoResult:
    created: bool
    accounts: list[DemoAccount]
    counts: dict[str, int] = field(default_factory=dict)
    lights: dict[str, int] = field(default_factory=dict)  # lights.py's cases → work item pk


def demo_is_loaded() -> bool:
    return Unit.objects.filter(code=MARKER_UNIT_CODE).exists()


ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    (User.Role.OFFICE, "tuijinban", "全区所有事项、月报和问题；审核、关账、销号；后台管理 /admin/"),
    (
        User.Role.LEADER,
        "quzhang",
        "主要领导：全区的事项和问题（驾驶舱、挂图作战）；协调意见、主持调度会",
    ),
    (User.Role.UNIT_HEAD, "zjj-head", "住建局牵头或配合的事项和问题；审签本单位月报，审批延期"),
    (User.Role.REPORTER, "zjj-reporter", "住建局牵头或配合的事项和问题；填报月报，上报和反馈问题"),
    (User.Role.STEWARD, "guanjia-sun", "所服务的重点项目；审核其月报，走访并上报问题"),
    (User.Role.VIEWER, "renda", "联系的住建局、教育局、卫健局、生态环境分局的事项（只读）"),
)


def demo_accounts() -> list[DemoAccount]:
    """One account per role, with what it sees (all share DEMO_PASSWORD)."""
    names = dict(
        User.objects.filter(username__in=[a[1] for a in ACCOUNTS]).values_list(
            "username", "full_name"
        )
    )
    return [
        DemoAccount(str(User.Role(role).label), username, names.get(username, ""), sees)
        for role, username, sees in ACCOUNTS
    ]


def build_demo(*, seed: int = 2024, scale: int = 1) -> DemoResult:
    """Build the demo district once; when it is already there, change nothing.

    `scale` multiplies the projects and tasks (for benchmarks); the units and people stay.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if demo_is_loaded():
        return DemoResult(created=False, accounts=demo_accounts(), counts=demo_counts())
    calendar = DemoCalendar.of()
    story_clock = StoryClock()
    # Seeded on purpose: the same demo every time (not for secrets).
    build = _DemoBuild(random.Random(seed), scale, calendar, story_clock)  # noqa: S311
    try:
        # The story's events are history, not news: today's are raised after it.
        with events.suspended(), transaction.atomic():
            build.run()
    finally:
        story_clock.done()
    with events.immediate():
        demo_notifications([a[1] for a in ACCOUNTS])
    return DemoResult(
        created=True, accounts=demo_accounts(), counts=demo_counts(), lights=build.lights.cases
    )


def demo_counts() -> dict[str, int]:
    """What the district holds; the ledger's years are the calendar's (last year, this year)."""
    years = sorted(set(WorkItem.objects.values_list("year", flat=True)))
    this_year = years[-1] if years else DemoCalendar.of().year
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "projects": Project.objects.count(),
        "items_last_year": WorkItem.objects.filter(year=this_year - 1).count(),
        "items_this_year": WorkItem.objects.filter(year=this_year).count(),
        "reports": MonthlyReport.objects.count(),
    }


SET_UP_DAY = date(2023, 1, 5)  # story days (calendar.DemoCalendar.day places them)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class _DemoBuild:
    def __init__(
        self, rng: random.Random, scale: int, calendar: DemoCalendar, story_clock: StoryClock
    ) -> None:
        self.rng = rng
        self.scale = scale
        self.cal = calendar
        self.clock = story_clock
        self.org: Organisation = Organisation()
        self.stories: dict[int, ItemStory] = {}  # work item pk → story
        self.lights = DemoLights(calendar, rng)
        # The catalogue on the calendar: names and years moved (calendar.DemoCalendar.text).
        self.project_specs = [self._project_spec(p) for p in PROJECTS]
        self.tasks = [replace(t, title=calendar.text(t.title)) for t in TASKS]
        self.tasks_this_year = [replace(t, title=calendar.text(t.title)) for t in TASKS_2024]
        self.reserve_on_list = [calendar.text(name) for name in RESERVE_ON_2024_LIST]

    def _project_spec(self, spec: ProjectSpec) -> ProjectSpec:
        return replace(
            spec,
            name=self.cal.text(spec.name),
            scale=self.cal.text(spec.scale),
            start_year=self.cal.y(spec.start_year),
            end_year=self.cal.y(spec.end_year),
        )

    @property
    def office(self) -> User:
        return self.org.office_user

    @property
    def last_year(self) -> int:
        return self.cal.last_year

    @property
    def year(self) -> int:
        return self.cal.year

    def day(self, month: int, day: int, *, last: bool = False) -> date:
        return date(self.last_year if last else self.year, month, day)

    def run(self) -> None:
        self.clock.tick(_at(self.day(12, 20, last=True).replace(year=self.last_year - 1), 9))
        self.org = build_organisation(self.rng, since=date(self.last_year, 1, 1))
        # Its own seeded generator, so the rest of the story draws what it always drew.
        self.supervision = DemoSupervision(self.org, random.Random(self.last_year), self.clock)  # noqa: S311
        self.assessment = DemoAssessment(self.org, random.Random(self.year), self.clock)  # noqa: S311
        with acting_as(self.office):
            self.ledger = LedgerBuilder(self.org, self.rng, first_year=self.last_year)
            self.runner = ReportRunner(self.org, self.rng, clock=self.clock)
            specs = [(spec, copy) for copy in range(self.scale) for spec in self.project_specs]
            self.clock.tick(_at(self.cal.day(SET_UP_DAY), 9, 30))
            self.projects = create_projects(
                self.org, self.rng, specs, first_year=self.last_year, on_list=self.reserve_on_list
            )
            self.year_last()
            self.supervision.flags(self.last_year)
            self.year_this()
        build_problems(self.org, self.rng, self.cal, self.clock)
        self.clock.tick(self.clock.story_now())
        self.supervision.drafts_now()
        with acting_as(self.office):
            build_bulletins(self.cal, self.office)
        logger.info("demo.built", extra={"items": len(self.stories)})

    # -- last year ------------------------------------------------------------------------

    def year_last(self) -> None:
        year = self.last_year
        stories = [
            self.ledger.project_item(e, year=year, category=e.spec.category or "")
            for e in self.projects
            if e.spec.level is not None
        ]
        stories += [
            self.ledger.task_item(spec, year=year, copy=copy)
            for copy in range(self.scale)
            for spec in self.tasks
        ]
        self._hand_out(stories, self.day(1, 18, last=True))
        self.runner.remember_nodes(stories)
        for month in range(1, 13):
            period = Period(year, month)
            if month == 12:
                # What finished in the year is done before December is reported and closed.
                self.clock.tick(_at(self.day(12, 29, last=True), 16))
                self.year_end()
            for story in stories:
                fate = RETURNED_THEN_ACCEPTED if self.rng.random() < 0.05 else ACCEPTED
                self.runner.file(story, period, fate, late=self._late(story))
            # What finishes within the month is done before it closes (not overdue, red).
            self._finish_last_year(until=period.last_day)
            self._close(period)

    def _finish_last_year(self, *, until: date) -> None:
        for story in list(self.stories.values()):
            spec = story.spec
            if not isinstance(spec, ProjectSpec) or spec.outcome not in ("finish", "finish_late"):
                continue
            finish = self._finish_date(story)
            item = WorkItem.objects.get(pk=story.item.pk)
            if finish is None or finish > until or item.status != WorkItem.Status.ACTIVE:
                continue
            story.item = work_item_update(
                item=item,
                version=current_version(item),
                data={"status": WorkItem.Status.DONE, "actual_finish": finish},
            )

    def _late(self, story: ItemStory) -> bool:
        chance = 0.15 if story.outcome in ("behind", "overrun") else 0.03
        return self.rng.random() < chance

    def _hand_out(self, stories: list[ItemStory], day: date) -> None:
        for story in stories:
            moment = time(self.rng.randint(9, 16), self.rng.randint(0, 59))
            self.clock.tick(timezone.make_aware(datetime.combine(day, moment)))
            story.item = work_item_hand_out(
                item=story.item, version=current_version(story.item), by=self.office
            )
            self.stories[story.item.pk] = story

    def _close(self, period: Period) -> None:
        self.supervision.before_close(period)
        self.clock.tick(close_time(period))
        month_close(period=period, by=self.office)
        # The newest closed month stays unpublished: the office reviews it on the demo.
        self.assessment.after_close(
            period,
            last_year=period.year == self.last_year,
            publish=period < self.cal.period.previous(),
        )
        self.supervision.after_close(period)

    def year_end(self) -> None:
        """Finished items are done, started projects are under construction."""
        for story in list(self.stories.values()):
            item = WorkItem.objects.get(pk=story.item.pk)
            spec = story.spec
            project = item.project
            if isinstance(spec, ProjectSpec) and project is not None:
                finish = self._finish_date(story)
                if spec.outcome in ("finish", "finish_late") and finish is not None:
                    if item.status != WorkItem.Status.DONE:  # not done in its month already
                        item = work_item_update(
                            item=item,
                            version=current_version(item),
                            data={"status": WorkItem.Status.DONE, "actual_finish": finish},
                        )
                    project_update(
                        project=project,
                        version=current_version(project),
                        data={"stage": Project.Stage.COMPLETED},
                    )
                elif item.actual_start and project.stage == Project.Stage.PREPARATION:
                    project_update(
                        project=project,
                        version=current_version(project),
                        data={"stage": Project.Stage.CONSTRUCTION},
                    )
            elif isinstance(spec, TaskSpec) and not spec.continues:
                item = work_item_update(
                    item=item,
                    version=current_version(item),
                    data={
                        "status": WorkItem.Status.DONE,
                        "actual_finish": self.day(12, 29, last=True),
                    },
                )
            story.item = item

    def _finish_date(self, story: ItemStory) -> date | None:
        tl = story.timeline
        if tl is None:
            return None
        finish = tl.actual(tl.planned_finish)
        return finish if finish <= self.day(12, 31, last=True) else None

    # -- this year ------------------------------------------------------------------------

    def year_this(self) -> None:
        self.clock.tick(_at(self.day(1, 8), 9))
        carried = work_items_carry_over(year=self.last_year, by=self.office)
        stories = [self._prepare_carried(item) for item in carried]
        by_name = {e.project.name: e for e in self.projects}
        for copy in range(self.scale):
            suffix = "" if copy == 0 else f"（{copy + 1}号地块）"
            for name in self.reserve_on_list:
                entry = by_name[name + suffix]
                project_update(
                    project=entry.project,
                    version=current_version(entry.project),
                    data={"stage": Project.Stage.PREPARATION},
                )
                stories.append(
                    self.ledger.project_item(entry, year=self.year, category="preliminary")
                )
            stories += [
                self.ledger.task_item(spec, year=self.year, copy=copy)
                for spec in self.tasks_this_year
            ]
        lights = self.lights
        lights.plan(stories)
        self._hand_out(stories, self.day(1, 22))
        self.runner.remember_nodes(stories)
        reporting = self.cal.period
        for month in range(1, reporting.month + 1):
            period = Period(self.year, month)
            fates = self._fates(stories, period)
            for story in stories:
                fate = lights.fate(story, period, fates[story.item.pk])
                self.runner.file(story, period, fate, late=self._late(story))
            # Projects finished within the month are done before it closes.
            self._finish_this_year(stories, until=period.last_day)
            if period < reporting:
                self._close(period)
        lights.after_reports(stories)

    def _finish_this_year(self, stories: list[ItemStory], *, until: date) -> None:
        """Projects that the story finishes by `until` are done (a project behind schedule
        stays open past its planned finish: overdue, red)."""
        cases = set(self.lights.cases.values())
        end = until
        for story in stories:
            spec, tl = story.spec, story.timeline
            if story.item.pk in cases or not isinstance(spec, ProjectSpec) or tl is None:
                continue
            item = WorkItem.objects.get(pk=story.item.pk)
            if item.status != WorkItem.Status.ACTIVE or item.planned_finish is None:
                continue
            finish = tl.actual(item.planned_finish)
            if spec.outcome in ("behind", "not_started") or finish > end:
                continue
            story.item = work_item_update(
                item=item,
                version=current_version(item),
                data={"status": WorkItem.Status.DONE, "actual_finish": finish},
            )

    def _prepare_carried(self, item: WorkItem) -> ItemStory:
        """Give a carried item this year's plan, then it can be handed out."""
        old = self.stories[item.carried_from_id]  # type: ignore[index]
        story = ItemStory(item, old.spec, old.perf, old.timeline)
        story.node_actual = dict(old.node_actual)
        # The carried nodes are new rows: map the old story's nodes to them by order.
        old_nodes = list(old.item.milestones.order_by("sort_order").values_list("pk", flat=True))
        new_nodes = list(item.milestones.order_by("sort_order").values_list("pk", flat=True))
        mapping = dict(zip(old_nodes, new_nodes, strict=True))
        story.node_actual = {mapping[pk]: d for pk, d in old.node_actual.items()}
        story.reached = {mapping[pk] for pk in old.node_actual if pk in old.reached}
        story.reached |= set(
            item.milestones.filter(actual_date__isnull=False).values_list("pk", flat=True)
        )
        story.started = item.actual_start is not None
        story.in_stats = item.in_statistics
        spec = old.spec
        year = self.year
        if isinstance(spec, ProjectSpec):
            plan = Decimal(spec.plan_2024)
            category = item.category
            if spec.category == "preliminary" and spec.outcome != "not_started":
                category = WorkItem.Category.NEW
            if item.actual_start is None and spec.category == "new":
                category = WorkItem.Category.NEW
            item = work_item_update(
                item=item,
                version=current_version(item),
                data={
                    "annual_plan": plan,
                    "category": category,
                    "assigned_on": self.day(1, 12),
                    "source": f"{year}年示例区重点项目计划",
                },
            )
            funding_set(item=item, version=current_version(item), lines=funding_lines(spec, plan))
            # At carry-over the office re-plans last year's unreached nodes into this year.
            for node in item.milestones.filter(
                actual_date__isnull=True, planned_date__year__lt=year
            ):
                if node.planned_date is None:  # excluded by the filter; keeps mypy informed
                    continue
                milestone_update(
                    milestone=node,
                    version=current_version(node),
                    data={
                        "planned_date": node.planned_date.replace(
                            year=year, day=min(node.planned_date.day, 28)
                        )
                    },
                )
            if spec.seasonal:
                work_item_set_plan_curve(
                    item=item, version=current_version(item), amounts=season_curve(plan)
                )
        else:
            for indicator, ind in zip(
                item.indicators.order_by("sort_order"), spec.indicators, strict=True
            ):
                indicator_update(
                    indicator=indicator,
                    version=current_version(indicator),
                    data={"target": Decimal(ind.target_2024), "deadline": date(year, 12, 31)},
                )
            item = work_item_update(
                item=item,
                version=current_version(item),
                data={
                    "planned_finish": date(year, 12, 31),
                    "source": f"{year}年示例区政府工作报告",
                },
            )
            story.perf = story.perf * self.rng.uniform(0.95, 1.05)
        story.item = item
        return story

    def _fates(self, stories: list[ItemStory], period: Period) -> dict[int, str]:
        """Months before the reporting period are accepted (and closed); the reporting period
        shows every state."""
        fates: dict[int, str] = {}
        if period < self.cal.period:
            for s in stories:
                roll = self.rng.random()
                fates[s.item.pk] = RETURNED_THEN_ACCEPTED if roll < 0.08 else ACCEPTED
            return fates
        order = list(stories)
        self.rng.shuffle(order)
        n = len(order)
        # At least one of each state, then roughly: 55% accepted, 10% submitted, 8% waiting
        # for sign-off, 8% returned, 7% drafts, the rest (≈12%) not reported.
        cuts = [
            (ACCEPTED, max(1, round(n * 0.55))),
            (SUBMITTED, max(1, round(n * 0.10))),
            (PENDING, max(1, round(n * 0.08))),
            (RETURNED, max(1, round(n * 0.08))),
            (DRAFT, max(1, round(n * 0.07))),
        ]
        i = 0
        for fate, count in cuts:
            for s in order[i : i + count]:
                fates[s.item.pk] = fate
            i += count
        for s in order[i:]:
            fates[s.item.pk] = MISSING
        return fates


__all__ = ["DEMO_PASSWORD", "DemoResult", "build_demo", "demo_accounts", "demo_is_loaded"]

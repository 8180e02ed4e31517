"""The rows that give this year's items their lights (DOMAIN.md §4) on the day the demo is built.

The story (catalogue outcomes: ahead, normal, behind, overrun, not started) already spreads the
items around 序时进度: most near it, "behind" and "overrun" items 10–30 points behind late in the
year. On top of it a few items are planned so that every rule has a case around today:

- planned to start in the reporting period (its last day), not started (yellow) — `start_due`;
  planned to start in the current month, within days, not started (yellow) —
  `start_this_month`;
- planned to start three or more months before it, still not started (red) — `start_late`;
- started a month before the period ends, not 入统 (yellow) — `stats_due`; two months (red) —
  `stats_late`;
- a node due in three days (yellow, 临期) — `node_soon`; a node due in the reporting period
  and three weeks (or more) overdue (red) — `node_overdue`;
- far behind 序时 (more than 30 points, red) — `far_behind`; 10–30 points behind (yellow) —
  `behind`;
- done in the reporting period (green) — `done`.

Each case's other nodes are reached on time or planned beyond the coming fortnight, and its
入统 node has no date, so that only the case's rule speaks. `cases` names the item of each (`DemoResult.lights`; tests/test_demo.py checks each one).
Dates are chosen from the calendar, so the cases hold on any day the demo is built; early in
the year, when the months before the period lie in last year, a case whose months don't exist
is left out (see `plan`).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from duban.core.periods import Period
from duban.core.services import current_version
from duban.demo.calendar import DemoCalendar
from duban.demo.catalogue import ProjectSpec
from duban.demo.ledger import ItemStory
from duban.demo.reports import ACCEPTED
from duban.demo.timeline import start_curve
from duban.ledger.models import WorkItem
from duban.ledger.services import milestone_update, work_item_set_plan_curve, work_item_update

START_NODE = "开工"
STATS_NODE = "入统"
NEVER = date(9999, 12, 31)  # a node's actual date that never comes


class DemoLights:
    def __init__(self, calendar: DemoCalendar, rng: random.Random) -> None:
        self.cal = calendar
        self.rng = rng
        self.cases: dict[str, int] = {}  # case → work item pk
        self.forced: set[int] = set()  # items whose reporting-period report is accepted

    # -- before hand-out --------------------------------------------------------------------

    def plan(self, stories: list[ItemStory]) -> None:
        """Re-plan a few of this year's (still draft) items so that each rule has a case."""
        period = self.cal.period
        today = self.cal.today
        projects = sorted(
            (s for s in stories if isinstance(s.spec, ProjectSpec) and s.timeline is not None),
            key=lambda s: s.item.pk,
        )
        unstarted = [s for s in projects if not s.started]
        started = [s for s in projects if s.started and s.outcome in ("normal", "ahead")]
        year_start = date(self.cal.year, 1, 1)

        def take(pool: list[ItemStory], case: str) -> ItemStory | None:
            if not pool:
                return None
            story = pool.pop(0)
            self.cases[case] = story.item.pk
            return story

        # Not started: planned in the reporting period (on its last day: not overdue at its
        # end) and in the current month (yellow), three months before the period (red).
        if story := take(unstarted, "start_due"):
            self._plan_start(story, period.last_day, actual=None)
        if story := take(unstarted, "start_this_month"):
            self._plan_start(
                story, min(Period.of(today).last_day, today + timedelta(days=5)), actual=None
            )
        back3 = period.previous().previous().previous()
        if story := take(unstarted, "start_late"):
            self._plan_start(story, back3.first_day + timedelta(days=14), actual=None)
        # Started, not 入统: one month (yellow), two months (red) before the period ends.
        for case, months in (("stats_due", 1), ("stats_late", 2)):
            start_period = period
            for _ in range(months):
                start_period = start_period.previous()
            start_day = start_period.last_day - timedelta(days=3)
            if start_day < year_start:
                continue  # early in the year: that month lies in last year
            if story := take(unstarted, case):
                self._plan_start(story, start_day - timedelta(days=10), actual=start_day)
        # Nodes: one due within days of today, one overdue in the reporting period.
        if story := take(started, "node_soon"):
            self._plan_node(story, today + timedelta(days=3))
        if story := take(started, "node_overdue"):
            # Within the reporting period: a node due after it is at most due soon there.
            self._plan_node(story, min(today - timedelta(days=21), period.last_day - timedelta(7)))
        # Behind 序时 at the reporting period: far (red) and some (yellow). The gap is
        # (perf − 1) × m/12 in points on a flat year, so early in the year no performance
        # puts an item 10 points behind: the cases hold from the reporting period's sixth
        # month on (and then by a plan curve, as `monthly_investment` spends along it).
        for case, gap in (("far_behind", 45), ("behind", 20)):
            if story := take(started, case):
                story.perf = max(0.05, 1 - gap * 12 / (100 * period.month))
                self._clear_nodes(story)
        if story := take(started, "done"):
            self._clear_nodes(story)

    def _clear_nodes(
        self, story: ItemStory, *, keep: tuple[str, ...] = (), restarted: bool = False
    ) -> None:
        """Only the case's own rule speaks: the item's other open nodes are reached on their
        planned day when that lies before the reporting period ends (reported then), else
        planned beyond the coming fortnight; its reports for the year are accepted. When the
        case moved its start (`restarted`), the nodes after the start (基础完工, …) are all
        planned beyond the fortnight: none is reached before the project starts."""
        self.forced.add(story.item.pk)
        reported_by = self.cal.period.last_day - timedelta(days=5)
        later = self.cal.today + timedelta(days=14)
        # Nor is the item itself overdue or due soon (that is the overdue rule's case).
        finish = story.item.planned_finish
        if finish is not None and finish <= later:
            story.item = work_item_update(
                item=story.item, version=current_version(story.item), data={"planned_finish": later}
            )
        first = date(self.cal.year, 1, 10)
        start_order = min(
            (m.sort_order for m in story.item.milestones.all() if m.name == START_NODE),
            default=None,
        )
        for node in story.item.milestones.filter(actual_date__isnull=True).exclude(name__in=keep):
            if node.pk in story.reached:
                continue
            planned = node.planned_date
            after_start = restarted and start_order is not None and node.sort_order > start_order
            if node.name == STATS_NODE or planned is None:
                milestone_update(
                    milestone=node, version=current_version(node), data={"planned_date": None}
                )
                story.node_actual[node.pk] = NEVER
            elif planned <= reported_by and not after_start:
                story.node_actual[node.pk] = max(planned, first)
            else:
                milestone_update(
                    milestone=node,
                    version=current_version(node),
                    data={"planned_date": max(planned, later)},
                )
                story.node_actual[node.pk] = NEVER

    def _plan_start(self, story: ItemStory, planned: date, *, actual: date | None) -> None:
        """Planned to start on `planned`; started on `actual` (None: not started). The 入统
        node carries no date: only the 入统 rule speaks of it."""
        item = work_item_update(
            item=story.item, version=current_version(story.item), data={"planned_start": planned}
        )
        story.item = item
        # Its plan curve spends from the month after the planned day (planned on a month's
        # last days) or from its month, so that 序时 expects no building before it.
        start = planned + timedelta(days=7)
        start_month = (
            1 if start.year < self.cal.year else 13 if start.year > self.cal.year else start.month
        )
        if item.annual_plan:
            story.curve = start_curve(item.annual_plan, start_month)
            story.curve_from = start_month
            work_item_set_plan_curve(item=item, version=current_version(item), amounts=story.curve)
        story.perf = 1.0
        self._clear_nodes(story, keep=(START_NODE,), restarted=True)
        node = item.milestones.filter(name=START_NODE).first()
        if node is not None:
            milestone_update(
                milestone=node, version=current_version(node), data={"planned_date": planned}
            )
            story.node_actual[node.pk] = actual or NEVER

    def _plan_node(self, story: ItemStory, planned: date) -> None:
        """The first node not reached yet is planned on `planned` and not reached by today."""
        self._clear_nodes(story)
        node = (
            story.item.milestones.filter(actual_date__isnull=True)
            .exclude(name__in=(START_NODE, STATS_NODE))
            .order_by("sort_order")
            .first()
        )
        if node is None:
            return
        milestone_update(
            milestone=node, version=current_version(node), data={"planned_date": planned}
        )
        story.node_actual[node.pk] = NEVER

    # -- the reports ------------------------------------------------------------------------

    def fate(self, story: ItemStory, period: Period, fate: str) -> str:
        """A case's reports are accepted, so that its figures and start count."""
        return ACCEPTED if story.item.pk in self.forced else fate

    def after_reports(self, stories: list[ItemStory]) -> None:
        """The `done` case finishes in the reporting period."""
        pk = self.cases.get("done")
        if pk is None:
            return
        finish = self.cal.period.last_day - timedelta(days=2)
        item = WorkItem.objects.get(pk=pk)
        work_item_update(
            item=item,
            version=current_version(item),
            data={"status": WorkItem.Status.DONE, "actual_finish": finish},
        )

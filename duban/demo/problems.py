"""示例区's problem loop: problems from report to close-out, opinions, feedback, four-level
dispatch, meetings, leaders' liaison, demands and visits (issue 4).

Each problem of `problem_catalogue` is a story: a generator that yields the story time of its
next step and then takes that step through the services. A scheduler runs every story's steps
in story order, alongside the daily `duban escalate` run, the meetings and the visits, up to
the demo's "today"; whatever a story had not reached by then does not happen. Each step runs at
its story moment moved onto the calendar by whole weeks (calendar.py), so the story's "today"
is today and its due dates, escalations and the next meeting lie around it.
"""

from __future__ import annotations

import heapq
import logging
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from duban.demo.calendar import STORY_TODAY, DemoCalendar, StoryClock
from duban.demo.people import Organisation
from duban.demo.problem_catalogue import LEADER_FINDINGS, MEETINGS, PROBLEM_SPECS, STEWARD_FINDINGS
from duban.demo.problem_meetings import MeetingStories
from duban.demo.problem_story import FIRST_DAY, ProblemSpecs, at, workday
from duban.ledger.models import WorkItem
from duban.liaison.services import visit_log
from duban.org.models import Enterprise, Responsibility, User
from duban.org.services import responsibility_create
from duban.problems.models import (
    Problem,
)
from duban.problems.services import escalate_overdue_problems

logger = logging.getLogger(__name__)

# Leaders' 包联 with projects of the 2024 list (enterprises are in people.py).
PROJECT_LIAISON = (
    ("quzhang", "示例国际会展中心配套商业综合体"),
    ("li-changwu", "示例大街快速路改造工程"),
    ("zhang-fqz", "示例区养老服务综合体"),
    ("liu-fqz", "示例北方冷链物流园"),
    ("chen-fqz", "示例数字经济产业园（软件信息服务中心）"),
    ("zhao-fqz", "示例区城市排水防涝设施建设工程"),
)


def build_problems(
    org: Organisation, rng: random.Random, calendar: DemoCalendar, story_clock: StoryClock
) -> None:
    """Run the problem stories of 示例区 through the services, on the calendar."""
    specs = ProblemSpecs(
        problems=[calendar.problem_spec(s) for s in PROBLEM_SPECS],
        meetings=[calendar.meeting_spec(m) for m in MEETINGS],
        calendar=calendar,
    )
    ProblemStories(org, rng, story_clock.shifted(calendar.problem_shift), specs).run()
    logger.info("demo.problems", extra={"problems": Problem.objects.count()})


class ProblemStories(MeetingStories):
    """Every story of the district's problem loop, with its nightly and routine runs."""

    # -- the scheduler --------------------------------------------------------------------

    def run(self) -> None:
        self.start(self.liaison())
        self.start(self.escalation_runs())
        for spec in self.specs.problems:
            self.start(self.lifecycle(spec))
        for meeting in self.specs.meetings:
            self.start(self.meeting(meeting))
        self.start(self.routine_visits())
        while self._heap:
            moment, _, story = heapq.heappop(self._heap)
            if not self.clock.tick(moment):
                continue
            following = next(story, None)
            if following is None or following > self.end:
                continue
            if following < moment:
                raise ValueError(f"a demo story goes back in time: {following} < {moment}")
            heapq.heappush(self._heap, (following, next(self._seq), story))

    # -- the rest of the district's routine ------------------------------------------------

    def escalation_runs(self) -> Iterator[datetime]:
        """`duban escalate`, run by the scheduler every night."""
        day = FIRST_DAY
        while day <= STORY_TODAY:
            yield at(day, 1)
            escalate_overdue_problems(on=self.clock.frame(day))
            day += timedelta(days=1)

    def liaison(self) -> Iterator[datetime]:
        """Leaders take up 包联 of key projects when the 2024 list is handed out."""
        day = date(2024, 1, 22)
        yield at(day, 15)
        for username, name in PROJECT_LIAISON:
            responsibility_create(
                leader=self.leaders[username],
                relation=Responsibility.Relation.LIAISON,
                work_item=self.item(self.specs.calendar.text(name), self.specs.calendar.year),
                start_date=self.clock.frame(day),
            )

    def routine_visits(self) -> Iterator[datetime]:
        """Stewards visit their projects and leaders their enterprises, mostly finding
        nothing to raise."""
        plans: list[tuple[datetime, User, dict[str, object]]] = []
        for steward in self.org.stewards:
            items = list(
                WorkItem.objects.filter(year=self.specs.calendar.year, steward=steward).order_by(
                    "pk"
                )
            )
            for month in (3, 4, 5, 6):
                for item in self.rng.sample(items, 2):
                    day = date(2024, month, self.rng.randint(1, 28 if month < 6 else 11))
                    findings = self.rng.choice(STEWARD_FINDINGS).format(n=self.rng.randint(30, 260))
                    data = {
                        "date": self.clock.frame(workday(day)),
                        "work_item": item,
                        "findings": findings,
                    }
                    plans.append((self.moment(day), steward, data))
        for leader in self.org.leaders:
            enterprises = list(
                Enterprise.objects.filter(
                    responsibility__leader=leader,
                    responsibility__relation=Responsibility.Relation.LIAISON,
                ).order_by("pk")
            )
            for enterprise in enterprises[:2]:
                day = date(2024, self.rng.choice((3, 4, 5)), self.rng.randint(1, 28))
                findings = self.rng.choice(LEADER_FINDINGS).format(n=self.rng.randint(5, 30))
                data = {
                    "date": self.clock.frame(workday(day)),
                    "enterprise": enterprise,
                    "findings": findings,
                }
                plans.append((self.moment(day), leader, data))
        plans.sort(key=lambda p: p[0])
        for moment, visitor, data in plans:
            yield moment
            visit_log(by=visitor, data=data)

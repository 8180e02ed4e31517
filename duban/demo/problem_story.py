"""The problem stories' scheduler, and the times and people every story step uses."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from duban.demo.calendar import STORY_TODAY, DemoCalendar, StoryClock
from duban.demo.people import Organisation
from duban.demo.problem_catalogue import MeetingSpec, ProblemSpec
from duban.ledger.models import WorkItem
from duban.org.models import Enterprise, Responsibility, Unit, User
from duban.problems.models import Meeting, Problem, ProblemSettings

FIRST_DAY = date(2023, 5, 1)  # the first story day (the daily escalation run starts here)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def workday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def close_out_day(day: date) -> date:
    """The month's close-out (按月销号): its last working day, or next month's if past it."""
    first = day.replace(day=1)
    for _ in range(2):
        nxt = (first + timedelta(days=32)).replace(day=1)
        last = nxt - timedelta(days=1)
        while last.weekday() >= 5:
            last -= timedelta(days=1)
        if day <= last:
            return last
        first = nxt
    return day


@dataclass(frozen=True)
class ProblemSpecs:
    """The catalogue's problems and meetings on the calendar (texts' years moved)."""

    problems: list[ProblemSpec]
    meetings: list[MeetingSpec]
    calendar: DemoCalendar


@dataclass
class Story:
    spec: ProblemSpec | None
    item: WorkItem | None
    problem: Problem = field(init=False)

    @property
    def lead(self) -> Unit:
        assert self.problem.lead_unit is not None  # noqa: S101 - read after hand-out
        return self.problem.lead_unit


class StoryScheduler:
    """Runs the stories in story order; what every story step asks: times and people."""

    def __init__(
        self, org: Organisation, rng: random.Random, clock: StoryClock, specs: ProblemSpecs
    ) -> None:
        self.org = org
        self.specs = specs
        self.rng = rng
        self.clock = clock
        self.office = org.office_user
        self.leaders = {u.username: u for u in org.leaders}
        self.by_key: dict[str, Story] = {}
        self.for_meeting: dict[str, list[Story]] = {}
        self.meetings: dict[str, Meeting] = {}
        # The story's today, or now when the week's shift left today's evening ahead.
        self.end = min(at(STORY_TODAY, 18), clock.story_now())
        self._heap: list[tuple[datetime, int, Iterator[datetime]]] = []
        self._seq = itertools.count()
        self.rules = ProblemSettings.load()

    # -- the scheduler --------------------------------------------------------------------

    def start(self, story: Iterator[datetime]) -> None:
        first = next(story, None)
        if first is not None and first <= self.end:
            heapq.heappush(self._heap, (first, next(self._seq), story))

    # -- times ----------------------------------------------------------------------------

    def moment(self, day: date, after: datetime | None = None) -> datetime:
        """A working-hours time on `day` (moved to a weekday), later than `after`."""
        day = workday(day)
        t = at(day, self.rng.randint(8, 16), self.rng.randint(0, 59))
        if after is not None and t <= after:
            t = after + timedelta(minutes=self.rng.randint(15, 90))
        return t

    def days_after(self, t: datetime, low: int, high: int | None = None) -> datetime:
        return self.moment(t.date() + timedelta(days=self.rng.randint(low, high or low)), t)

    # -- who ------------------------------------------------------------------------------

    def member(self, unit: Unit) -> User:
        """Reporters do most of the writing; heads sometimes do it themselves."""
        if self.rng.random() < 0.25:
            return self.org.heads[unit.code]
        return self.org.reporters[unit.code]

    def liaison_leader(self, enterprise: Enterprise) -> User:
        return Responsibility.objects.get(
            enterprise=enterprise, relation=Responsibility.Relation.LIAISON
        ).leader

    def item(self, name: str, year: int) -> WorkItem:
        """The item named `name` of `year` (the calendar year of the step), else of the nearest
        year the demo's ledger holds it."""
        items = WorkItem.objects.select_related("project", "steward", "lead_unit").filter(
            title=name
        )
        found = sorted(items, key=lambda i: (abs(i.year - year), -i.year))
        if not found:
            raise WorkItem.DoesNotExist(name)
        return found[0]

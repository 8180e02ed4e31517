"""The demo's calendar: its story is anchored to the day it is built.

The catalogue (catalogue.py, problem_catalogue.py) is written as a story of two years, 2023 and
2024, told on 12 June 2024, when May's reports are coming in. A `DemoCalendar` places that
story on the day the demo is built (`clock.today()`):

- the reporting period is last month (its reports are due on the 5th of this month); the demo's
  "this year" is that period's year and "last year" the one before. On 1–31 January this year
  is therefore last calendar year (the new list is not handed out yet), so last year is always
  complete and closed month by month;
- the ledger's story years move by whole years (2023 → last year, 2024 → this year), and its
  monthly reports run to the reporting period;
- the problem loop's story (May 2023 – June 2024) moves by a whole number of weeks, so that its
  "today" falls in the week up to yesterday (weekdays, and the days between steps that the
  escalation rules count, are kept; the next meeting falls in the coming week);
- years written in the catalogue's text ("2023年", "〔2024〕", "2024年4月") move with them.

Every step of a story runs at its moment with `duban.core.clock` set there (`StoryClock`), so
the services stamp the story's times themselves; nothing is backdated afterwards. A step whose
moment has not come yet (after "now") does not happen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from duban.core import clock
from duban.core.periods import Period
from duban.demo.problem_catalogue import MeetingSpec, ProblemSpec

STORY_YEAR = 2024
STORY_TODAY = date(2024, 6, 12)  # the problem loop's story is told on this day
# "2024年4月" (a month: moves with the problem loop), or "2023年", "〔2024〕" (a year).
_YEARS = re.compile(r"(20[12]\d)(?:年(\d{1,2})月|(?=年|〕|\)))")

PROBLEM_TEXTS = ("on", "title", "description", "request", "resolution", "note", "decision", "again")
MEETING_TEXTS = ("title", "number", "behind_decision", "minutes")


@dataclass(frozen=True)
class DemoCalendar:
    today: date

    @classmethod
    def of(cls, today: date | None = None) -> DemoCalendar:
        return cls(today or clock.today())

    @property
    def period(self) -> Period:
        """The reporting period: last month, whose reports are due on the 5th of this one."""
        return Period.of(self.today).previous()

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def last_year(self) -> int:
        return self.year - 1

    @property
    def shift_years(self) -> int:
        return self.year - STORY_YEAR

    def y(self, story_year: int) -> int:
        """A catalogue year (2021–2027) on the demo's calendar."""
        return story_year + self.shift_years

    def day(self, story_day: date) -> date:
        """A ledger story day (2023–2024) on the demo's calendar: the same day, years moved."""
        year = self.y(story_day.year)
        if story_day.month == 2 and story_day.day == 29:
            return date(year, 2, 28)
        return story_day.replace(year=year)

    @property
    def problem_shift(self) -> timedelta:
        """Whole weeks from the problem story's day to the week up to yesterday (so the
        story's last day is over whatever the hour of the build)."""
        return timedelta(days=((self.today - STORY_TODAY).days - 1) // 7 * 7)

    def problem_spec(self, spec: ProblemSpec) -> ProblemSpec:
        texts: dict[str, Any] = {f: self.text(getattr(spec, f)) for f in PROBLEM_TEXTS}
        return replace(spec, **texts)

    def meeting_spec(self, spec: MeetingSpec) -> MeetingSpec:
        texts: dict[str, Any] = {f: self.text(getattr(spec, f)) for f in MEETING_TEXTS}
        return replace(spec, **texts)

    def text(self, text: str) -> str:
        """Catalogue text with its years on the demo's calendar."""

        def move(m: re.Match[str]) -> str:
            if m.group(2) is None:
                return str(self.y(int(m.group(1))))
            day = date(int(m.group(1)), int(m.group(2)), 25) + self.problem_shift
            return f"{day.year}年{day.month}月"

        return _YEARS.sub(move, text)


@dataclass
class StoryClock:
    """Runs story steps at their moments on `duban.core.clock`.

    `shift` moves a story moment onto the calendar (zero for the ledger, whose dates are
    already placed; whole weeks for the problem loop). The clock the build started under (real
    time, or a test's `clock.travel`) is "now": a step after it does not happen, and `done()`
    puts that clock back.
    """

    shift: timedelta = timedelta(0)
    outer: timedelta | None = None  # the clock's offset when the build began

    def __post_init__(self) -> None:
        if self.outer is None:
            self.outer = clock.now() - timezone.now()

    def shifted(self, shift: timedelta) -> StoryClock:
        """The same "now", with story moments moved by `shift`."""
        return StoryClock(shift=shift, outer=self.outer)

    def now(self) -> datetime:
        """Now, as the clock read when the build began (and has ticked since)."""
        return timezone.now() + (self.outer or timedelta(0))

    def frame(self, story_day: date) -> date:
        """The calendar day of a story day."""
        return story_day + self.shift

    def story_now(self) -> datetime:
        return self.now() - self.shift

    def tick(self, story_moment: datetime) -> bool:
        """Set the clock to the story moment; False (clock unchanged) when it is still ahead."""
        moment = story_moment + self.shift
        if moment > self.now():
            return False
        clock.set_offset(moment - timezone.now())
        return True

    def done(self) -> None:
        clock.set_offset(self.outer or timedelta(0))


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))

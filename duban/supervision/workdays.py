"""Working days on the Chinese public holiday calendar, with its adjusted working days (调休).

The calendar is the `chinesecalendar` package (the State Council's yearly notices, kept up to
date by its maintainers); upgrade it each December when the next year's notice is out. For a
year the package does not know yet, Monday to Friday are counted as working days.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day (a 调休 Saturday is; a holiday weekday is not)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        logger.warning("workdays.year_unknown", extra={"year": day.year})
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (start itself not counted)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day

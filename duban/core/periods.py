"""Year-month periods (报告期) and the dates that hang off them."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from duban.core import clock
from duban.core.errors import ApplicationError

# A month's short name, as a row of month links or a table's head says it: 3月, or Mar.
MONTH_SHORT = (
    pgettext_lazy("month short", "1月"),
    pgettext_lazy("month short", "2月"),
    pgettext_lazy("month short", "3月"),
    pgettext_lazy("month short", "4月"),
    pgettext_lazy("month short", "5月"),
    pgettext_lazy("month short", "6月"),
    pgettext_lazy("month short", "7月"),
    pgettext_lazy("month short", "8月"),
    pgettext_lazy("month short", "9月"),
    pgettext_lazy("month short", "10月"),
    pgettext_lazy("month short", "11月"),
    pgettext_lazy("month short", "12月"),
)

_PERIOD_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ApplicationError(_("月份必须在1到12之间：%(m)s") % {"m": self.month})
        if not 1900 <= self.year <= 2200:
            raise ApplicationError(_("年份不合理：%(y)s") % {"y": self.year})

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD_RE.match(text or "")
        if not match:
            raise ApplicationError(_("报告期格式应为 YYYY-MM（如 2024-03）：%(t)s") % {"t": text})
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, value: date | datetime) -> Period:
        if isinstance(value, datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        return cls(value.year, value.month)

    @classmethod
    def current(cls) -> Period:
        return cls.of(clock.today())

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return _("%(y)s年%(m)s月") % {"y": self.year, "m": self.month}

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def next(self) -> Period:
        return Period(self.year + (self.month == 12), self.month % 12 + 1)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    def due_date(self, due_day: int) -> date:
        """The day reports for this period are due: `due_day` of the next month (clamped)."""
        nxt = self.next()
        day = min(max(due_day, 1), calendar.monthrange(nxt.year, nxt.month)[1])
        return date(nxt.year, nxt.month, day)

    def months_of_year_until(self) -> range:
        return range(1, self.month + 1)

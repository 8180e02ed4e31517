"""Dates as offices write them, with their precision (day, month, quarter, year).

2024年3月5日, 2024年3月, 2024年3月底, 2024.03, 2024.3, 2024-03, 2024/3/5, 202403, 2024年一季度,
3月底 (the year from context), Excel serial numbers (epoch 1899-12-30) and real date cells.
Words such as 长期, 已完成, 待定 are not dates. A float such as 2024.1 may be a 2024.10 whose
trailing zero Excel dropped: it reads as January with a warning.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from django.utils.translation import gettext as _

from duban.sheets.errors import CellValueError
from duban.sheets.values import clean_text, is_blank

EXCEL_EPOCH = date(1899, 12, 30)
# Serials from 1954 to 2119: outside that a number in a date column is something else.
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
NOT_DATES = frozenset({"长期", "已完成", "待定", "持续推进", "常态化", "年底前", "年内", "按期"})


class Precision(Enum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True)
class DateValue:
    """A date read from a cell: `first`..`last` is the span the text names."""

    first: date
    last: date
    precision: Precision
    mangled: bool = False  # a float like 2024.1 that may have been 2024.10

    @classmethod
    def day(cls, d: date) -> DateValue:
        return cls(d, d, Precision.DAY)

    @classmethod
    def month(cls, year: int, month: int, *, mangled: bool = False) -> DateValue:
        _check_month(month)
        last = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last), Precision.MONTH, mangled)

    @classmethod
    def month_end(cls, year: int, month: int) -> DateValue:
        """ "3月底": the last day, but only month precision."""
        _check_month(month)
        end = date(year, month, calendar.monthrange(year, month)[1])
        return cls(end, end, Precision.MONTH)

    @classmethod
    def quarter(cls, year: int, q: int) -> DateValue:
        first = date(year, 3 * q - 2, 1)
        last_month = 3 * q
        last = date(year, last_month, calendar.monthrange(year, last_month)[1])
        return cls(first, last, Precision.QUARTER)

    @classmethod
    def year(cls, year: int) -> DateValue:
        return cls(date(year, 1, 1), date(year, 12, 31), Precision.YEAR)


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise CellValueError(_("月份%(month)s不存在") % {"month": month})


def _check_year(year: int) -> int:
    if not 1950 <= year <= 2100:
        raise CellValueError(_("年份%(year)s不合理") % {"year": year})
    return year


def _make_day(year: int, month: int, day: int) -> DateValue:
    _check_month(month)
    try:
        return DateValue.day(date(_check_year(year), month, day))
    except ValueError:
        raise CellValueError(
            _("%(year)s年%(month)s月没有%(day)s日") % {"year": year, "month": month, "day": day}
        ) from None


_FULL = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*[日号]?$")
_MONTH = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*(月份?)?\s*(底|末|前|中旬|上旬|下旬|初)?$")
_YEAR_MONTH_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_YEAR_MONTH_DAY_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})\s*年?\s*(?:第\s*)?([一二三四1-4])\s*季度?(?:末|底)?$")
_QUARTER_Q = re.compile(r"^(\d{4})\s*[-\s]?Q([1-4])$", re.IGNORECASE)
_YEAR_ONLY = re.compile(r"^(\d{4})\s*年?\s*(底|末|前|内)?$")
_MONTH_NO_YEAR = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})?\s*[日号]?\s*(底|末|前|初)?$")
_HALF = re.compile(r"^(\d{4})\s*年?\s*(上|下)半年$")


def date_value(value: Any, *, year: int | None = None) -> DateValue | None:
    """Read a date cell; `year` fills in forms such as 3月底. None for a blank cell."""
    if isinstance(value, datetime):
        return DateValue.day(value.date())
    if isinstance(value, date):
        return DateValue.day(value)
    if isinstance(value, bool):
        raise CellValueError(_("不是日期"))
    if isinstance(value, int | float):
        return _number_date(value)
    if is_blank(value):
        return None
    text = clean_text(value).replace(" ", "")
    if text in NOT_DATES:
        raise CellValueError(_("不是具体日期，请填写年月（如2024年3月）"))
    return _text_date(text, year)


def _number_date(value: float) -> DateValue:
    if float(value).is_integer():
        n = int(value)
        if 1950 <= n <= 2100:
            return DateValue.year(n)
        if 195001 <= n <= 210012:
            return DateValue.month(_check_year(n // 100), n % 100)
        if 19500101 <= n <= 21001231:
            return _make_day(n // 10000, n // 100 % 100, n % 100)
        if _SERIAL_MIN <= n <= _SERIAL_MAX:
            return DateValue.day(EXCEL_EPOCH + timedelta(days=n))
        raise CellValueError(_("数字无法识别为日期"))
    if _SERIAL_MIN <= value <= _SERIAL_MAX:
        # A serial with a time of day.
        return DateValue.day(EXCEL_EPOCH + timedelta(days=int(value)))
    text = repr(float(value))
    match = re.fullmatch(r"(\d{4})\.(\d{1,2})", text)
    if not match:
        raise CellValueError(_("数字无法识别为日期"))
    year, month = int(match.group(1)), int(match.group(2))
    # Excel stores 2024.10 as 2024.1: a ".1" may be October.
    return DateValue.month(_check_year(year), month, mangled=match.group(2) == "1")


def _text_date(text: str, year: int | None) -> DateValue:
    if m := _FULL.match(text):
        return _make_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _MONTH.match(text):
        y, mo = _check_year(int(m.group(1))), int(m.group(2))
        if m.group(4) in ("底", "末"):
            return DateValue.month_end(y, mo)
        return DateValue.month(y, mo)
    if m := _YEAR_MONTH_DAY_COMPACT.match(text):
        return _make_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _YEAR_MONTH_COMPACT.match(text):
        return DateValue.month(_check_year(int(m.group(1))), int(m.group(2)))
    if (m := _QUARTER.match(text)) or (m := _QUARTER_Q.match(text)):
        return DateValue.quarter(_check_year(int(m.group(1))), _CN_DIGITS[m.group(2)])
    if m := _HALF.match(text):
        y = _check_year(int(m.group(1)))
        if m.group(2) == "上":
            return DateValue(date(y, 1, 1), date(y, 6, 30), Precision.QUARTER)
        return DateValue(date(y, 7, 1), date(y, 12, 31), Precision.QUARTER)
    if m := _YEAR_ONLY.match(text):
        y = _check_year(int(m.group(1)))
        if m.group(2) in ("底", "末"):
            return DateValue(date(y, 12, 31), date(y, 12, 31), Precision.YEAR)
        return DateValue.year(y)
    if m := _MONTH_NO_YEAR.match(text):
        if year is None:
            raise CellValueError(_("缺少年份，且无法从标题得知年份"))
        mo = int(m.group(1))
        if m.group(2):
            return _make_day(year, mo, int(m.group(2)))
        if m.group(3) in ("底", "末"):
            return DateValue.month_end(year, mo)
        return DateValue.month(year, mo)
    raise CellValueError(_("无法识别为日期（可写2024年3月5日、2024年3月、2024.03、2024年一季度）"))


def serial_of(d: date) -> int:
    """The Excel serial number of a date (for tests and writers)."""
    return (d - EXCEL_EPOCH).days

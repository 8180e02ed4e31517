"""Chinese number and date forms used in lists and bulletins (CONVENTIONS §4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core.money import quantize


def date_cn(value: date | None) -> str:
    """2024年3月5日: no zero padding."""
    if value is None:
        return ""
    return _("%(y)s年%(m)s月%(d)s日") % {"y": value.year, "m": value.month, "d": value.day}


def join_items(items: Iterable[str]) -> str:
    """A list the way the active language writes it: 甲、乙 / A, B."""
    return pgettext("list separator", "、").join(items)


def join_clauses(items: Iterable[str]) -> str:
    """Clauses the way the active language separates them: 甲；乙 / A; B."""
    return pgettext("clause separator", "；").join(items)


def gap_phrase(gap_pp: Decimal | None) -> str:
    """'超序时进度2.5个百分点' / '低于序时进度1.6个百分点' / '与序时进度持平'."""
    if gap_pp is None:
        return ""
    shown = quantize(abs(gap_pp), 1)
    if shown == 0:
        return _("与序时进度持平")
    if gap_pp > 0:
        return _("超序时进度%(n)s个百分点") % {"n": shown}
    return _("低于序时进度%(n)s个百分点") % {"n": shown}

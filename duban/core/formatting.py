"""Chinese number and date forms used in lists and bulletins (CONVENTIONS §4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from duban.core.money import quantize


def date_cn(value: date | None) -> str:
    """2024年3月5日: no zero padding."""
    if value is None:
        return ""
    return _("%(y)s年%(m)s月%(d)s日") % {"y": value.year, "m": value.month, "d": value.day}


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

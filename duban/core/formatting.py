"""Chinese number and date forms used in lists and bulletins (CONVENTIONS §4)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core.money import HUNDRED, quantize, wan_to_yi


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


def gap_phrase(gap_pp: Decimal | None, style: FigureStyle | None = None) -> str:
    """'超序时进度2.5个百分点' / '低于序时进度1.6个百分点' / '与序时进度持平'."""
    if gap_pp is None:
        return ""
    shown = quantize(abs(gap_pp), 1)
    if shown == 0:
        return _("与序时进度持平")
    n = number_text(shown, style) if style is not None else str(shown)
    if gap_pp > 0:
        return _("超序时进度%(n)s个百分点") % {"n": n}
    return _("低于序时进度%(n)s个百分点") % {"n": n}


# -- figures as the office writes them (CONVENTIONS §4, issue 11) ---------------------------
#
# Every number is rounded once, half-up, from its unrounded value; the words around it
# (增长/下降, 倍, 个百分点, 分别, measure words) are chosen from the unrounded sign and the
# rounded size, so a figure never reads "增长-5%" or "增长0.0%".


@dataclass(frozen=True)
class FigureStyle:
    """How one office writes its figures.

    drop_zeros: 46.20亿元 → 46.2亿元, 130.0% → 130% (most offices do).
    times_from_100: growth of 100% or more written as 倍 (130% → 增长1.3倍).
    """

    drop_zeros: bool = True
    times_from_100: bool = False
    yi_places: int = 2
    pct_places: int = 1


@cache
def office_style() -> FigureStyle:
    """How this office writes its figures, from its settings (`DUBAN_FIGURES_DROP_ZEROS`,
    `DUBAN_FIGURES_TIMES_FROM_100`): what every text uses unless given a style. Read once."""
    return FigureStyle(
        drop_zeros=getattr(settings, "DUBAN_FIGURES_DROP_ZEROS", True),
        times_from_100=getattr(settings, "DUBAN_FIGURES_TIMES_FROM_100", False),
    )


@receiver(setting_changed)
def _style_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("DUBAN_FIGURES_"):
        office_style.cache_clear()


# Measure words by what is counted.
MEASURE_WORDS = {
    "project": "个",
    "item": "项",
    "task": "项",
    "problem": "项",
    "demand": "项",
    "enterprise": "家",
    "institution": "所",
    "leader": "位",
    "unit": "个",
    "batch": "批",
    "time": "次",
    "piece": "件",
    "day": "天",
}


def number_text(value: Decimal, style: FigureStyle | None = None) -> str:
    """An already-rounded number: 46.20 → '46.2' when the style drops trailing zeros."""
    style = style or office_style()
    if value == 0:
        value = abs(value)  # never "-0.0"
    text = format(value, "f")
    if style.drop_zeros and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def yi_text(wan: Decimal, style: FigureStyle | None = None) -> str:
    """万元 as 亿元 with two decimals: 462000 → '46.2亿元'."""
    style = style or office_style()
    return _("%(n)s亿元") % {"n": number_text(quantize(wan_to_yi(wan), style.yi_places), style)}


def wan_text(wan: Decimal, style: FigureStyle | None = None) -> str:
    """An amount below 1亿 as the office writes it: '3500万元'."""
    style = style or office_style()
    return _("%(n)s万元") % {"n": number_text(quantize(wan, 2), style)}


def money_text(wan: Decimal, style: FigureStyle | None = None) -> str:
    """亿元 from 1亿 up, 万元 below."""
    return yi_text(wan, style) if abs(wan) >= 10000 else wan_text(wan, style)


def pct_text(pct: Decimal, style: FigureStyle | None = None) -> str:
    """A percentage to one decimal, half-up: '36.4%'."""
    style = style or office_style()
    return number_text(quantize(pct, style.pct_places), style) + "%"


def count_text(n: int, what: str = "project") -> str:
    """A count with its measure word: 30个, 70项, 197家, 114次, 1351件."""
    return f"{n}{MEASURE_WORDS.get(what, what)}"


def _size_text(pct: Decimal, style: FigureStyle) -> str:
    """The size of a change without its direction: '36.4%' or, from 100% up, '1.3倍'."""
    size = abs(pct)
    if style.times_from_100 and quantize(size, style.pct_places) >= HUNDRED:
        return _("%(n)s倍") % {"n": number_text(quantize(size / HUNDRED, 2), style)}
    return pct_text(size, style)


def _direction(pct: Decimal, style: FigureStyle) -> str:
    if quantize(abs(pct), style.pct_places) == 0:
        return "flat"
    return "up" if pct > 0 else "down"


def growth_text(pct: Decimal | None, style: FigureStyle | None = None) -> str:
    """A change against a base: '增长36.4%', '下降5.0%', '增长1.3倍', '持平'; '' when None."""
    style = style or office_style()
    if pct is None:
        return ""
    direction = _direction(pct, style)
    if direction == "flat":
        return _("持平")
    if direction == "up":
        return _("增长%(n)s") % {"n": _size_text(pct, style)}
    return _("下降%(n)s") % {"n": _size_text(pct, style)}


def points_text(diff_pp: Decimal | None, style: FigureStyle | None = None) -> str:
    """A difference of two rates: '提高2.5个百分点', '下降1.6个百分点', '持平'."""
    style = style or office_style()
    if diff_pp is None:
        return ""
    shown = quantize(abs(diff_pp), style.pct_places)
    if shown == 0:
        return _("持平")
    n = number_text(shown, style)
    if diff_pp > 0:
        return _("提高%(n)s个百分点") % {"n": n}
    return _("下降%(n)s个百分点") % {"n": n}


def growth_pair_text(
    changes: Sequence[Decimal],
    style: FigureStyle | None = None,
    subjects: Sequence[str] | None = None,
) -> str:
    """Changes of paired figures: '分别增长36.4%、130%'. When they differ in sign, each is said
    with what it measures, split (CONVENTIONS §4): '重点项目数增长36.4%，累计完成投资下降5%';
    without `subjects`, '分别增长36.4%、下降5%'.

    One change is written alone ('增长36.4%'); all flat: '均持平'."""
    style = style or office_style()
    if len(changes) == 1:
        return growth_text(changes[0], style)
    directions = {_direction(c, style) for c in changes}
    if directions == {"flat"}:
        return _("均持平")
    if directions == {"up"}:
        return _("分别增长%(list)s") % {"list": join_items(_size_text(c, style) for c in changes)}
    if directions == {"down"}:
        return _("分别下降%(list)s") % {"list": join_items(_size_text(c, style) for c in changes)}
    if subjects is not None and len(subjects) == len(changes):
        return pgettext("clauses", "，").join(
            _("%(subject)s%(change)s") % {"subject": subject, "change": growth_text(c, style)}
            for subject, c in zip(subjects, changes, strict=True)
        )
    return _("分别%(list)s") % {"list": join_items(growth_text(c, style) for c in changes)}

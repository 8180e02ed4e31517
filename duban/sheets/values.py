"""Cell values as offices type them: numbers with separators, blanks and dashes, percents, 是/否.

Each normaliser takes what python-calamine returns for a cell (str, float, int, bool, date,
datetime, or "" for an empty cell) and returns a typed value or None for "no value"; it raises
CellValueError with a reason (translated only then) when the cell holds something that isn't such a value.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from django.utils.translation import gettext as _

from duban.core.money import quantize
from duban.core.text import strip_controls
from duban.sheets.errors import CellValueError

# What offices write for "nothing here".
BLANKS = frozenset({"", "—", "——", "-", "--", "/", "无", "暂无", "空", "－", "–", "N/A", "n/a"})
TRUE_WORDS = frozenset({"是", "√", "✓", "✔", "已开工", "已完成", "已竣工", "已入统", "已列统", "y", "yes", "1", "true", "已办结", "对"})  # fmt: skip
FALSE_WORDS = frozenset({"否", "×", "✗", "✘", "未开工", "未完成", "未竣工", "未入统", "n", "no", "0", "false", "正在办理", "未办结"})  # fmt: skip
_SEPARATORS = re.compile(r"[,，\s\u3000']")
_MONEY_PLACES = 4
_ABSURD = Decimal(10) ** 15  # beyond any district's ledger in any unit, and Decimal's precision


class MoneyUnit(Enum):
    """The unit a money column is written in, and what one of it is in 万元."""

    YUAN = "元"
    WAN = "万元"
    YI = "亿元"

    @property
    def in_wan(self) -> Decimal:
        return _IN_WAN[self.value]


_IN_WAN = {"元": Decimal("0.0001"), "万元": Decimal(1), "亿元": Decimal(10000)}


def clean_text(value: Any) -> str:
    """A cell as text: NFKC (full-width letters, digits and brackets to ASCII), trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    return strip_controls(unicodedata.normalize("NFKC", str(value))).strip()


_LONGEST_BLANK = max(len(b) for b in BLANKS)


def is_blank(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, str):
        # Most cells are longer than any blank word: skip the normalisation for them.
        if len(value) > _LONGEST_BLANK + 4 and not value[0].isspace():
            return False
        return clean_text(value).replace(" ", "") in BLANKS
    return False


def text_value(value: Any) -> str:
    """Free text (形象进度, 存在问题…): kept as typed apart from trimming; dashes mean empty."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    return strip_controls(str(value)).strip()


def number_value(value: Any) -> Decimal | None:
    """A number: separators (, ， spaces) stripped; blanks and dashes → None."""
    if isinstance(value, bool):
        raise CellValueError(_("应为数字，而不是逻辑值"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellValueError(_("不是有效数字"))
        # repr gives the shortest text that round-trips: 8200.5 stays 8200.5.
        return Decimal(repr(value))
    if isinstance(value, date | datetime | time):
        raise CellValueError(_("应为数字，而不是日期"))
    if is_blank(value):
        return None
    text = _SEPARATORS.sub("", clean_text(value))
    if text.startswith("(") and text.endswith(")"):
        text = "-" + text[1:-1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellValueError(_("不是数字")) from None
    if not number.is_finite():
        raise CellValueError(_("不是有效数字"))
    return number


def money_value(value: Any, unit: MoneyUnit) -> Decimal | None:
    """An amount in `unit`, converted to 万元 and rounded half-up to four decimals (one yuan)."""
    text = clean_text(value) if isinstance(value, str) else ""
    for suffix in (MoneyUnit.YI, MoneyUnit.WAN, MoneyUnit.YUAN):
        # A cell such as "1.2亿元" or "3000万元" says its own unit.
        if text.endswith(suffix.value) and text != suffix.value:
            unit, value = suffix, text[: -len(suffix.value)]
            break
    number = number_value(value)
    if number is None:
        return None
    if number < 0:
        raise CellValueError(_("金额不能为负数"))
    if number >= _ABSURD:
        raise CellValueError(_("金额大得不合理，请核对"))
    wan = number if unit is MoneyUnit.WAN else number * unit.in_wan
    exponent = wan.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_MONEY_PLACES:
        wan = quantize(wan, _MONEY_PLACES)
    return wan


def percent_value(value: Any, *, cell_is_percent: bool = False) -> Decimal | None:
    """A percentage as a number of percent (27.3 for 27.3%).

    A cell formatted as percent holds the fraction (0.273); text may carry its own "%".
    """
    if isinstance(value, str):
        text = clean_text(value).replace(" ", "")
        if text.endswith("%"):
            number = number_value(text[:-1])
            return number
        if text.endswith("‰"):
            number = number_value(text[:-1])
            return None if number is None else number / 10
    number = number_value(value)
    if number is None:
        return None
    if abs(number) >= _ABSURD:
        raise CellValueError(_("百分比大得不合理，请核对"))
    return number * 100 if cell_is_percent else number


def bool_value(value: Any) -> bool | None:
    """是/√/已开工/Y/1 → True; 否/×/未开工/N/0/blank → False; anything else raises.

    Returns None only for an empty cell, so callers can tell "not said" from "否".
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = clean_text(value).replace(" ", "").lower()
    if text in ("", "—", "-", "/", "无"):
        return False
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellValueError(_("应为“是”或“否”（也可写√、×、已开工、未开工）"))

"""The monthly report validator: one set of checks for the form, the API and every import.

Each check returns the message a person can act on; the services raise it, the imports put
it on the row, and the form's figure cards refuse to count an amount it refuses.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from duban.core.dates import date_problem as plausible_date_problem
from duban.core.formatting import date_cn
from duban.core.money import amount_text
from duban.core.services import field_label
from duban.ledger.models import Indicator
from duban.reporting.models import MonthlyReport

AMOUNT_FIELDS = ("investment_month", "funds_month")


def max_amount() -> Decimal:
    return Decimal(settings.DUBAN_MAX_AMOUNT)


def amount_problem(
    field: str, value: Decimal | None, *, total_investment: Decimal | None = None
) -> str | None:
    """Why a month's amount (万元) is refused, or None: negative, absurd, above the total."""
    if value is None:
        return None
    label = field_label(MonthlyReport, field)
    if not value.is_finite():
        return _("%(f)s不是有效的数字。") % {"f": label}
    if value < 0:
        return _("%(f)s不能为负数：%(v)s") % {"f": label, "v": amount_text(value)}
    cap = max_amount()
    if value > cap:
        return _("%(f)s%(v)s万元不合理（超过%(c)s万元），请核对金额单位是否为万元。") % {
            "f": label,
            "v": amount_text(value),
            "c": amount_text(cap),
        }
    if field == "investment_month" and total_investment is not None and value > total_investment:
        return _("本月完成投资%(v)s万元超过项目总投资%(t)s万元，请核对金额单位是否为万元。") % {
            "v": amount_text(value),
            "t": amount_text(total_investment),
        }
    return None


def date_problem(field: str, value: date | None, *, period_end: date, today: date) -> str | None:
    """Why a day the report gives (started, entered the statistics) is refused, or None."""
    return _day_problem(
        field_label(MonthlyReport, field), value, period_end=period_end, today=today
    )


def reached_problem(name: str, value: date | None, *, period_end: date, today: date) -> str | None:
    """Why the day the report says node `name` was reached is refused, or None."""
    return _day_problem(
        _("节点“%(n)s”的完成日期") % {"n": name}, value, period_end=period_end, today=today
    )


def _day_problem(label: str, value: date | None, *, period_end: date, today: date) -> str | None:
    # Something that happened by the end of the month reported, and within the range every
    # date a person writes keeps (duban.core.dates).
    if value and (value > today or value > period_end):
        return _("%(f)s%(d)s晚于报告期末或今天。") % {"f": label, "d": date_cn(value)}
    return plausible_date_problem(value, label=label, happened=True)


COUNT_UNITS = frozenset(
    [
        "个",
        "家",
        "项",
        "人",
        "次",
        "件",
        "户",
        "座",
        "台",
        "套",
        "栋",
        "所",
        "处",
        "条",
        "宗",
        "批",
        "场",
        "期",
        "名",
        "人次",
        "户次",
        "家次",
    ]
)


def indicator_value_kind(indicator: Indicator) -> str:
    """How an indicator's values are checked: its kind, or else read from its unit."""
    if indicator.value_kind:
        return indicator.value_kind
    uom = (indicator.unit_of_measure or "").strip()
    if uom in ("%", "％", "百分比"):
        return Indicator.ValueKind.PERCENT
    if uom in COUNT_UNITS:
        return Indicator.ValueKind.COUNT
    return Indicator.ValueKind.QUANTITY


def indicator_value_problem(indicator: Indicator, value: Decimal | None) -> str | None:
    """Why a value is refused for this indicator: a count or quantity below zero, a
    percentage outside 0–100 (a rate may be negative or above 100)."""
    if value is None:
        return None
    if not value.is_finite():
        return _("指标“%(n)s”的完成值不是有效的数字。") % {"n": indicator.name}
    kind = indicator_value_kind(indicator)
    shown = {"n": indicator.name, "v": amount_text(value), "u": indicator.unit_of_measure}
    if kind in (Indicator.ValueKind.COUNT, Indicator.ValueKind.QUANTITY) and value < 0:
        return _("指标“%(n)s”的完成值不能为负数：%(v)s%(u)s") % shown
    if kind == Indicator.ValueKind.PERCENT and not Decimal(0) <= value <= Decimal(100):
        return _("指标“%(n)s”是百分比，完成值应在0到100之间：%(v)s") % shown
    return None

"""Template filters for figures, dates and periods, so every page formats them the same way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import template
from django.http import QueryDict

from duban.core.formatting import date_cn
from duban.core.money import fmt_pct, fmt_wan, fmt_yi, quantize, to_decimal
from duban.core.periods import MONTH_SHORT, Period

register = template.Library()


@register.filter
def wan(value: Any) -> str:
    """An amount in 万元 with two decimals (half-up); '—' when missing."""
    return fmt_wan(to_decimal(value))


@register.filter
def yi(value: Any) -> str:
    """An amount stored in 万元 shown in 亿元 with two decimals."""
    return fmt_yi(to_decimal(value))


@register.filter
def pct(value: Any) -> str:
    """A percentage with one decimal (half-up); '—' when missing."""
    return fmt_pct(to_decimal(value))


@register.filter
def pp(value: Any) -> str:
    """A difference of percentages in points, signed, one decimal: '+2.5', '-1.6', '0.0'."""
    number = to_decimal(value)
    if number is None:
        return "—"
    shown = quantize(number, 1)
    if shown == 0:
        return "0.0"
    return f"+{shown}" if shown > 0 else f"{shown}"


@register.filter
def light_class(light: Any) -> str:
    """The CSS class of a light computed by the progress core (the colours are decided there)."""
    return f"light-{light}" if light in ("green", "yellow", "red") else ""


@register.inclusion_tag("web/partials/_light.html")
def light_badge(progress: Any, reasons: bool = False) -> dict[str, Any]:
    """A light's dot and name, with its reasons as the tooltip (or listed when `reasons`)."""
    return {"p": progress, "show_reasons": reasons}


@register.filter
def cn_date(value: date | None) -> str:
    return date_cn(value)


@register.filter
def period_label(value: Period | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        value = Period.parse(value)
    return value.label


@register.filter
def bar_width(value: Any, maximum: Any = 100) -> str:
    """A width in % for a CSS bar, clamped to 0–100."""
    number, top = to_decimal(value), to_decimal(maximum)
    if number is None or not top:
        return "0"
    share = max(Decimal(0), min(Decimal(100), number * 100 / top))
    return str(quantize(share, 1))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    if mapping is None:
        return None
    return mapping.get(key)


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, page: int) -> str:
    """The current query string with `page` replaced, for paging links that keep the filters."""
    request = context["request"]
    query: QueryDict = request.GET.copy()
    query["page"] = str(page)
    return "?" + query.urlencode()


@register.filter
def month_short(month: int) -> str:
    """A month's short name (3月, Mar); anything but 1–12 as it is."""
    try:
        return str(MONTH_SHORT[int(month) - 1]) if 1 <= int(month) <= 12 else str(month)
    except (TypeError, ValueError):
        return str(month)

"""Exact figures: money in 万元 as Decimal, rates from unrounded values, half-up display."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
HUNDRED = Decimal("100")
WAN_PER_YI = Decimal("10000")


def to_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # Through str so 0.1 stays 0.1 and not its binary expansion.
        value = repr(value)
    try:
        return Decimal(str(value).replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        return None


def quantize(value: Decimal, places: int) -> Decimal:
    """Round half-up (never banker's rounding) to `places` decimals."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def ratio_pct(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """numerator / denominator × 100, unrounded; None when the denominator is missing or 0."""
    if numerator is None or not denominator:
        return None
    return numerator * HUNDRED / denominator


def wan_to_yi(value: Decimal) -> Decimal:
    return value / WAN_PER_YI


def fmt_wan(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    return f"{quantize(value, places):,}"


def fmt_yi(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    return f"{quantize(wan_to_yi(value), places):,}"


def fmt_pct(value: Decimal | None, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{quantize(value, places)}%"


def amount_text(value: Decimal) -> str:
    """An amount as people write it: 1,400,000,000 or 12.5 (never 1.4E+9 or 12.5000)."""
    return format(value.normalize(), ",f")

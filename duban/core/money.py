"""Exact figures: money in 万元 as Decimal, rates from unrounded values, half-up display."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal("0")
HUNDRED = Decimal("100")
WAN_PER_YI = Decimal("10000")


def unsigned_zero(value: Decimal) -> Decimal:
    """−0 as 0 (its places kept): "-0" typed in a form, sent as JSON or read from a sheet, or
    a small negative rounded to nothing, is stored, echoed and shown without its sign. The one
    home of the rule: parsing (`to_decimal`), rounding (`quantize`) and every validated model
    write (`core.services.full_clean_or_raise`) call it."""
    return value.copy_abs() if value.is_zero() else value


def to_decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return unsigned_zero(value)
    if isinstance(value, float):
        # Through str so 0.1 stays 0.1 and not its binary expansion.
        value = repr(value)
    try:
        return unsigned_zero(Decimal(str(value).replace(",", "").replace("，", "").strip()))
    except InvalidOperation:
        return None


def quantize(value: Decimal, places: int) -> Decimal:
    """Round half-up (never banker's rounding) to `places` decimals; −0.00 comes out 0.00."""
    return unsigned_zero(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


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

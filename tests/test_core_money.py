"""Negative zero: "-0" typed, sent or rounded is a plain 0 wherever a decimal is read, rounded
or written (duban.core.money.unsigned_zero)."""

from __future__ import annotations

from decimal import Decimal

from duban.core.api.schemas import _decimal_str, _four_places
from duban.core.money import fmt_pct, quantize, to_decimal, unsigned_zero
from duban.ledger.services import work_item_update


def test_unsigned_zero_drops_the_sign_of_zero_only():
    assert str(unsigned_zero(Decimal("-0"))) == "0"
    assert str(unsigned_zero(Decimal("-0.00"))) == "0.00"
    assert str(unsigned_zero(Decimal("-0.01"))) == "-0.01"
    assert str(unsigned_zero(Decimal("12.5"))) == "12.5"


def test_parsing_and_rounding_never_give_minus_zero():
    assert str(to_decimal("-0")) == "0"
    assert str(to_decimal(Decimal("-0.0"))) == "0.0"
    assert str(to_decimal(-0.0)) == "0.0"
    assert str(quantize(Decimal("-0.00001"), 4)) == "0.0000"
    assert fmt_pct(Decimal("-0.01")) == "0.0%"
    assert _four_places(Decimal("-0.00004")) == "0.0000"
    assert _decimal_str(Decimal("-0")) == "0"


def test_a_validated_write_stores_minus_zero_as_zero(district):
    # given / when: the annual plan sent as "-0" (a form or the API parses it to Decimal("-0"))
    item = work_item_update(
        item=district.item_a, version=1, data={"annual_plan": Decimal("-0.0000")}
    )
    # then: the object the service returns (and echoes) and the row hold 0
    assert str(item.annual_plan) == "0.0000"
    item.refresh_from_db()
    assert item.annual_plan == 0 and not item.annual_plan.is_signed()

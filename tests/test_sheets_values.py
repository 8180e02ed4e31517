"""Value normalisers: every form of CONVENTIONS §1, exact Decimals, and hypothesis properties."""

from __future__ import annotations

import contextlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.sheets.dates import DateValue, Precision, date_value, serial_of
from duban.sheets.errors import CellValueError
from duban.sheets.values import (
    MoneyUnit,
    bool_value,
    money_value,
    number_value,
    percent_value,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("125,000", Decimal("125000")),
        ("125，000.5", Decimal("125000.5")),
        (" 8 200.5 ", Decimal("8200.5")),
        (8200.5, Decimal("8200.5")),
        (0.1, Decimal("0.1")),
        (12000, Decimal("12000")),
        ("１２３", Decimal("123")),
        ("", None),
        ("—", None),
        ("/", None),
        ("无", None),
        ("暂无", None),
        ("-", None),
    ],
)
def test_number_value_reads_office_forms(raw, expected):
    assert number_value(raw) == expected


@pytest.mark.parametrize("raw", ["约100", "abc", "1.2.3", True])
def test_number_value_rejects_non_numbers(raw):
    with pytest.raises(CellValueError):
        number_value(raw)


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        (1.25, MoneyUnit.YI, Decimal("12500")),
        ("3,000", MoneyUnit.WAN, Decimal("3000")),
        (1234567, MoneyUnit.YUAN, Decimal("123.4567")),
        (1234567.89, MoneyUnit.YUAN, Decimal("123.4568")),
        ("1.2亿元", MoneyUnit.WAN, Decimal("12000.0")),
        ("500万元", MoneyUnit.YI, Decimal("500")),
    ],
)
def test_money_value_converts_to_wan(raw, unit, expected):
    assert money_value(raw, unit) == expected


def test_money_value_refuses_absurd_amounts():
    with pytest.raises(CellValueError, match="不合理"):
        money_value(1e26, MoneyUnit.WAN)


def test_money_value_refuses_negative_amounts():
    with pytest.raises(CellValueError, match="负数"):
        money_value(-5, MoneyUnit.WAN)


@pytest.mark.parametrize(
    ("raw", "cell_pct", "expected"),
    [
        (27.3, False, Decimal("27.3")),
        (0.273, True, Decimal("27.300")),
        ("27.3%", False, Decimal("27.3")),
        ("27.3 %", False, Decimal("27.3")),
        ("", False, None),
    ],
)
def test_percent_value_forms(raw, cell_pct, expected):
    assert percent_value(raw, cell_is_percent=cell_pct) == expected


@pytest.mark.parametrize("raw", ["是", "√", "✓", "已开工", "已完成", "Y", "y", 1, "1", True])
def test_bool_value_true_words(raw):
    assert bool_value(raw) is True


@pytest.mark.parametrize("raw", ["否", "×", "未开工", "N", 0, "0", "—", False])
def test_bool_value_false_words(raw):
    assert bool_value(raw) is False


def test_bool_value_empty_cell_is_not_said():
    assert bool_value("") is None


@pytest.mark.parametrize("raw", ["部分开工", "待定", 2])
def test_bool_value_flags_anything_else(raw):
    with pytest.raises(CellValueError):
        bool_value(raw)


@pytest.mark.parametrize(
    ("raw", "first", "last", "precision"),
    [
        ("2024年3月5日", date(2024, 3, 5), date(2024, 3, 5), Precision.DAY),
        ("2024年3月", date(2024, 3, 1), date(2024, 3, 31), Precision.MONTH),
        ("2024年3月底", date(2024, 3, 31), date(2024, 3, 31), Precision.MONTH),
        ("2024.03", date(2024, 3, 1), date(2024, 3, 31), Precision.MONTH),
        ("2024.3", date(2024, 3, 1), date(2024, 3, 31), Precision.MONTH),
        ("2024-03", date(2024, 3, 1), date(2024, 3, 31), Precision.MONTH),
        ("2024/3/5", date(2024, 3, 5), date(2024, 3, 5), Precision.DAY),
        ("202403", date(2024, 3, 1), date(2024, 3, 31), Precision.MONTH),
        (202403, date(2024, 3, 1), date(2024, 3, 31), Precision.MONTH),
        ("2024年一季度", date(2024, 1, 1), date(2024, 3, 31), Precision.QUARTER),
        ("2024年第三季度", date(2024, 7, 1), date(2024, 9, 30), Precision.QUARTER),
        ("3月底", date(2024, 3, 31), date(2024, 3, 31), Precision.MONTH),
        ("2024年", date(2024, 1, 1), date(2024, 12, 31), Precision.YEAR),
        (2024, date(2024, 1, 1), date(2024, 12, 31), Precision.YEAR),
        (45356, date(2024, 3, 5), date(2024, 3, 5), Precision.DAY),
        (45356.0, date(2024, 3, 5), date(2024, 3, 5), Precision.DAY),
        (
            datetime(2024, 3, 5),  # noqa: DTZ001 — a naive cell value, as calamine gives
            date(2024, 3, 5),
            date(2024, 3, 5),
            Precision.DAY,
        ),
        (date(2024, 3, 5), date(2024, 3, 5), date(2024, 3, 5), Precision.DAY),
        (2024.11, date(2024, 11, 1), date(2024, 11, 30), Precision.MONTH),
    ],
)
def test_date_value_reads_every_form_with_its_precision(raw, first, last, precision):
    value = date_value(raw, year=2024)
    assert (value.first, value.last, value.precision) == (first, last, precision)
    assert value.mangled is False


def test_date_value_flags_a_float_that_may_have_lost_its_zero():
    value = date_value(2024.1, year=2024)
    assert value == DateValue.month(2024, 1, mangled=True)


@pytest.mark.parametrize("raw", ["长期", "已完成", "待定", "2024年13月", "2024年2月30日", "下个月"])
def test_date_value_rejects_non_dates(raw):
    with pytest.raises(CellValueError):
        date_value(raw, year=2024)


def test_date_value_needs_a_year_for_month_only_text():
    with pytest.raises(CellValueError, match="年份"):
        date_value("3月底", year=None)


def test_date_value_blank_is_none():
    assert date_value("—") is None
    assert date_value("") is None


# Properties ---------------------------------------------------------------------------

decimals = st.decimals(
    min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False
)


@given(decimals)
def test_number_value_reads_back_any_grouped_decimal(value):
    # given a number written with thousands separators, as offices type it
    text = f"{value:,}"
    # when / then
    assert number_value(text) == value
    assert number_value(text.replace(",", "，")) == value


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_number_value_of_a_float_is_its_shortest_repr(value):
    assert number_value(value) == Decimal(repr(value))


@given(decimals)
def test_money_in_yi_is_ten_thousand_wan(value):
    assert money_value(value, MoneyUnit.YI) == value * 10000


@given(st.text(max_size=12))
def test_normalisers_raise_only_value_problem(text):
    for fn in (number_value, bool_value, percent_value, lambda v: date_value(v, year=2024)):
        with contextlib.suppress(CellValueError):
            fn(text)


@given(st.dates(min_value=date(1955, 1, 1), max_value=date(2099, 12, 31)))
def test_date_value_reads_serials_and_iso_text_to_the_same_day(day):
    assert date_value(serial_of(day)).first == day
    assert date_value(f"{day.year}年{day.month}月{day.day}日").first == day
    assert date_value(f"{day.year}/{day.month}/{day.day}").first == day


@given(st.integers(min_value=1950, max_value=2100), st.integers(min_value=1, max_value=12))
def test_date_value_month_forms_agree(year, month):
    expected = DateValue.month(year, month)
    assert date_value(f"{year}年{month}月") == expected
    assert date_value(f"{year}-{month:02d}") == expected
    assert date_value(f"{year}{month:02d}") == expected

"""The Chinese figure formatter (issue 11 §3): rounded once half-up from unrounded values,
增长/下降 from the sign, 倍 from 100%, 个百分点 for rates, 分别 for pairs, measure words."""

from __future__ import annotations

import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from duban.core.formatting import (
    FigureStyle,
    count_text,
    gap_phrase,
    growth_pair_text,
    growth_text,
    money_text,
    number_text,
    pct_text,
    points_text,
    yi_text,
)
from duban.core.money import quantize

KEEP = FigureStyle(drop_zeros=False)
TIMES = FigureStyle(times_from_100=True)

amounts = st.decimals(
    min_value=Decimal("-10000000"), max_value=Decimal("10000000"), places=4, allow_nan=False
)
pcts = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=6)
styles = st.builds(FigureStyle, drop_zeros=st.booleans(), times_from_100=st.booleans())
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _numbers(text: str) -> list[Decimal]:
    return [Decimal(n) for n in NUMBER.findall(text)]


# -- examples as the office writes them ------------------------------------------------------


def test_examples_from_published_sentences():
    assert yi_text(Decimal("462000")) == "46.2亿元"
    assert yi_text(Decimal("462000"), KEEP) == "46.20亿元"
    assert yi_text(Decimal("1836400")) == "183.64亿元"
    assert growth_pair_text([Decimal("36.36"), Decimal("130")]) == "分别增长36.4%、130%"
    assert growth_text(Decimal("130"), TIMES) == "增长1.3倍"
    assert growth_text(Decimal("-5"), KEEP) == "下降5.0%"
    assert growth_text(Decimal("-5")) == "下降5%"
    assert pct_text(Decimal("100")) == "100%"
    assert points_text(Decimal("2.45")) == "提高2.5个百分点"
    assert points_text(Decimal("-1.64")) == "下降1.6个百分点"
    assert gap_phrase(Decimal("2.0"), FigureStyle()) == "超序时进度2个百分点"
    assert gap_phrase(Decimal("-1.64")) == "低于序时进度1.6个百分点"
    assert count_text(30) == "30个"
    assert count_text(70, "problem") == "70项"
    assert count_text(197, "enterprise") == "197家"
    assert count_text(114, "time") == "114次"
    assert count_text(1351, "piece") == "1351件"
    assert money_text(Decimal("3500")) == "3500万元"


def test_half_up_not_bankers():
    assert pct_text(Decimal("0.25")) == "0.3%"
    assert pct_text(Decimal("0.35")) == "0.4%"
    assert yi_text(Decimal("125"), KEEP) == "0.01亿元"  # 0.0125 → 0.01; 0.0125 is not a tie
    assert yi_text(Decimal("150"), KEEP) == "0.02亿元"  # 0.015 → 0.02 (half-up)


def test_flat_and_negative_zero():
    assert growth_text(Decimal("-0.04")) == "持平"
    assert growth_text(Decimal("0.04")) == "持平"
    assert points_text(Decimal("-0.01")) == "持平"
    assert number_text(Decimal("-0.0")) == "0"
    assert growth_pair_text([Decimal("0"), Decimal("0.01")]) == "均持平"
    assert growth_pair_text([Decimal("10"), Decimal("-5")], KEEP) == "分别增长10.0%、下降5.0%"
    assert growth_text(None) == ""


# -- properties --------------------------------------------------------------------------------


@given(pcts, styles)
def test_growth_never_signed_and_rounded_once(pct, style):
    text = growth_text(pct, style)
    assert "-" not in text
    assert not text.startswith("增长0%") and "增长0.0%" not in text
    shown = quantize(abs(pct), 1)
    if shown == 0:
        assert text == "持平"
        return
    assert text.startswith("增长" if pct > 0 else "下降")
    (n,) = _numbers(text)
    if text.endswith("倍"):
        assert style.times_from_100 and shown >= 100
        assert n == quantize(abs(pct) / 100, 2)
    else:
        assert text.endswith("%")
        assert n == shown


@given(amounts, styles)
def test_yi_is_the_half_up_rounding_of_the_exact_amount(wan, style):
    text = yi_text(wan, style)
    assert text.endswith("亿元")
    (n,) = _numbers(text)
    assert n == quantize(wan / 10000, 2)
    assert abs(n * 10000 - wan) <= 50
    digits = text.removesuffix("亿元")
    if style.drop_zeros:
        assert not ("." in digits and digits.endswith("0")) and not digits.endswith(".")
    else:
        assert re.fullmatch(r"-?\d+\.\d\d", digits)


@given(pcts, styles)
def test_points_direction_follows_the_sign(diff, style):
    text = points_text(diff, style)
    assert "-" not in text
    if quantize(abs(diff), 1) == 0:
        assert text == "持平"
    else:
        assert text.startswith("提高" if diff > 0 else "下降") and text.endswith("个百分点")
        assert _numbers(text) == [quantize(abs(diff), 1)]


@given(st.lists(pcts, min_size=2, max_size=4), styles)
def test_pairs_say_each_change_in_order(changes, style):
    text = growth_pair_text(changes, style)
    assert "-" not in text
    shown = [quantize(abs(c), 1) for c in changes]
    if all(s == 0 for s in shown):
        assert text == "均持平"
        return
    assert text.startswith("分别")
    numbers = _numbers(text)
    flat = [i for i, s in enumerate(shown) if s == 0]
    assert len(numbers) == len(changes) - len(flat)
    assert text.count("、") == len(changes) - 1


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["project", "problem", "time"]))
def test_counts_keep_their_measure_word(n, what):
    text = count_text(n, what)
    assert text.startswith(str(n)) and text[len(str(n)) :] in "个项次"


def test_texts_without_a_style_follow_the_offices_settings(settings):
    assert yi_text(Decimal("462000")) == "46.2亿元"
    assert growth_text(Decimal("130")) == "增长130%"
    settings.DUBAN_FIGURES_DROP_ZEROS = False
    settings.DUBAN_FIGURES_TIMES_FROM_100 = True
    assert yi_text(Decimal("462000")) == "46.20亿元"
    assert growth_text(Decimal("130")) == "增长1.30倍"
    assert growth_pair_text([Decimal("36.36"), Decimal("130")]) == "分别增长36.4%、1.30倍"
    settings.DUBAN_FIGURES_DROP_ZEROS = True
    assert growth_text(Decimal("130")) == "增长1.3倍"


def test_a_pair_of_mixed_signs_is_split_with_its_subjects():
    subjects = ["重点项目数", "累计完成投资"]
    mixed = [Decimal("33.33"), Decimal("-72")]
    assert growth_pair_text(mixed, subjects=subjects) == "重点项目数增长33.3%，累计完成投资下降72%"
    assert growth_pair_text(mixed) == "分别增长33.3%、下降72%"
    same = [Decimal("36.36"), Decimal("130")]
    assert growth_pair_text(same, subjects=subjects) == "分别增长36.4%、130%"

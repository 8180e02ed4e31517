"""Derived figures: exact decimals from unrounded values, with and without a plan curve."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from duban.core.formatting import gap_phrase
from duban.core.money import fmt_pct, quantize
from duban.core.periods import Period
from duban.ledger.services import work_item_set_plan_curve
from duban.reporting.models import MonthlyReport
from duban.reporting.progress import item_figures_from_months, time_progress_pct
from duban.reporting.selectors import progress_for_item, progress_for_items
from tests import factories as f


def test_figures_without_curve_use_straight_line():
    # given: plan 12000, Jan–Mar 1000 + 2000 + 500.5
    monthly = {1: Decimal("1000"), 2: Decimal("2000"), 3: Decimal("500.5")}
    # when
    fig = item_figures_from_months(
        month=3, annual_plan=Decimal("12000"), prior_cumulative=Decimal("8000"), monthly=monthly
    )
    # then
    assert fig.ytd_investment == Decimal("3500.5")
    assert fig.since_start == Decimal("11500.5")
    assert fig.completion_pct == Decimal("3500.5") * 100 / Decimal("12000")
    assert fig.time_progress_pct == Decimal(25)
    assert quantize(fig.gap_pp, 1) == Decimal("4.2")  # 29.170833… − 25
    assert fig.gap_text == "超序时进度4.2个百分点"
    assert not fig.uses_plan_curve


def test_figures_with_curve_use_cumulative_plan():
    # given: a northern curve, nothing planned in Jan–Mar, 1200 in April
    curve = {m: Decimal(0) for m in range(1, 13)}
    curve.update(
        {
            4: Decimal("1200"),
            5: Decimal("2400"),
            6: Decimal("2400"),
            7: Decimal("2400"),
            8: Decimal("1800"),
            9: Decimal("1200"),
            10: Decimal("600"),
        }
    )
    monthly = {4: Decimal("900")}
    # when
    fig = item_figures_from_months(
        month=4,
        annual_plan=Decimal("12000"),
        prior_cumulative=Decimal(0),
        monthly=monthly,
        plan_curve=curve,
    )
    # then: 序时 = 1200/12000 = 10%, completion 7.5%, gap −2.5 pp
    assert fig.time_progress_pct == Decimal(10)
    assert fig.completion_pct == Decimal("7.5")
    assert fig.gap_pp == Decimal("-2.5")
    assert fig.gap_text == "低于序时进度2.5个百分点"
    assert fig.uses_plan_curve


def test_gap_rounds_half_up_from_unrounded_value():
    # 1/3 months of 12 → 8.333…% time progress; completion 8.35% → gap 0.01666 → 0.0
    assert gap_phrase(Decimal("0.05")) == "超序时进度0.1个百分点"  # half-up, not banker's
    assert gap_phrase(Decimal("-0.04")) == "与序时进度持平"
    assert fmt_pct(Decimal("27.25")) == "27.3%"


def test_figures_without_annual_plan_have_no_rate():
    fig = item_figures_from_months(
        month=6, annual_plan=None, prior_cumulative=Decimal(0), monthly={1: Decimal(5)}
    )
    assert fig.completion_pct is None and fig.gap_pp is None
    assert fig.time_progress_pct == Decimal(50)


@given(st.integers(min_value=1, max_value=12))
def test_time_progress_straight_line_is_m_over_12(month):
    assert time_progress_pct(month, Decimal(100), None) * 12 == Decimal(month) * 100


def test_annotated_figures_match_row_by_row_figures(db):
    # given: an item with a curve, counted and uncounted reports
    item = f.WorkItemFactory(annual_plan=Decimal("1200"))
    work_item_set_plan_curve(item=item, version=item.version, amounts=[Decimal(100)] * 12)
    f.ReportFactory(work_item=item, month=1, investment_month=Decimal("80.25"))
    f.ReportFactory(
        work_item=item, month=2, investment_month=Decimal("120"), state=MonthlyReport.State.ACCEPTED
    )
    f.ReportFactory(
        work_item=item, month=3, investment_month=Decimal("999"), state=MonthlyReport.State.DRAFT
    )
    f.ReportFactory(
        work_item=item, month=4, investment_month=Decimal("777"), state=MonthlyReport.State.RETURNED
    )
    # when
    fig = progress_for_items(type(item).objects.filter(pk=item.pk), Period(2024, 3))[
        item.pk
    ].figures
    direct = progress_for_item(item, Period(2024, 3)).figures
    # then: drafts and returned reports don't count
    assert fig.ytd_investment == direct.ytd_investment == Decimal("200.25")
    assert fig.time_progress_pct == direct.time_progress_pct == Decimal(25)
    assert fig.completion_pct == direct.completion_pct == Decimal("200.25") * 100 / Decimal(1200)
    assert fig.investment_month is None  # March is a draft

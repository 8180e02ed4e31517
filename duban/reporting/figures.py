"""Derived figures of a work item for a month: computed here, in one place, from unrounded values.

- 本年累计 = the year's counted monthly figures up to the month;
- 开工以来累计 = 以前年度累计 + 本年累计;
- 完成率 = 本年累计 / 年度计划 × 100;
- 序时进度 = cumulative plan curve / annual plan × 100 when a curve exists, else m / 12 × 100;
- gap = 完成率 − 序时进度, in percentage points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from duban.core.formatting import gap_phrase
from duban.core.money import HUNDRED, ratio_pct


def time_progress_pct(
    month: int, annual_plan: Decimal | None, cumulative_plan: Decimal | None
) -> Decimal:
    """序时进度 (in %) for `month`: the plan curve when given, else the straight line m/12."""
    if cumulative_plan is not None and annual_plan:
        return cumulative_plan * HUNDRED / annual_plan
    return Decimal(month) * HUNDRED / Decimal(12)


@dataclass(frozen=True)
class ItemFigures:
    month: int
    investment_month: Decimal | None
    ytd_investment: Decimal
    since_start: Decimal
    annual_plan: Decimal | None
    completion_pct: Decimal | None
    time_progress_pct: Decimal
    gap_pp: Decimal | None
    uses_plan_curve: bool

    @property
    def gap_text(self) -> str:
        return gap_phrase(self.gap_pp)


def item_figures(
    *,
    month: int,
    annual_plan: Decimal | None,
    prior_cumulative: Decimal,
    ytd: Decimal,
    investment_month: Decimal | None,
    cumulative_plan: Decimal | None,
) -> ItemFigures:
    """Figures for `month` from the year-to-date total and the cumulative plan (None: no curve)."""
    completion = ratio_pct(ytd, annual_plan)
    progress = time_progress_pct(month, annual_plan, cumulative_plan)
    return ItemFigures(
        month=month,
        investment_month=investment_month,
        ytd_investment=ytd,
        since_start=prior_cumulative + ytd,
        annual_plan=annual_plan,
        completion_pct=completion,
        time_progress_pct=progress,
        gap_pp=None if completion is None else completion - progress,
        uses_plan_curve=cumulative_plan is not None and bool(annual_plan),
    )


def item_figures_from_months(
    *,
    month: int,
    annual_plan: Decimal | None,
    prior_cumulative: Decimal,
    monthly: Mapping[int, Decimal | None],
    plan_curve: Mapping[int, Decimal] | None = None,
) -> ItemFigures:
    """Figures for `month` from each month's counted amount and the optional monthly plan."""
    ytd = sum((v for m, v in monthly.items() if m <= month and v is not None), Decimal(0))
    cumulative_plan = None
    if plan_curve:
        cumulative_plan = sum((v for m, v in plan_curve.items() if m <= month), Decimal(0))
    return item_figures(
        month=month,
        annual_plan=annual_plan,
        prior_cumulative=prior_cumulative,
        ytd=ytd,
        investment_month=monthly.get(month),
        cumulative_plan=cumulative_plan,
    )

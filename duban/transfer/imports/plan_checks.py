"""Row checks that are about values, not references: what the database would refuse, dates in
order, completed investment against the total."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _

from duban.core.dates import date_problem
from duban.core.services import field_label
from duban.ledger.models import WorkItem
from duban.ledger.services import WORK_ITEM_DATES
from duban.transfer.imports.plan_row import RowPlan
from duban.transfer.imports.rows import RowInput

# Completed this many times the total investment: yuan typed into a 万元 column, not a
# total that went stale.
YUAN_SLIP_RATIO = 1000

# Which sheet column a model field came from, to point an error at the right cell.
SOURCE_COLUMN = {
    "title": "name",
    "name": "name",
    "location": "location",
    "content_scale": "content",
    "source": "source",
    "prior_cumulative": "since_start",
    "investment_month": "ytd_investment",
    "progress_pct": "progress_pct",
}


@lru_cache(maxsize=256)
def _max_length(model: type[Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def limits(ri: RowInput, model: type[Model], proposed: dict[str, Any], cap: Decimal) -> None:
    """What the database would refuse, said about the cell: too long, too large, out of range."""
    for name, value in proposed.items():
        if isinstance(value, str):
            max_length = _max_length(model, name)
            if max_length and len(value) > max_length:
                column = SOURCE_COLUMN.get(name, name)
                ri.error(
                    column,
                    _("超过%(limit)s个字（共%(length)s个字）")
                    % {"limit": max_length, "length": len(value)},
                )
        elif isinstance(value, Decimal) and value > cap and name != "progress_pct":
            column = SOURCE_COLUMN.get(name, name)
            ri.error(
                column,
                _("%(amount)s万元大得不合理，请核对金额单位是否为万元")
                % {"amount": f"{value.normalize():f}"},
            )
    pct = proposed.get("progress_pct")
    if pct is not None and not 0 <= pct <= 100:
        ri.error("progress_pct", _("形象进度百分比应在0到100之间"))


def item_dates_check(ri: RowInput, proposed: dict[str, Any], item: Model | None) -> None:
    """A day out of range (duban.core.dates: the ledger's rule), finish before start,
    planned or actual: an error on the column."""

    def get(name: str) -> Any:
        return proposed.get(name, getattr(item, name, None) if item else None)

    for name in WORK_ITEM_DATES:
        problem = date_problem(proposed.get(name), label=field_label(WorkItem, name))
        if problem:
            ri.error(name, problem)

    if (
        get("planned_start")
        and get("planned_finish")
        and get("planned_finish") < get("planned_start")
    ):
        ri.error("planned_finish", _("计划完成时间早于计划开工时间"))
    if get("actual_start") and get("actual_finish") and get("actual_finish") < get("actual_start"):
        ri.error("actual_finish", _("实际完成时间早于实际开工时间"))


def completed_within_total(rp: RowPlan) -> None:
    """Completed above the total: the total went stale (a warning), unless the ratio says
    yuan were typed into a 万元 column (an error)."""
    ri = rp.input
    total = rp.project_changes.get("total_investment") or (
        rp.project.total_investment if rp.project else None
    )
    figures = [
        (name, value)
        for name, value in (
            ("since_start", ri.since_start),
            ("ytd_investment", ri.ytd),
            ("month_investment", ri.month_amount),
        )
        if value is not None
    ]
    if not total or total <= 0 or not figures:
        return
    column, completed = max(figures, key=lambda f: f[1])
    if completed <= total:
        return
    shown = {"amount": f"{completed.normalize():f}", "total": f"{total.normalize():f}"}
    if completed >= total * YUAN_SLIP_RATIO:
        ri.error(
            column,
            _(
                "完成投资%(amount)s万元是总投资%(total)s万元的上千倍，"
                "像是把“元”填进了“万元”列，请核对金额单位"
            )
            % shown,
        )
    else:
        ri.warn(
            column,
            _("完成投资%(amount)s万元已超过总投资%(total)s万元，总投资可能需要更新") % shown,
        )

"""Helpers for the supervision tests: issue a prompt, close months with chosen lights."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from duban.core.periods import Period
from duban.org.models import Unit
from duban.reporting.models import MonthClose
from duban.supervision.models import Prompt, PromptItem


def issued_prompt(
    unit: Unit,
    *,
    items: list,
    number: str = "测督提〔2024〕1号",
    reply_due: date = date(2024, 4, 10),
    kind: str = "warning",
    state: str = "issued",
) -> Prompt:
    p = Prompt.objects.create(
        kind=kind,
        year=2024,
        month=4,
        unit=unit,
        drafted_on=date(2024, 4, 3),
        state=state,
        number=number,
        reply_due=reply_due,
    )
    for item in items:
        PromptItem.objects.create(
            prompt=p,
            work_item=item,
            reason="behind",
            reason_text="低于序时进度25个百分点",
            figures={
                "ytd": "0",
                "annual_plan": "12000",
                "completion_pct": "0",
                "gap_pp": str(Decimal(-25)),
            },
        )
    return p


def close_of(period: Period) -> MonthClose:
    return MonthClose.objects.get(year=period.year, month=period.month)

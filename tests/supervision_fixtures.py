"""Helpers for the supervision tests: issue a prompt, close months with chosen lights, the
district as the supervision pages and API find it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from duban.core.periods import Period
from duban.org.models import Unit
from duban.reporting.models import MonthClose, MonthlyReport
from duban.reporting.services import month_close
from duban.supervision.models import CardRules, Prompt, PromptItem
from duban.supervision.services.prompts import prompt_batch_draft, prompt_issue
from tests import factories as f


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


def supervised_district(d: Any, *, node_due_soon: bool = True) -> Any:
    """The `district` fixture with the office's card rules, the warning prompts issued, two
    items past their finish, item_a reported on time and accepted for January to March and
    those months closed; with `node_due_soon`, a node of item_a planned in early April and
    the 临期 prompts drafted."""
    CardRules.objects.create(several_red=2, red_item_months=2, note="DOMAIN")
    prompt_issue(
        prompts={p.pk: p.version for p in prompt_batch_draft(kind=Prompt.Kind.WARNING)}, by=d.office
    )
    if node_due_soon:
        f.MilestoneFactory(work_item=d.item_a, name="主体封顶", planned_date=date(2024, 4, 8))
        prompt_batch_draft(kind=Prompt.Kind.DUE_SOON)
    for item in (d.item_b, d.item_x):
        item.planned_finish = date(2023, 12, 31)
        item.save()
    on_time = datetime(2024, 1, 31, tzinfo=UTC)
    for m in (1, 2, 3):
        f.ReportFactory(
            work_item=d.item_a,
            month=m,
            investment_month=Decimal(1000),
            state=MonthlyReport.State.ACCEPTED,
            submitted_at=on_time,
            first_submitted_at=on_time,
        )
        month_close(period=Period(2024, m), by=d.office)
    return d

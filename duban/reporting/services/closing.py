"""The monthly close: a closed month's reports lock for good and its figures and lights freeze.

Closing month M computes, in one transaction, every item's figures and light for M (the
progress core) and each unit's counts, and stores them as snapshots; pages, exports and the
API read a closed month from them, never recomputed. There is no reopening. A correction of a
closed month's report is an office act with a reason: the snapshot keeps what was published
and the corrected figures count from the next open month, where the correction is listed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.bulk import gc_paused, insert_many
from duban.core.errors import ApplicationError
from duban.core.history import change_reason, recorded_as_by
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.org.models import User
from duban.reporting.models import (
    ItemSnapshot,
    MonthClose,
    MonthlyReport,
    ReportCorrection,
    UnitSnapshot,
)
from duban.reporting.progress import ReportStatus
from duban.reporting.selectors.live_progress import stored_values
from duban.reporting.selectors.progress import compute_progress, rules_in_force
from duban.reporting.services.base import _lock, period_is_closed
from duban.reporting.signals import month_closed

logger = logging.getLogger(__name__)
S = MonthlyReport.State


@dataclass(frozen=True)
class CloseBlocker:
    report_id: int
    item_title: str
    unit_name: str
    state_label: str


def month_close_blockers(period: Period) -> list[CloseBlocker]:
    """The reports that keep `period` from closing: waiting for sign-off or for review."""
    rows = (
        MonthlyReport.objects.filter(
            year=period.year, month=period.month, state__in=[S.SUBMITTED, S.PENDING_SIGNOFF]
        )
        .select_related("work_item__lead_unit")
        .order_by("work_item__lead_unit__sort_order", "work_item_id")
    )
    return [
        CloseBlocker(r.pk, r.work_item.title, r.work_item.lead_unit.name, r.get_state_display())
        for r in rows
    ]


def month_close_refusal(period: Period) -> str | None:
    """Why `period` cannot be closed now, or None."""
    if period_is_closed(period):
        return _("%(p)s已经关账。") % {"p": period.label}
    if period >= Period.current():
        return _("%(p)s尚未结束，不能关账。") % {"p": period.label}
    pending = MonthlyReport.objects.filter(
        year=period.year, month=period.month, state__in=[S.SUBMITTED, S.PENDING_SIGNOFF]
    ).count()
    if pending:
        return _("%(p)s还有%(n)s份月报待审签或待审核，请先处理后再关账。") % {
            "p": period.label,
            "n": pending,
        }
    return None


def _items_of(period: Period) -> Any:
    return WorkItem.objects.filter(year=period.year).exclude(status=WorkItem.Status.DRAFT)


@transaction.atomic
@recorded_as_by
def month_close(*, period: Period, by: User) -> MonthClose:
    """Close a month and freeze its figures and lights; refuses a month not yet over, one
    already closed, one with reports waiting, and a second office closing it at once."""
    if not by.is_office:
        raise ApplicationError(_("只有推进办可以关账。"), code="forbidden")
    refusal = month_close_refusal(period)
    if refusal:
        raise ApplicationError(refusal)
    rules, rules_row = rules_in_force()
    today = clock.today()
    close = MonthClose(year=period.year, month=period.month, closed_by=by, rules=rules_row)
    try:
        # The row first: a second office closing the same month waits here, then is told.
        with transaction.atomic():
            close.save()
    except IntegrityError as e:
        raise ApplicationError(
            _("%(p)s刚刚已由他人关账。") % {"p": period.label}, code="conflict"
        ) from e
    items = _items_of(period)
    progress = compute_progress(items, period, today=today, rules=rules)
    units = dict(items.values_list("pk", "lead_unit_id"))
    snaps = []
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for pk, p in progress.items():
        snaps.append(
            {
                "close_id": close.pk,
                "work_item_id": pk,
                "year": period.year,
                "month": period.month,
                "lead_unit_id": units[pk],
                **stored_values(p),
            }
        )
        c = counts[units[pk]]
        c["items"] += 1
        c[str(p.light)] += 1
        c["reports_due"] += 1
        c[_REPORT_COUNT[p.report]] += 1
    # Twenty thousand rows in one go: the bulk writer the imports use (no history: a
    # snapshot is written once and never changed).
    with gc_paused():
        insert_many(ItemSnapshot, snaps)
    UnitSnapshot.objects.bulk_create(
        [
            UnitSnapshot(close=close, unit_id=unit_id, year=period.year, month=period.month, **c)
            for unit_id, c in counts.items()
        ],
        batch_size=2000,
    )
    total: dict[str, int] = defaultdict(int)
    for c in counts.values():
        for k, v in c.items():
            total[k] += v
    close.as_of = min(today, period.next().last_day)
    close.summary = {"units": len(counts), **total}
    close.save(update_fields=["as_of", "summary", "updated_at"])
    # The apps above (supervision's cards, assessment's events…) compute from the frozen month
    # in the same transaction.
    month_closed.send(sender=MonthClose, close=close, by=by)
    logger.info("month.closed", extra={"period": str(period), "by": by.pk, "items": len(snaps)})
    return close


_REPORT_COUNT = {
    ReportStatus.ON_TIME: "on_time",
    ReportStatus.LATE: "late",
    ReportStatus.MISSING: "missing",
    # A closed month's reports are all due; "not due" cannot happen, but count it as missing.
    ReportStatus.NOT_DUE: "missing",
}

CORRECTABLE_FIELDS = ("investment_month", "funds_month", "progress_text", "progress_pct")


def _first_open_after(period: Period) -> Period | None:
    p = period.next()
    while p.year == period.year and p <= Period.current():
        if not period_is_closed(p):
            return p
        p = p.next()
    if p.year == period.year:
        return p
    return None


@transaction.atomic
@recorded_as_by
def report_correct(
    *,
    report: MonthlyReport,
    by: User,
    version: int,
    reason: str,
    values: Mapping[str, Any],
) -> ReportCorrection:
    """Correct a report of a closed month (office only, with a reason).

    The closed month's snapshot is not touched: the corrected figures count from the next
    open month of the same year. Refuses an open month (edit the report instead), a year
    with no open month left, an empty reason or no change.
    """
    if not by.is_office:
        raise ApplicationError(_("只有推进办可以更正已关账月份的月报。"), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写更正原因。"), field="reason")
    if not period_is_closed(report.period):
        raise ApplicationError(_("%(p)s尚未关账，请直接修改月报。") % {"p": report.period.label})
    counted_from = _first_open_after(report.period)
    if counted_from is None:
        raise ApplicationError(
            _("%(y)s年各月均已关账，更正无处计入；请在次年台账中调整以前年度累计。")
            % {"y": report.year}
        )
    locked = _lock(report, version)
    if locked.state not in (S.SUBMITTED, S.ACCEPTED):
        raise ApplicationError(_("只能更正已报送或已采纳的月报。"), code="transition")
    unknown = set(values) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("不能更正这些字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    from duban.reporting.services.filling import validate_report_values

    old = {k: _json(getattr(locked, k)) for k in values}
    for k, v in values.items():
        setattr(locked, k, v)
    validate_report_values(locked)
    new = {k: _json(getattr(locked, k)) for k in values}
    if old == new:
        raise ApplicationError(_("更正内容与原值相同，没有需要更正的内容。"))
    locked.version += 1
    locked._change_reason = change_reason(_("关账后更正：%(r)s") % {"r": reason})  # type: ignore[attr-defined]
    locked.save()
    correction = ReportCorrection.objects.create(
        report=locked,
        by=by,
        reason=reason,
        counted_from_year=counted_from.year,
        counted_from_month=counted_from.month,
        old_values=old,
        new_values=new,
    )
    report.version = locked.version
    logger.info(
        "report.corrected",
        extra={"report_id": locked.pk, "by": by.pk, "counted_from": str(counted_from)},
    )
    return correction


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value

"""Carrying a year's unfinished items into the next year's ledger (it reads the year's
counted figures, so it sits above the ledger)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from duban.core.history import recorded_as_by
from duban.core.periods import Period
from duban.ledger.models import Indicator, Milestone, Project, WorkItem
from duban.org.models import User
from duban.reporting.selectors.progress import counted_ytd

logger = logging.getLogger(__name__)


# What a carried-over item's indicators and nodes keep of last year's.
INDICATOR_COPIED = (
    "name",
    "unit_of_measure",
    "baseline",
    "target",
    "deadline",
    "weight",
    "value_kind",
    "sort_order",
)
MILESTONE_COPIED = ("sort_order", "name", "planned_date", "actual_date", "responsible_unit_id")


@transaction.atomic
@recorded_as_by
def work_items_carry_over(
    *, year: int, by: User, item_ids: Sequence[int] | None = None
) -> list[WorkItem]:
    """Copy the year's unfinished items into next year's ledger as drafts, in one action.

    An item already carried is skipped, so running it twice changes nothing. Projects keep
    their identity; next year's 以前年度累计 is this year's plus what this year completed.
    """
    items = (
        WorkItem.objects.filter(year=year, carried_to__isnull=True)
        .exclude(status=WorkItem.Status.DONE)
        .exclude(project__stage__in=[Project.Stage.COMPLETED, Project.Stage.OPERATING])
        .select_related("project")
        .prefetch_related("co_units", "indicators", "milestones", "funding")
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    if item_ids is not None:
        items = items.filter(pk__in=item_ids)
    year_totals = counted_ytd(items, Period(year, 12))
    created = []
    for old in items:
        if (
            old.project_id
            and WorkItem.objects.filter(project_id=old.project_id, year=year + 1).exists()
        ):
            continue
        new = WorkItem(
            year=year + 1,
            kind=old.kind,
            project_id=old.project_id,
            seq=old.seq,
            title=old.title,
            content_scale=old.content_scale,
            schedule=old.schedule,
            source=old.source,
            assigned_on=old.assigned_on,
            lead_leader_id=old.lead_leader_id,
            lead_unit_id=old.lead_unit_id,
            level=old.level,
            category=(
                WorkItem.Category.CONTINUING
                if old.kind == WorkItem.Kind.PROJECT and old.actual_start
                else old.category
            ),
            annual_plan=None,
            prior_cumulative=old.prior_cumulative + year_totals.get(old.pk, Decimal(0)),
            planned_start=old.planned_start,
            actual_start=old.actual_start,
            planned_finish=old.planned_finish,
            in_statistics=old.in_statistics,
            in_statistics_date=old.in_statistics_date,
            steward_id=old.steward_id,
            status=WorkItem.Status.DRAFT,
            carried_from=old,
        )
        new.save()
        new.co_units.set(old.co_units.all())
        # With their "+" history rows: the progress core's change feed and the audit read them.
        for model, rows, fields in (
            (Indicator, old.indicators.all(), INDICATOR_COPIED),
            (Milestone, old.milestones.all(), MILESTONE_COPIED),
        ):
            bulk_create_with_history(
                [model(work_item=new, **{f: getattr(r, f) for f in fields}) for r in rows],
                model,
                default_user=by,
            )
        created.append(new)
    logger.info("work_items.carried_over", extra={"year": year, "count": len(created), "by": by.pk})
    return created

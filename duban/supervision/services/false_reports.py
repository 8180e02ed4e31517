"""虚假填报: the office returns a monthly report as false. The finding counts against the lead
unit's card of the report's month (DOMAIN.md §4: red on a false report)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.services import refuse_unless, require
from duban.org.models import User
from duban.reporting.models import MonthClose, MonthlyReport
from duban.reporting.services import report_return
from duban.supervision.models import FalseReport
from duban.supervision.permissions import can_manage_supervision
from duban.supervision.services import locked

RETURNABLE = (MonthlyReport.State.SUBMITTED,)


@transaction.atomic
def false_report_record(
    *, report: MonthlyReport, by: User, reason: str, version: int
) -> FalseReport:
    """Return a submitted report as false (or mark one already returned as false), before its
    month closes. Refused without a reason, for a closed month, or twice for one report."""
    refuse_unless(can_manage_supervision(by), _("只有推进办可以认定虚假填报。"))
    row = locked(MonthlyReport, report.pk, version, _("月报"))
    reason = (reason or "").strip()
    require(bool(reason), _("认定虚假填报须写明理由。"), field="reason")
    require(
        not MonthClose.objects.filter(year=row.year, month=row.month).exists(),
        _("%(p)s已关账，不能再认定虚假填报。") % {"p": row.period.label},
    )
    require(
        not FalseReport.objects.filter(report=row).exists(),
        _("该月报已被认定为虚假填报。"),
    )
    require(
        row.state in (*RETURNABLE, MonthlyReport.State.RETURNED),
        _("只有已报送或已退回的月报才能认定为虚假填报。"),
    )
    if row.state in RETURNABLE:
        row = report_return(
            report=row, by=by, reason=_("虚假填报：%(r)s") % {"r": reason}, version=row.version
        )
    return FalseReport.objects.create(
        report=row,
        unit_id=row.work_item.lead_unit_id,
        year=row.year,
        month=row.month,
        reason=reason,
        found_by=by,
        found_at=clock.now(),
    )

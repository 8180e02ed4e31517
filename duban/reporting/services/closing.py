"""The monthly close: a closed month's reports lock for good."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core.errors import ApplicationError
from duban.core.history import recorded_as_by
from duban.core.periods import Period
from duban.core.services import full_clean_or_raise
from duban.org.models import User
from duban.reporting.models import MonthClose, MonthlyReport
from duban.reporting.services.base import period_is_closed

logger = logging.getLogger(__name__)
S = MonthlyReport.State


@transaction.atomic
@recorded_as_by
def month_close(*, period: Period, by: User) -> MonthClose:
    """Close a month: its reports lock for good. Refuses a month whose reports are not yet due."""
    if not by.is_office:
        raise ApplicationError(_("只有推进办可以关账。"), code="forbidden")
    if period_is_closed(period):
        raise ApplicationError(_("%(p)s已经关账。") % {"p": period.label})
    if period >= Period.current():
        raise ApplicationError(_("%(p)s尚未结束，不能关账。") % {"p": period.label})
    pending = MonthlyReport.objects.filter(
        year=period.year, month=period.month, state__in=[S.SUBMITTED, S.PENDING_SIGNOFF]
    ).count()
    if pending:
        raise ApplicationError(
            _("%(p)s还有%(n)s份月报待审签或待审核，请先处理后再关账。")
            % {"p": period.label, "n": pending}
        )
    close = MonthClose(year=period.year, month=period.month, closed_by=by)
    full_clean_or_raise(close)
    close.save()
    logger.info("month.closed", extra={"period": str(period), "by": by.pk})
    return close

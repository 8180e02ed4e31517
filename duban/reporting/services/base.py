"""Checks and the versioned save that every step of the report workflow shares."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.history import change_reason
from duban.core.periods import Period
from duban.core.services import lock_version, refuse_unless
from duban.ledger.models import WorkItem
from duban.reporting.models import MonthClose, MonthlyReport, ReportingSettings
from duban.reporting.progress import ReportStatus, report_status


def period_is_closed(period: Period) -> bool:
    return MonthClose.objects.filter(year=period.year, month=period.month).exists()


def report_due_date(period: Period) -> date:
    return period.due_date(ReportingSettings.load().due_day)


def _refuse_if_closed(period: Period) -> None:
    if period_is_closed(period):
        raise ApplicationError(
            _("%(p)s已关账，月报已锁定，不能再修改。") % {"p": period.label}, code="locked"
        )


# The one role guard (duban.core.services.refuse_unless), under the name callers here use.
_refuse_unless_allowed = refuse_unless


def _check_period_for_item(item: WorkItem, period: Period) -> None:
    if period.year != item.year:
        raise ApplicationError(
            _("报告期%(p)s不在该事项的年度（%(y)s年）内。") % {"p": period.label, "y": item.year}
        )
    if period > Period.current():
        raise ApplicationError(_("不能填报未来月份（%(p)s）的月报。") % {"p": period.label})
    if item.status == WorkItem.Status.DRAFT:
        raise ApplicationError(_("该事项尚未下达，不需要填报月报。"))


def _lock(report: MonthlyReport, version: int | None) -> MonthlyReport:
    """The report locked; refused without the version the caller read (422) or with a stale
    one (409). A step that follows another in the same service passes the version it left."""
    if version is None:
        raise ApplicationError(_("修改月报必须提供读取时的版本号（version）。"), field="version")
    return lock_version(
        MonthlyReport,
        pk=report.pk,
        version=version,
        label=pgettext("model name", "月报"),
        related=("work_item",),
    )


def _transition_refused(report: MonthlyReport, action: str) -> ApplicationError:
    return ApplicationError(
        _("当前状态为“%(s)s”的月报不能%(a)s。") % {"s": report.get_state_display(), "a": action},
        code="transition",
    )


def _save(report: MonthlyReport, reason: str, fields: list[str] | None = None) -> None:
    report.version += 1
    report._change_reason = change_reason(reason)  # type: ignore[attr-defined]
    if fields is None:
        report.save()
    else:
        report.save(update_fields=[*fields, "version", "updated_at"])


def report_is_late(report: MonthlyReport, due_day: int) -> bool:
    """Late when first submitted after the due date, or still unsubmitted past it (the core's
    rule: `reporting.progress.report_status`)."""
    first = report.first_submitted_at
    status = report_status(
        first_submitted_on=timezone.localtime(first).date() if first else None,
        due=report.period.due_date(due_day),
        today=clock.today(),
    )
    return status in (ReportStatus.LATE, ReportStatus.MISSING)

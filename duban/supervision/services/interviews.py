"""约谈: the office schedules, records or dismisses what the ladder proposed."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core.dates import date_check
from duban.core.errors import ApplicationError
from duban.supervision.models import Interview
from duban.supervision.services import locked


def _locked(interview: Interview, version: int) -> Interview:
    return locked(Interview, interview.pk, version, _("约谈"))


@transaction.atomic
def interview_schedule(
    *,
    interview: Interview,
    on: date | None,
    interviewer: str,
    interviewees: str,
    version: int,
) -> Interview:
    """Confirm a proposed interview with its date and who takes part."""
    iv = _locked(interview, version)
    if iv.state not in (Interview.State.PROPOSED, Interview.State.SCHEDULED):
        raise ApplicationError(_("该约谈已办结，不能再安排。"))
    if on is None or not interviewer.strip() or not interviewees.strip():
        raise ApplicationError(_("请填写约谈日期、约谈人和被约谈人。"), code="invalid")
    date_check(on, label=_("约谈日期"), field="on")
    iv.state, iv.scheduled_on = Interview.State.SCHEDULED, on
    iv.interviewer, iv.interviewees = interviewer.strip(), interviewees.strip()
    iv.version += 1
    iv.save()
    return iv


@transaction.atomic
def interview_record(*, interview: Interview, outcome: str, version: int) -> Interview:
    """Record a held interview's outcome."""
    iv = _locked(interview, version)
    if iv.state != Interview.State.SCHEDULED:
        raise ApplicationError(_("只有已安排的约谈才能记录结果。"))
    if not outcome.strip():
        raise ApplicationError(_("请填写约谈结果。"), code="invalid")
    iv.state, iv.outcome = Interview.State.DONE, outcome.strip()
    iv.version += 1
    iv.save()
    return iv


@transaction.atomic
def interview_dismiss(*, interview: Interview, reason: str, version: int) -> Interview:
    """Decline a proposal, with a reason."""
    iv = _locked(interview, version)
    if iv.state != Interview.State.PROPOSED:
        raise ApplicationError(_("只有建议约谈才能不予约谈。"))
    if not reason.strip():
        raise ApplicationError(_("不予约谈须写明理由。"), code="invalid")
    iv.state, iv.dismiss_reason = Interview.State.DISMISSED, reason.strip()
    iv.version += 1
    iv.save()
    return iv

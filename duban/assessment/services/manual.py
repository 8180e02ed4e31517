"""The office's hand: manual events (with a reason, evidence and a second office user's
approval), objections (a unit's, within the window, decided by the office), and the two facts
the office records for automatic rules (a false report, an absence from a meeting)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Max
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.assessment.models import (
    MeetingAbsence,
    Objection,
    Ranking,
    Rule,
    ScoreEvent,
)
from duban.assessment.permissions import can_object_event
from duban.assessment.services.ranking import ranking_compute
from duban.assessment.services.schemes import scheme_for
from duban.assessment.services.scoring import (
    events_compute,
    period_closed,
    period_published,
)
from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.formatting import date_cn
from duban.core.history import recorded_as_by
from duban.core.periods import Period
from duban.core.services import lock_version, refuse_unless, require
from duban.org.models import Unit, User
from duban.problems.models import Meeting
from duban.supervision.workdays import add_working_days

logger = logging.getLogger(__name__)
E = ScoreEvent.State
UNIT_ROLES = (User.Role.UNIT_HEAD, User.Role.REPORTER)


def _rescore(period: Period) -> None:
    """Rank again a closed, unpublished month after an event changed."""
    if period_closed(period) and not period_published(period):
        ranking_compute(period=period)


def _refacts(period: Period, by: User) -> None:
    """Score a closed, unpublished month again after a fact it counts was recorded."""
    if period_closed(period) and not period_published(period):
        events_compute(period=period, by=by)


def _open(period: Period) -> None:
    require(
        not period_published(period),
        _("%(p)s的月榜已公布，不能再变更计分。") % {"p": period.label},
    )


@transaction.atomic
@recorded_as_by
def manual_event_propose(
    *, unit: Unit, rule: Rule, period: Period, reason: str, evidence: str, by: User
) -> ScoreEvent:
    """A bonus or deduction under a manual rule of the scheme in force, waiting for a second
    office user's approval. Refuses an automatic rule, a rule of another version, no reason or
    no evidence, a unit not assessed, and a published month."""
    refuse_unless(by.is_office, _("只有推进办可以录入人工加减分。"))
    # The month first: a month to come has no scheme yet, and the rule's check below would
    # send the office looking for a wrong rule.
    require(
        period <= Period.current(),
        _("%(p)s还未到：只能为本月或以前的月份录入加减分。") % {"p": period.label},
        field="period",
    )
    require(not rule.automatic, _("自动计分的细则不能人工录入。"), field="rule")
    require(
        rule.scheme_id == scheme_for(period).pk,
        _("该细则不属于%(p)s适用的考核办法版本。") % {"p": period.label},
        field="rule",
    )
    require(unit.assessed and unit.is_active, _("该单位不参加考核。"), field="unit")
    require(bool((reason or "").strip()), _("请填写加减分理由。"), field="reason")
    require(
        bool((evidence or "").strip()),
        _("人工加减分须附佐证（文件、会议纪要或核查记录）。"),
        field="evidence",
    )
    _open(period)
    event = ScoreEvent.objects.create(
        year=period.year,
        month=period.month,
        unit=unit,
        rule=rule,
        points=rule.points,
        state=E.PENDING,
        origin="manual",
        label=rule.description,
        key=f"manual:{secrets.token_hex(8)}",
        reason=reason.strip(),
        evidence=evidence.strip(),
        created_by=by,
    )
    logger.info("assessment.manual_proposed", extra={"event_id": event.pk, "by": by.pk})
    return event


@transaction.atomic
@recorded_as_by
def manual_event_decide(
    *, event: ScoreEvent, approve: bool, by: User, version: int | None, note: str = ""
) -> ScoreEvent:
    """Approve or reject a pending manual event: an office user other than its author."""
    refuse_unless(by.is_office, _("只有推进办可以审核人工加减分。"))
    e = lock_version(ScoreEvent, pk=event.pk, version=version, label=_("计分事件"))
    require(e.manual and e.state == E.PENDING, _("该加减分不在待审核状态。"))
    refuse_unless(e.created_by_id != by.pk, _("人工加减分须由录入人以外的推进办人员审核。"))
    _open(e.period)
    e.state = E.APPROVED if approve else E.REJECTED
    e.approved_by, e.approved_at = by, clock.now()
    if note.strip():
        e.reason = f"{e.reason}\n{_('审核意见')}：{note.strip()}"
    e.version += 1
    e.save()
    _rescore(e.period)
    return e


def objection_deadline(event: ScoreEvent, days: int | None = None) -> date:
    """The last day a unit may object: N working days (the scheme's window, or `days`) after
    the event was made valid."""
    start = timezone.localtime(event.approved_at or event.created_at).date()
    if days is None:
        days = scheme_for(event.period).objection_days
    return add_working_days(start, days)


def objection_last_days(events: Sequence[ScoreEvent], *, user: User) -> dict[int, date]:
    """The last day `user` may object to each of `events` they may object to, by id: their
    unit's valid events in a month whose ranking is not yet published (publishing ends
    objections: `objection_raise` refuses them), whether or not the day has passed."""
    mine = [e for e in events if can_object_event(user, e)]
    months = {(e.year, e.month) for e in mine}
    published = set(
        Ranking.objects.filter(
            year__in={y for y, _m in months}, published_at__isnull=False
        ).values_list("year", "month")
    )
    windows = {m: scheme_for(Period(*m)).objection_days for m in months - published}
    return {
        e.pk: objection_deadline(e, windows[(e.year, e.month)])
        for e in mine
        if (e.year, e.month) in windows
    }


def objection_window_end(period: Period) -> date | None:
    """The last day a unit may still object to one of the month's valid events (the window of
    its newest one), None when it has none. Publishing ends the objections before it."""
    newest = ScoreEvent.objects.filter(
        year=period.year, month=period.month, state=E.APPROVED
    ).aggregate(at=Max(Coalesce("approved_at", "created_at", output_field=DateTimeField())))["at"]
    if newest is None:
        return None
    return add_working_days(timezone.localtime(newest).date(), scheme_for(period).objection_days)


@transaction.atomic
@recorded_as_by
def objection_raise(*, event: ScoreEvent, reason: str, by: User) -> Objection:
    """A unit objects to one of its valid events, with a reason, within the window."""
    refuse_unless(
        by.role in UNIT_ROLES and by.unit_id == event.unit_id,
        _("只有被计分单位的人员可以提出异议。"),
    )
    require(bool((reason or "").strip()), _("请写明异议理由。"), field="reason")
    require(event.state == E.APPROVED, _("只能对有效的计分事件提出异议。"))
    _open(event.period)
    deadline = objection_deadline(event)
    require(
        clock.today() <= deadline,
        _("异议期已过（截至%(d)s）。") % {"d": date_cn(deadline)},
    )
    try:
        with transaction.atomic():
            objection = Objection.objects.create(
                event=event, unit_id=event.unit_id, reason=reason.strip(), raised_by=by
            )
    except IntegrityError as e:
        raise ApplicationError(_("该计分事件已有待处理的异议。"), code="conflict") from e
    return objection


@transaction.atomic
@recorded_as_by
def objection_decide(
    *, objection: Objection, cancel: bool, decision: str, by: User, version: int | None
) -> Objection:
    """The office decides an objection: upholds the event or cancels it (the event stays,
    marked cancelled, and no longer counts). Both kept, with the reason."""
    refuse_unless(by.is_office, _("只有推进办可以处理异议。"))
    o = lock_version(Objection, pk=objection.pk, version=version, label=_("异议"))
    require(o.state == Objection.State.PENDING, _("该异议已处理。"))
    require(bool((decision or "").strip()), _("请填写处理意见。"), field="decision")
    event = ScoreEvent.objects.select_for_update().get(pk=o.event_id)
    _open(event.period)
    o.state = Objection.State.CANCELLED if cancel else Objection.State.UPHELD
    o.decision, o.decided_by, o.decided_at = decision.strip(), by, clock.now()
    o.version += 1
    o.save()
    if cancel:
        event.state = E.CANCELLED
        event.version += 1
        event.save(update_fields=["state", "version", "updated_at"])
    _rescore(event.period)
    return o


@transaction.atomic
@recorded_as_by
def absence_record(*, meeting: Meeting, unit: Unit, by: User, note: str = "") -> MeetingAbsence:
    """The office records that a unit expected at a held meeting did not attend."""
    refuse_unless(by.is_office, _("只有推进办可以登记缺席。"))
    require(meeting.state == Meeting.State.HELD, _("只能为已召开的调度会登记缺席。"))
    expected = meeting.attendee_units.filter(pk=unit.pk).exists()
    require(expected, _("该单位不在本次会议的参会单位中。"), field="unit")
    _open(Period.of(meeting.date))
    row, created = MeetingAbsence.objects.get_or_create(
        meeting=meeting, unit=unit, defaults={"recorded_by": by, "note": note.strip()[:200]}
    )
    require(created, _("已登记该单位缺席本次会议。"))
    _refacts(Period.of(meeting.date), by)
    return row

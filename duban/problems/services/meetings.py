"""Dispatch meetings (调度会): scheduled at level 3 (专题协调, chaired by the 联系/分管区领导) or
level 4 (月度调度会, the district's 主要领导). The agenda is built from the open problems at that
level and the items furthest behind; decisions become coordination opinions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core.dates import date_check
from duban.core.errors import ApplicationError
from duban.core.formatting import gap_phrase, join_items
from duban.core.periods import Period
from duban.core.services import full_clean_or_raise, lock_version
from duban.ledger.models import Milestone, WorkItem
from duban.ledger.scoping import work_items_in, work_items_q
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.problems.events import meeting_scheduled_event
from duban.problems.models import (
    OPEN_STATES,
    AgendaItem,
    Coordination,
    Meeting,
    Problem,
    ProblemEvent,
    ProblemSettings,
)
from duban.problems.permissions import can_manage_meeting
from duban.problems.scoping import problems_q
from duban.problems.services.assignment import problem_assign
from duban.problems.services.base import record_event, refuse_unless, require_text, today
from duban.problems.services.coordination import coordination_create
from duban.problems.services.intake import problem_accept, problem_report
from duban.reporting.selectors import progress_for_items

MEETING_FIELDS = {"kind", "level", "title", "number", "chair", "date", "location"}
AUTO_KINDS = (AgendaItem.Kind.PROBLEM, AgendaItem.Kind.BEHIND, AgendaItem.Kind.MILESTONE)


@transaction.atomic
def meeting_schedule(
    *,
    by: User,
    data: Mapping[str, Any],
    attendees: Sequence[User] = (),
    attendee_units: Sequence[Unit] = (),
) -> Meeting:
    """Schedule a meeting and build its agenda."""
    refuse_unless(can_manage_meeting(by), _("只有推进办可以安排调度会。"))
    unknown = set(data) - MEETING_FIELDS
    if unknown:
        raise ApplicationError(_("不能填写这些字段：%(f)s") % {"f": join_items(sorted(unknown))})
    meeting = Meeting(created_by=by, **data)
    if meeting.date is not None and meeting.date < today():
        raise ApplicationError(_("不能安排过去日期的调度会。"), field="date")
    date_check(meeting.date, label=_("会议日期"), field="date")
    full_clean_or_raise(meeting)
    meeting.save()
    meeting.attendees.set(attendees)
    meeting.attendee_units.set(attendee_units)
    meeting_build_agenda(meeting=meeting, by=by)
    meeting_scheduled_event(meeting)
    return meeting


@dataclass(frozen=True)
class BehindItem:
    item: WorkItem
    gap_pp: Decimal


def items_furthest_behind(*, meeting: Meeting, limit: int) -> list[BehindItem]:
    """The meeting's year's active projects furthest behind 序时 at the last reported month,
    largest gap first (only items actually behind). An L3 meeting looks at its chair's scope."""
    period = Period.of(meeting.date).previous()
    qs = WorkItem.objects.filter(
        year=period.year,
        status=WorkItem.Status.ACTIVE,
        kind=WorkItem.Kind.PROJECT,
        annual_plan__gt=0,
    )
    if meeting.level < 4:
        qs = qs.filter(work_items_q(scope_for(meeting.chair)))
    progress = progress_for_items(qs, period)
    rows = []
    for item in qs.select_related("lead_unit"):
        p = progress.get(item.pk)
        gap = p.figures.gap_pp if p else None
        if gap is not None and gap < 0:
            rows.append(BehindItem(item, gap))
    rows.sort(key=lambda r: (r.gap_pp, r.item.pk))
    return rows[:limit]


def overdue_milestones(*, meeting: Meeting) -> list[Milestone]:
    qs = Milestone.objects.filter(
        planned_date__lt=meeting.date,
        actual_date__isnull=True,
        work_item__status=WorkItem.Status.ACTIVE,
        work_item__year=meeting.date.year,
    ).select_related("work_item")
    if meeting.level < 4:
        qs = qs.filter(work_item__in=work_items_in(scope_for(meeting.chair)).values("pk"))
    return list(qs.order_by("planned_date", "pk"))


def _agenda_problems(meeting: Meeting) -> list[Problem]:
    qs = Problem.objects.filter(level=meeting.level, state__in=OPEN_STATES).exclude(
        state=Problem.State.REPORTED
    )
    if meeting.level < 4:
        qs = qs.filter(problems_q(scope_for(meeting.chair)))
    # Overdue first, then by due date: what has waited longest is discussed first.
    return list(qs.order_by(F("due_date").asc(nulls_last=True), "pk"))


@transaction.atomic
def meeting_build_agenda(*, meeting: Meeting, by: User) -> list[AgendaItem]:
    """(Re)build a scheduled meeting's agenda: the open problems at its level, then the items
    furthest behind 序时, then items with overdue milestones. Hand-added points are kept."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    refuse_unless(can_manage_meeting(by, meeting), _("只有推进办或会议主持人可以编排议程。"))
    if meeting.state != Meeting.State.SCHEDULED:
        raise ApplicationError(_("只有待召开的会议可以编排议程。"), code="transition")
    meeting.agenda.filter(kind__in=AUTO_KINDS).delete()
    order = meeting.agenda.count()
    rows: list[AgendaItem] = []
    for problem in _agenda_problems(meeting):
        order += 1
        rows.append(
            AgendaItem(
                meeting=meeting,
                kind=AgendaItem.Kind.PROBLEM,
                problem=problem,
                work_item_id=problem.work_item_id,
                text=problem.title[:300],
                sort_order=order,
            )
        )
    for behind in items_furthest_behind(
        meeting=meeting, limit=ProblemSettings.load().agenda_item_count
    ):
        order += 1
        rows.append(
            AgendaItem(
                meeting=meeting,
                kind=AgendaItem.Kind.BEHIND,
                work_item=behind.item,
                text=f"{behind.item.title}（{gap_phrase(behind.gap_pp)}）"[:300],
                sort_order=order,
            )
        )
    seen: set[int] = set()
    for milestone in overdue_milestones(meeting=meeting):
        if milestone.work_item_id in seen:
            continue
        seen.add(milestone.work_item_id)
        order += 1
        rows.append(
            AgendaItem(
                meeting=meeting,
                kind=AgendaItem.Kind.MILESTONE,
                work_item=milestone.work_item,
                text=(
                    _("%(i)s（节点“%(n)s”计划%(d)s完成，已逾期）")
                    % {
                        "i": milestone.work_item.title,
                        "n": milestone.name,
                        "d": milestone.planned_date.isoformat() if milestone.planned_date else "",
                    }
                )[:300],
                sort_order=order,
            )
        )
    return AgendaItem.objects.bulk_create(rows)


def _lock_meeting(meeting: Meeting, version: int | None) -> Meeting:
    return lock_version(
        Meeting, pk=meeting.pk, version=version, label=pgettext("model name", "调度会")
    )


@transaction.atomic
def meeting_record_decision(
    *,
    meeting: Meeting,
    by: User,
    text: str,
    units: Sequence[Unit],
    deadline: date,
    problem: Problem | None = None,
    work_item: WorkItem | None = None,
) -> Coordination:
    """A decision of the meeting becomes the chair's coordination opinion.

    A decision on a lagging item (no problem yet) first opens a problem of source 调度会 on
    it, handed straight to the first unit named, at the meeting's level.
    """
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    refuse_unless(can_manage_meeting(by, meeting), _("只有推进办或会议主持人可以记录议定事项。"))
    if meeting.state == Meeting.State.CANCELLED:
        raise ApplicationError(_("会议已取消，不能记录议定事项。"), code="transition")
    text = require_text(text, _("请填写议定事项。"), field="text")
    date_check(deadline, label=_("完成时限"), field="deadline")
    if not units:
        raise ApplicationError(_("议定事项至少要明确一个责任单位。"), field="units")
    if problem is None:
        if work_item is None:
            raise ApplicationError(_("议定事项须针对一个问题或一个台账事项。"))
        refuse_unless(by.is_office, _("针对台账事项的议定事项须由推进办记录（将新建并交办问题）。"))
        problem = problem_report(
            by=by,
            data={
                "source": Problem.Source.MEETING,
                "work_item": work_item,
                "category": Problem.Category.OTHER,
                "title": (_("%(i)s（调度会议定事项）") % {"i": work_item.title})[:200],
                "description": _("%(m)s议定：%(t)s") % {"m": meeting.title, "t": text},
            },
        )
        problem = problem_accept(
            problem=problem, version=problem.version, by=by, note=meeting.title
        )
        problem = problem_assign(
            problem=problem,
            version=problem.version,
            by=by,
            lead_unit=units[0],
            co_units=list(units[1:]),
            level=meeting.level,
            due_date=max(deadline, today()),
            note=meeting.title,
        )
    return coordination_create(
        problem=problem,
        by=by,
        text=text,
        units=units,
        deadline=deadline,
        leader=meeting.chair,
        meeting=meeting,
    )


@transaction.atomic
def meeting_hold(*, meeting: Meeting, by: User, minutes: str, version: int) -> Meeting:
    """Mark the meeting held and keep its minutes text."""
    meeting = _lock_meeting(meeting, version)
    refuse_unless(can_manage_meeting(by, meeting), _("只有推进办或会议主持人可以记录会议。"))
    if meeting.state != Meeting.State.SCHEDULED:
        raise ApplicationError(
            _("会议当前状态为“%(s)s”，不能再记录为已召开。") % {"s": meeting.get_state_display()},
            code="transition",
        )
    if meeting.date > today():
        raise ApplicationError(_("会议日期还未到，不能记录为已召开。"), code="transition")
    meeting.state, meeting.minutes = Meeting.State.HELD, (minutes or "").strip()
    meeting.version += 1
    meeting.save(update_fields=["state", "minutes", "version", "updated_at"])
    for item in meeting.agenda.filter(problem__isnull=False).select_related("problem"):
        assert item.problem is not None  # noqa: S101
        record_event(
            item.problem,
            ProblemEvent.Action.AGENDA,
            by,
            note=_("已在%(m)s上研究") % {"m": meeting.title},
        )
    return meeting

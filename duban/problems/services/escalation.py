"""Four-level dispatch (四级调度): L1 the unit's 分管负责人 → L2 its 主要负责人 → L3 the 联系/分管
区领导 (专题协调) → L4 the district's 主要领导 (月度调度会).

A problem still open at its due date at level k rises to k+1 once the grace period has passed;
each level then has the same grace period before the next step. Problems reaching L3/L4 join
the agenda of the next scheduled meeting of that level.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.events import collecting
from duban.org.models import User
from duban.problems.events import problem_escalated_event
from duban.problems.models import (
    AgendaItem,
    Escalation,
    Meeting,
    Problem,
    ProblemEvent,
    ProblemSettings,
)
from duban.problems.permissions import can_escalate_problem
from duban.problems.services.base import (
    lock_problem,
    record_event,
    refuse_unless,
    refuse_unless_state,
    require_text,
    save_problem,
    today,
)

logger = logging.getLogger(__name__)
S = Problem.State
# A problem climbs while it waits on someone to act; a rejected, merged or closed one does not.
ESCALATABLE_STATES = (S.ACCEPTED, S.ASSIGNED, S.FEEDBACK_SUBMITTED)
# Only an assigned problem escalates by itself: it is the lead unit's turn and it is late.
AUTO_ESCALATING_STATES = (S.ASSIGNED,)


def _raise_level(
    problem: Problem, *, by: User | None, reason: str, note: str, on: date
) -> Escalation:
    before = problem.level
    problem.level += 1
    problem.escalated_on = on
    save_problem(problem, by, f"escalate: {reason}", ["level", "escalated_on"])
    escalation = Escalation.objects.create(
        problem=problem,
        from_level=before,
        to_level=problem.level,
        reason=reason,
        note=note,
        by=by,
        at=clock.now(),
        on=on,
    )
    rules = ProblemSettings.load()
    text = _("由%(a)s升至%(b)s") % {
        "a": rules.level_name(before),
        "b": rules.level_name(problem.level),
    }
    record_event(
        problem,
        ProblemEvent.Action.ESCALATE,
        by,
        note=_("%(label)s：%(text)s") % {"label": text, "text": note},
    )
    problem_put_on_next_meeting(problem=problem, on=on)
    problem_escalated_event(problem, escalation.pk)
    return escalation


def problem_put_on_next_meeting(*, problem: Problem, on: date | None = None) -> AgendaItem | None:
    """Put an L3/L4 problem on the next scheduled meeting of its level (once); None when no
    meeting is scheduled yet (building that meeting's agenda will pick it up)."""
    if problem.level < 3:
        return None
    meeting = (
        Meeting.objects.filter(
            level=problem.level, state=Meeting.State.SCHEDULED, date__gte=on or today()
        )
        .order_by("date", "pk")
        .first()
    )
    if meeting is None:
        return None
    item, created = AgendaItem.objects.get_or_create(
        meeting=meeting,
        problem=problem,
        defaults={
            "kind": AgendaItem.Kind.PROBLEM,
            "text": problem.title[:300],
            "sort_order": meeting.agenda.count() + 1,
        },
    )
    if created:
        record_event(
            problem,
            ProblemEvent.Action.AGENDA,
            None,
            note=_("列入%(m)s（%(d)s）") % {"m": meeting.title, "d": meeting.date.isoformat()},
        )
    return item


@transaction.atomic
def problem_escalate(*, problem: Problem, by: User, reason: str, version: int) -> Escalation:
    """Raise a problem one level by hand, with the reason; refuses at the top level."""
    problem = lock_problem(problem, version)
    day = today()
    refuse_unless(
        can_escalate_problem(by, problem, day),
        _("只有推进办、范围内的区领导，或在配合单位逾期未答复时牵头单位负责人，可以升级问题。"),
    )
    refuse_unless_state(problem, ESCALATABLE_STATES, _("升级"))
    reason = require_text(reason, _("人工升级必须写明原因。"))
    levels = ProblemSettings.load().levels
    if problem.level >= levels:
        raise ApplicationError(
            _("问题已是最高级（第%(n)s级），不能再升级。") % {"n": problem.level},
            code="transition",
        )
    return _raise_level(problem, by=by, reason=Escalation.Reason.MANUAL, note=reason, on=day)


def escalation_due_on(problem: Problem, grace_days: int) -> date | None:
    """The first day an open problem at its level escalates by itself, or None (no due date).

    Level k gets `grace_days` after the due date, or after it reached level k if later.
    """
    if problem.due_date is None:
        return None
    start = max(problem.due_date, problem.escalated_on or problem.due_date)
    return start + timedelta(days=grace_days + 1)


def escalate_overdue_problems(*, on: date | None = None) -> list[Escalation]:
    """Raise every assigned problem past its due date and grace period by one level.

    Safe to run any number of times a day: a problem rises at most one level per run, and a
    problem that rose today is not due again before another grace period has passed.
    """
    day = on or today()
    rules = ProblemSettings.load()
    latest_due = day - timedelta(days=rules.grace_days + 1)
    candidates = (
        Problem.objects.filter(
            state__in=AUTO_ESCALATING_STATES, level__lt=rules.levels, due_date__lte=latest_due
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done: list[Escalation] = []
    # Each problem in its own short transaction (a first run after an import may raise
    # thousands), their events told together at the end: recipients and their scopes resolved
    # once for all, not once an escalation.
    with collecting():
        for pk in list(candidates):
            escalation = _escalate_if_due(pk, day, rules)
            if escalation is not None:
                done.append(escalation)
    logger.info("problems.escalated", extra={"count": len(done), "on": day.isoformat()})
    return done


def _escalate_if_due(pk: int, day: date, rules: ProblemSettings) -> Escalation | None:
    """Raise the problem one level if it is still due (checked under its lock)."""
    with transaction.atomic():
        problem = Problem.objects.select_for_update(no_key=True).get(pk=pk)
        due = escalation_due_on(problem, rules.grace_days)
        if (
            problem.state not in AUTO_ESCALATING_STATES
            or problem.level >= rules.levels
            or due is None
            or day < due
        ):
            return None
        note = _("办理时限%(d)s已过，宽限%(g)s天仍未办结") % {
            "d": (problem.due_date or day).isoformat(),
            "g": rules.grace_days,
        }
        return _raise_level(problem, by=None, reason=Escalation.Reason.OVERDUE, note=note, on=day)

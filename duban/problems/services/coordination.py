"""Coordination opinions (协调意见) and the feedback (反馈) units give on them.

An opinion is a leader's decision on a problem, optionally at a meeting, assigning units and a
deadline. Each assigned unit feeds back; the office accepts or returns each feedback; the
opinion is carried out (已落实) when every assigned unit's feedback has been accepted.
Feedback on a problem itself is the lead unit's account: reviewing it is verifying the problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core import clock
from duban.core.dates import date_check
from duban.core.errors import ApplicationError
from duban.core.formatting import date_cn, join_items
from duban.core.services import full_clean_or_raise, lock_version
from duban.org.models import Unit, User
from duban.problems.events import opinion_addressed_event
from duban.problems.models import (
    OPEN_STATES,
    Coordination,
    Feedback,
    Meeting,
    Problem,
    ProblemEvent,
)
from duban.problems.permissions import (
    can_coordinate_problem,
    can_feedback_coordination,
    can_review_feedback,
)
from duban.problems.services.base import record_event, refuse_unless, require_text, today
from duban.problems.services.closeout import problem_return, problem_verify

C = Coordination.State
F = Feedback.State


def _acting_leader(*, by: User, leader: User | None, meeting: Meeting | None) -> User:
    """Who the opinion is recorded for: a leader speaks only in their own name; the office
    (or a meeting's chair recording its decisions) names the leader and is marked as the one
    who typed it in."""
    if meeting is not None and leader is not None and leader.pk == meeting.chair_id:
        return leader
    if by.role == User.Role.LEADER:
        if leader is not None and leader.pk != by.pk:
            raise ApplicationError(
                _("区领导只能以本人名义提出协调意见，不能代%(n)s提出。")
                % {"n": leader.display_name},
                field="leader",
                code="forbidden",
            )
        return by
    if leader is None:
        raise ApplicationError(_("请指明提出协调意见的领导（推进办代为录入）。"), field="leader")
    return leader


@transaction.atomic
def coordination_create(
    *,
    problem: Problem,
    by: User,
    text: str,
    units: Sequence[Unit],
    deadline: date,
    leader: User | None = None,
    meeting: Meeting | None = None,
) -> Coordination:
    """Record a leader's opinion on an open problem, assigning units and a deadline."""
    problem = Problem.objects.select_for_update(no_key=True).get(pk=problem.pk)
    refuse_unless(
        can_coordinate_problem(by, problem),
        _("只有推进办或范围内的区领导可以提出协调意见。"),
    )
    if problem.state not in OPEN_STATES or problem.state == Problem.State.REPORTED:
        raise ApplicationError(
            _("问题当前状态为“%(s)s”，不能再提出协调意见。") % {"s": problem.get_state_display()},
            code="transition",
        )
    text = require_text(text, _("请填写协调意见。"), field="text")
    leader = _acting_leader(by=by, leader=leader, meeting=meeting)
    if leader.role != User.Role.LEADER:
        raise ApplicationError(
            _("%(n)s不是区领导，不能作为协调领导。") % {"n": leader.display_name}, field="leader"
        )
    if not units:
        raise ApplicationError(_("协调意见至少要明确一个责任单位。"), field="units")
    if deadline < today() and meeting is None:
        raise ApplicationError(_("完成时限不能早于今天。"), field="deadline")
    date_check(deadline, label=_("完成时限"), field="deadline")
    opinion = Coordination(
        problem=problem, leader=leader, meeting=meeting, text=text, deadline=deadline, created_by=by
    )
    full_clean_or_raise(opinion)
    opinion.save()
    opinion.units.set(units)
    opinion_addressed_event(opinion)
    note = _("%(l)s：%(t)s（责任单位：%(u)s；完成时限：%(d)s）") % {
        "l": leader.display_name,
        "t": text,
        "u": join_items(u.name for u in units),
        "d": date_cn(deadline),
    }
    if opinion.on_behalf:
        note += _("（%(b)s代为录入）") % {"b": by.display_name}
    record_event(problem, ProblemEvent.Action.OPINION, by, note=note)
    return opinion


@transaction.atomic
def coordination_feedback(*, opinion: Coordination, by: User, text: str) -> Feedback:
    """An assigned unit's account of what it did on an opinion."""
    opinion = Coordination.objects.select_for_update().get(pk=opinion.pk)
    refuse_unless(can_feedback_coordination(by, opinion), _("只有协调意见的责任单位可以反馈。"))
    if opinion.state == C.COMPLETED:
        raise ApplicationError(_("该协调意见已落实，不需要再反馈。"), code="transition")
    text = require_text(text, _("请填写反馈内容。"), field="text")
    unit_id = by.unit_id
    assert unit_id is not None  # noqa: S101 - can_feedback_coordination checked it
    if opinion.feedback.filter(unit_id=unit_id, state=F.SUBMITTED).exists():
        raise ApplicationError(_("本单位已有一份待审核的反馈。"))
    feedback = Feedback(unit_id=unit_id, author=by, coordination=opinion, text=text)
    full_clean_or_raise(feedback)
    feedback.save()
    opinion.state = C.FEEDBACK_SUBMITTED
    opinion.version += 1
    opinion.save(update_fields=["state", "version", "updated_at"])
    return feedback


def _lock_feedback(feedback: Feedback, version: int | None) -> Feedback:
    return lock_version(
        Feedback, pk=feedback.pk, version=version, label=pgettext("model name", "反馈")
    )


def _lock_opinion(feedback: Feedback) -> Coordination:
    opinion_id = feedback.coordination_id
    assert opinion_id is not None  # noqa: S101 - a feedback without a problem has an opinion
    return Coordination.objects.select_for_update().get(pk=opinion_id)


def _refuse_unless_pending(feedback: Feedback) -> None:
    if feedback.state != F.SUBMITTED:
        raise ApplicationError(
            _("反馈当前状态为“%(s)s”，不能再审核。") % {"s": feedback.get_state_display()},
            code="transition",
        )


@transaction.atomic
def feedback_accept(*, feedback: Feedback, by: User, version: int) -> Feedback:
    """Accept feedback: on a problem this verifies it; on an opinion it may complete it."""
    feedback = _lock_feedback(feedback, version)
    refuse_unless(can_review_feedback(by, feedback), _("只有推进办可以审核反馈。"))
    _refuse_unless_pending(feedback)
    if feedback.problem_id is not None:
        assert feedback.problem is not None  # noqa: S101
        problem_verify(problem=feedback.problem, version=feedback.problem.version, by=by)
        feedback.refresh_from_db()
        return feedback
    feedback.state, feedback.reviewed_by, feedback.reviewed_at = F.ACCEPTED, by, clock.now()
    feedback.version += 1
    feedback.save(update_fields=["state", "reviewed_by", "reviewed_at", "version", "updated_at"])
    opinion = _lock_opinion(feedback)
    accepted_units = set(
        opinion.feedback.filter(state=F.ACCEPTED).values_list("unit_id", flat=True)
    )
    if set(opinion.units.values_list("pk", flat=True)) <= accepted_units:
        opinion.state = C.COMPLETED
        opinion.version += 1
        opinion.save(update_fields=["state", "version", "updated_at"])
    return feedback


@transaction.atomic
def feedback_return(*, feedback: Feedback, by: User, reason: str, version: int) -> Feedback:
    """Return feedback with a reason: on a problem it goes back to the lead unit."""
    feedback = _lock_feedback(feedback, version)
    refuse_unless(can_review_feedback(by, feedback), _("只有推进办可以审核反馈。"))
    _refuse_unless_pending(feedback)
    reason = require_text(reason, _("退回反馈必须写明原因。"))
    if feedback.problem_id is not None:
        assert feedback.problem is not None  # noqa: S101
        problem_return(
            problem=feedback.problem, version=feedback.problem.version, by=by, reason=reason
        )
        feedback.refresh_from_db()
        return feedback
    feedback.state, feedback.return_reason = F.RETURNED, reason
    feedback.reviewed_by, feedback.reviewed_at = by, clock.now()
    feedback.version += 1
    feedback.save(
        update_fields=[
            "state",
            "return_reason",
            "reviewed_by",
            "reviewed_at",
            "version",
            "updated_at",
        ]
    )
    opinion = _lock_opinion(feedback)
    if not opinion.feedback.filter(state=F.SUBMITTED).exists():
        opinion.state = C.ISSUED
        opinion.version += 1
        opinion.save(update_fields=["state", "version", "updated_at"])
    return feedback

"""Closing a problem out: verify or return the feedback, close (销号), reopen, rate satisfaction."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.dates import date_check
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.core.services import full_clean_or_raise
from duban.org.models import User
from duban.problems.events import problem_returned_event
from duban.problems.models import Feedback, Problem, ProblemEvent
from duban.problems.permissions import (
    can_close_problem,
    can_rate_problem,
    can_reopen_problem,
    can_return_problem,
    can_verify_problem,
)
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
A = ProblemEvent.Action


def _pending_feedback(problem: Problem) -> Feedback | None:
    return (
        problem.feedback.select_for_update()
        .filter(state=Feedback.State.SUBMITTED)
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def problem_verify(
    *,
    problem: Problem,
    by: User,
    version: int,
    resolution: str | None = None,
    note: str = "",
) -> Problem:
    """The office confirms the resolution on the ground (the unit's feedback passes)."""
    problem = lock_problem(problem, version)
    refuse_unless(can_verify_problem(by, problem), _("只有推进办可以核实问题。"))
    refuse_unless_state(problem, (S.FEEDBACK_SUBMITTED,), _("核实"))
    if resolution is not None:
        problem.resolution = resolution.strip()
    require_text(problem.resolution, _("核实前必须有办理结果。"), field="resolution")
    feedback = _pending_feedback(problem)
    if feedback is not None:
        feedback.state, feedback.reviewed_by, feedback.reviewed_at = (
            Feedback.State.ACCEPTED,
            by,
            clock.now(),
        )
        feedback.version += 1
        feedback.save(
            update_fields=["state", "reviewed_by", "reviewed_at", "version", "updated_at"]
        )
    before = problem.state
    problem.state, problem.verified_at = S.VERIFIED, clock.now()
    save_problem(problem, by, "verify", ["state", "resolution", "verified_at"])
    record_event(problem, A.VERIFY, by, from_state=before, note=note)
    return problem


@transaction.atomic
def problem_return(*, problem: Problem, by: User, reason: str, version: int) -> Problem:
    """Verification failed: back to the lead unit, with the reason, keeping the due date."""
    problem = lock_problem(problem, version)
    refuse_unless(can_return_problem(by, problem), _("只有推进办可以退回问题。"))
    refuse_unless_state(problem, (S.FEEDBACK_SUBMITTED,), _("退回重办"))
    reason = require_text(reason, _("退回必须写明原因。"))
    feedback = _pending_feedback(problem)
    if feedback is not None:
        feedback.state, feedback.return_reason = Feedback.State.RETURNED, reason
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
    before = problem.state
    problem.state = S.ASSIGNED
    save_problem(problem, by, f"return: {reason}", ["state"])
    record_event(problem, A.RETURN, by, from_state=before, note=reason)
    problem_returned_event(problem, reason)
    return problem


@transaction.atomic
def problem_close(*, problem: Problem, by: User, version: int, note: str = "") -> Problem:
    """销号: only a verified problem with a resolution closes; the close-out month is recorded."""
    problem = lock_problem(problem, version)
    refuse_unless(can_close_problem(by, problem), _("只有推进办可以销号。"))
    if problem.state != S.VERIFIED:
        raise ApplicationError(
            _("只有已核实的问题才能销号（当前状态：%(s)s）。") % {"s": problem.get_state_display()},
            code="transition",
        )
    require_text(problem.resolution, _("没有办理结果的问题不能销号。"), field="resolution")
    before = problem.state
    problem.state, problem.closed_at = S.CLOSED, clock.now()
    period = Period.of(problem.closed_at)
    problem.close_year, problem.close_month = period.year, period.month
    full_clean_or_raise(problem)
    save_problem(problem, by, "close", ["state", "closed_at", "close_year", "close_month"])
    record_event(problem, A.CLOSE, by, from_state=before, note=note)
    logger.info("problem.closed", extra={"problem_id": problem.pk, "by": by.pk})
    return problem


@transaction.atomic
def problem_reopen(
    *,
    problem: Problem,
    by: User,
    reason: str,
    version: int,
    due_date: date | None = None,
) -> Problem:
    """A closed problem that came back: to the lead unit again, counted, the original date kept."""
    problem = lock_problem(problem, version)
    refuse_unless(can_reopen_problem(by, problem), _("只有推进办可以重新打开问题。"))
    refuse_unless_state(problem, (S.CLOSED,), _("重新打开"))
    reason = require_text(reason, _("重新打开必须写明原因。"))
    fields = [
        "state",
        "reopen_count",
        "closed_at",
        "close_year",
        "close_month",
        "verified_at",
        "satisfaction",
    ]
    if due_date is not None:
        if due_date < today():
            raise ApplicationError(_("新的办理时限不能早于今天。"), field="due_date")
        date_check(due_date, label=_("新的办理时限"), field="due_date")
        problem.due_date = due_date
        fields.append("due_date")
    before = problem.state
    problem.state = S.ASSIGNED
    problem.reopen_count += 1
    problem.closed_at = problem.close_year = problem.close_month = problem.verified_at = None
    problem.satisfaction = ""
    save_problem(problem, by, f"reopen: {reason}", fields)
    record_event(problem, A.REOPEN, by, from_state=before, note=reason)
    return problem


@transaction.atomic
def problem_rate_satisfaction(
    *, problem: Problem, by: User, satisfaction: str, version: int
) -> Problem:
    """The enterprise's satisfaction with a closed demand, recorded by the office."""
    problem = lock_problem(problem, version)
    refuse_unless(can_rate_problem(by, problem), _("只有推进办可以记录满意度。"))
    if problem.source != Problem.Source.DEMAND:
        raise ApplicationError(_("满意度只适用于企业诉求。"))
    refuse_unless_state(problem, (S.CLOSED,), _("评价满意度"))
    if satisfaction not in Problem.Satisfaction.values:
        raise ApplicationError(
            _("满意度取值无效：%(v)s") % {"v": satisfaction}, field="satisfaction"
        )
    problem.satisfaction = satisfaction
    save_problem(problem, by, "satisfaction", ["satisfaction"])
    record_event(problem, A.SATISFACTION, by, note=str(Problem.Satisfaction(satisfaction).label))
    return problem

"""Who may do what to a problem (the state rules live in services).

Each check takes the user and the object and answers yes or no; the services turn a "no" into
a message naming the reason. The office triages, verifies and closes; the lead unit acts and
feeds back; co-units answer; leaders coordinate and escalate within their scope.
"""

from __future__ import annotations

from datetime import date

from duban.org.models import User
from duban.org.scoping import scope_for
from duban.problems.models import Coordination, ExtensionRequest, Feedback, Meeting, Problem
from duban.problems.scoping import problems_q

R = User.Role
UNIT_ROLES = (R.REPORTER, R.UNIT_HEAD)


def _in_scope(user: User, problem: Problem) -> bool:
    scope = scope_for(user)
    if scope.everything:
        return True
    return Problem.objects.filter(problems_q(scope), pk=problem.pk).exists()


def _member_of(user: User, unit_id: int | None, roles: tuple[str, ...] = UNIT_ROLES) -> bool:
    return unit_id is not None and user.role in roles and user.unit_id == unit_id


def can_report_problem(user: User) -> bool:
    """Everyone who works on items reports problems; viewers only read."""
    return user.is_office or user.role in (R.LEADER, R.UNIT_HEAD, R.REPORTER, R.STEWARD)


def can_triage_problem(user: User, problem: Problem) -> bool:
    """Accept, reject or merge: the office's triage."""
    return user.is_office


can_accept_problem = can_triage_problem
can_reject_problem = can_triage_problem
can_merge_problem = can_triage_problem
can_assign_problem = can_triage_problem


def can_answer_problem(user: User, problem: Problem) -> bool:
    """A co-unit's members answer for their unit."""
    return (
        user.role in UNIT_ROLES
        and user.unit_id is not None
        and problem.co_units.filter(pk=user.unit_id).exists()
    )


def can_feedback_problem(user: User, problem: Problem) -> bool:
    """The lead unit's reporters and head account for what they did."""
    return _member_of(user, problem.lead_unit_id)


def can_verify_problem(user: User, problem: Problem) -> bool:
    return user.is_office


can_return_problem = can_verify_problem
can_close_problem = can_verify_problem
can_reopen_problem = can_verify_problem
can_rate_problem = can_verify_problem


def can_escalate_problem(user: User, problem: Problem, today: date | None = None) -> bool:
    """The office and leaders in scope escalate by hand; the lead unit's head may when a
    co-unit has not answered in time (推诿扯皮 goes up, not round in circles)."""
    if user.is_office:
        return True
    if user.role == R.LEADER:
        return _in_scope(user, problem)
    if _member_of(user, problem.lead_unit_id, (R.UNIT_HEAD,)) and today is not None:
        return any(r.is_overdue(today) for r in problem.co_responses.all())
    return False


def can_request_extension(user: User, problem: Problem) -> bool:
    return _member_of(user, problem.lead_unit_id)


def can_head_approve_extension(user: User, extension: ExtensionRequest) -> bool:
    return _member_of(user, extension.problem.lead_unit_id, (R.UNIT_HEAD,))


def can_office_approve_extension(user: User, extension: ExtensionRequest) -> bool:
    return user.is_office


def can_add_evidence(user: User, problem: Problem) -> bool:
    return (
        user.is_office
        or _member_of(user, problem.lead_unit_id)
        or problem.reported_by_id == user.pk
        or (user.role == R.STEWARD and _in_scope(user, problem))
    )


def can_coordinate_problem(user: User, problem: Problem) -> bool:
    """Leaders give opinions on the problems in their scope; the office records them for a
    leader (e.g. from a meeting)."""
    return user.is_office or (user.role == R.LEADER and _in_scope(user, problem))


def can_feedback_coordination(user: User, opinion: Coordination) -> bool:
    return (
        user.role in UNIT_ROLES
        and user.unit_id is not None
        and opinion.units.filter(pk=user.unit_id).exists()
    )


def can_review_feedback(user: User, feedback: Feedback) -> bool:
    return user.is_office


def can_manage_meeting(user: User, meeting: Meeting | None = None) -> bool:
    """The office schedules meetings and records them; the chair may record decisions."""
    return user.is_office or (meeting is not None and meeting.chair_id == user.pk)


def can_register_problem(user: User, lead_unit_id: int | None) -> bool:
    """Enter a problem already being handled (from an office's list): the office for any unit,
    a unit's reporter or head for their own unit's problems only."""
    return user.is_office or _member_of(user, lead_unit_id)

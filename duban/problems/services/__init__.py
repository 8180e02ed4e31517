"""Writes of the problems app: one module per part of the loop, re-exported here.

A problem from report to close-out (DOMAIN §3):

reported → accepted (or rejected with a reason, or merged into a duplicate) → assigned (lead
unit, level, due date, co-units) → feedback submitted → verified → closed (销号); verification
can return it to assigned; a closed problem can be reopened (counted).

Every service locks the row, checks the version the user saw, checks role and state, refuses
with a reason naming what is wrong and writes nothing, or writes and records the event.
"""

from duban.problems.services.assignment import (
    evidence_add,
    problem_answer_as_co_unit,
    problem_assign,
    problem_submit_feedback,
)
from duban.problems.services.closeout import (
    problem_close,
    problem_rate_satisfaction,
    problem_reopen,
    problem_return,
    problem_verify,
)
from duban.problems.services.coordination import (
    coordination_create,
    coordination_feedback,
    feedback_accept,
    feedback_return,
)
from duban.problems.services.escalation import (
    escalate_overdue_problems,
    escalation_due_on,
    problem_escalate,
    problem_put_on_next_meeting,
)
from duban.problems.services.extensions import (
    extension_approve,
    extension_reject,
    extension_request,
)
from duban.problems.services.intake import (
    problem_accept,
    problem_merge,
    problem_reject,
    problem_report,
)
from duban.problems.services.meetings import (
    items_furthest_behind,
    meeting_build_agenda,
    meeting_hold,
    meeting_record_decision,
    meeting_schedule,
    overdue_milestones,
)
from duban.problems.services.register import (
    ProblemEntry,
    problem_entry_check,
    problem_register,
)

__all__ = [
    "ProblemEntry",
    "coordination_create",
    "coordination_feedback",
    "escalate_overdue_problems",
    "escalation_due_on",
    "evidence_add",
    "extension_approve",
    "extension_reject",
    "extension_request",
    "feedback_accept",
    "feedback_return",
    "items_furthest_behind",
    "meeting_build_agenda",
    "meeting_hold",
    "meeting_record_decision",
    "meeting_schedule",
    "overdue_milestones",
    "problem_accept",
    "problem_answer_as_co_unit",
    "problem_assign",
    "problem_close",
    "problem_entry_check",
    "problem_escalate",
    "problem_merge",
    "problem_put_on_next_meeting",
    "problem_rate_satisfaction",
    "problem_register",
    "problem_reject",
    "problem_reopen",
    "problem_report",
    "problem_return",
    "problem_submit_feedback",
    "problem_verify",
]

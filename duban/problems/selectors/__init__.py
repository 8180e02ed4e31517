"""Reads of the problem loop, always scoped to the user through `scope_for(user)`."""

from duban.problems.selectors.figures import (
    DemandFigures,
    ProblemFigures,
    demand_figures,
    problem_figures,
)
from duban.problems.selectors.inbox import ProblemInbox, problem_inbox
from duban.problems.selectors.lists import (
    ProblemFilters,
    closeout_list,
    coordination_list,
    feedback_list,
    open_problem_list,
    problem_get_for_user,
    problem_list,
    task_list,
)
from duban.problems.selectors.records import (
    MeetingAgenda,
    co_response_for,
    meeting_agenda,
    meeting_get_for_user,
    meeting_list,
    meetings_agenda_entries,
    meetings_q,
    problem_co_responses,
    problem_events,
)

__all__ = [
    "DemandFigures",
    "MeetingAgenda",
    "ProblemFigures",
    "ProblemFilters",
    "ProblemInbox",
    "closeout_list",
    "co_response_for",
    "coordination_list",
    "demand_figures",
    "feedback_list",
    "meeting_agenda",
    "meeting_get_for_user",
    "meeting_list",
    "meetings_agenda_entries",
    "meetings_q",
    "open_problem_list",
    "problem_co_responses",
    "problem_events",
    "problem_figures",
    "problem_get_for_user",
    "problem_inbox",
    "problem_list",
    "task_list",
]

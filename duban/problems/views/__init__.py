"""Problem pages: the five lists, a problem and its transitions, meetings."""

from duban.problems.views.lists import (
    closeout_view,
    coordination_view,
    feedback_view,
    problems_view,
    tasks_view,
)
from duban.problems.views.meetings import (
    meeting_action_view,
    meeting_detail_view,
    meeting_list_view,
    meeting_minutes_view,
)
from duban.problems.views.problem import (
    evidence_download_view,
    extension_action_view,
    feedback_action_view,
    opinion_feedback_view,
    problem_action_view,
    problem_detail_view,
    problem_report_view,
)

__all__ = [
    "closeout_view",
    "coordination_view",
    "evidence_download_view",
    "extension_action_view",
    "feedback_action_view",
    "feedback_view",
    "meeting_action_view",
    "meeting_detail_view",
    "meeting_list_view",
    "meeting_minutes_view",
    "opinion_feedback_view",
    "problem_action_view",
    "problem_detail_view",
    "problem_report_view",
    "problems_view",
    "tasks_view",
]

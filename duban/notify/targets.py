"""Whether an object an event is about lies in a recipient's scope.

Each target type reads through its own app's scoped selector, so a notification never tells a
person about an object they could not open.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from duban.assessment.selectors import ranking_list
from duban.bulletins.selectors import bulletin_list
from duban.ledger.scoping import work_items_in
from duban.org.models import User
from duban.org.scoping import scope_for
from duban.problems.models import Problem
from duban.problems.selectors.lists import problem_list
from duban.problems.selectors.records import meeting_list
from duban.reporting.models import MonthlyReport
from duban.reporting.selectors.reports import report_list
from duban.supervision.selectors import card_list, flag_list, prompt_list

VISIBLE: dict[str, Callable[[User], QuerySet]] = {  # type: ignore[type-arg]
    "ledger.workitem": lambda user: work_items_in(scope_for(user)),
    "reporting.monthlyreport": lambda user: report_list(user=user),
    "problems.problem": lambda user: problem_list(user=user),
    "problems.meeting": lambda user: meeting_list(user=user),
    "supervision.prompt": lambda user: prompt_list(user=user),
    "supervision.flag": lambda user: flag_list(user=user),
    "supervision.card": lambda user: card_list(user=user),
    "assessment.ranking": lambda user: ranking_list(user=user),
    "bulletins.bulletin": lambda user: bulletin_list(user=user),
}


def register_target(label: str, visible: Callable[[User], QuerySet]) -> None:  # type: ignore[type-arg]
    """For the features that raise events about their own objects (prompts, cards, bulletins)."""
    VISIBLE[label] = visible


def target_visible(user: User, label: str, target_id: int) -> bool:
    visible = VISIBLE.get(label)
    if visible is None:
        # An object whose scope nobody declared is shown to nobody but the office.
        return user.is_office
    return bool(visible(user).filter(pk=target_id).exists())


def target_item_id(label: str, target_id: int) -> int | None:
    """The work item an event's object hangs off (for the groups that cover items)."""
    if label == "ledger.workitem":
        return target_id
    if label == "reporting.monthlyreport":
        return (
            MonthlyReport.objects.filter(pk=target_id)
            .values_list("work_item_id", flat=True)
            .first()
        )
    if label == "problems.problem":
        return Problem.objects.filter(pk=target_id).values_list("work_item_id", flat=True).first()
    return None

"""Whether an object an event is about lies in a recipient's scope.

Each target type reads through its own app's scoped selector, so a notification never tells a
person about an object they could not open.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from django.db.models import Q, QuerySet

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


def targets_visible(user: User, label: str, target_ids: Collection[int]) -> set[int]:
    """Which of the objects (all of one type) lie in the user's scope: one query."""
    visible = VISIBLE.get(label)
    if visible is None:
        return set(target_ids) if user.is_office else set()
    # Unordered: the lists' display order would join tables only to sort.
    return set(visible(user).filter(pk__in=target_ids).order_by().values_list("pk", flat=True))


# The models whose rows hang off a work item, by event target.
_ITEM_OF: dict[str, type[MonthlyReport] | type[Problem]] = {
    "reporting.monthlyreport": MonthlyReport,
    "problems.problem": Problem,
}


def target_items_q(targets: Collection[tuple[str, int]]) -> Q:
    """Work groups (or anything with an `items` relation) covering the work items the
    (label, id) pairs hang off, as one condition with a subquery per type."""
    by_label: dict[str, set[int]] = {}
    for label, target_id in targets:
        by_label.setdefault(label, set()).add(target_id)
    q = Q(pk__in=[])
    for label, ids in by_label.items():
        if label == "ledger.workitem":
            q |= Q(items__in=ids)
        elif label in _ITEM_OF:
            rows = _ITEM_OF[label].objects.filter(pk__in=ids).values("work_item_id")
            q |= Q(items__in=rows)
    return q


def target_item_ids(targets: Collection[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """The work item each (label, id) hangs off, for those that hang off one: a query per type."""
    by_label: dict[str, set[int]] = {}
    for label, target_id in targets:
        by_label.setdefault(label, set()).add(target_id)
    found: dict[tuple[str, int], int] = {}
    for label, ids in by_label.items():
        if label == "ledger.workitem":
            found.update({(label, i): i for i in ids})
        elif label in _ITEM_OF:
            rows = _ITEM_OF[label].objects.filter(pk__in=ids).values_list("pk", "work_item_id")
            found.update({(label, pk): item_id for pk, item_id in rows})
    return found

"""What the problem loop shows on other apps' pages (registered in ProblemsConfig.ready)."""

from __future__ import annotations

from typing import Any

from duban.ledger.models import WorkItem
from duban.org.models import User
from duban.problems.models import OPEN_STATES
from duban.problems.permissions import can_report_problem
from duban.problems.selectors import coordination_list, problem_list

LISTED = 10


def item_problems(user: User, *, item: WorkItem) -> dict[str, Any]:
    """An item's problems (open first) and coordination opinions, as `user` may see them, and
    whether they may report one (上报问题, the form opens with the item filled in)."""
    problems = problem_list(user=user).filter(work_item=item)
    opinions = coordination_list(user=user).filter(problem__work_item=item)
    return {
        "item": item,
        "open": list(problems.filter(state__in=OPEN_STATES).order_by("due_date", "pk")[:LISTED]),
        "open_count": problems.filter(state__in=OPEN_STATES).count(),
        "all_count": problems.count(),
        "opinions": list(opinions.order_by("-pk")[:LISTED]),
        "may_report": can_report_problem(user),
    }

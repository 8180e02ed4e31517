"""The mechanics every problem service shares: lock with a version check, refuse with a reason,
save with the version bumped and an audit reason, record the event."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.formatting import join_items
from duban.core.history import change_reason
from duban.core.services import lock_version, refuse_unless
from duban.org.models import User
from duban.problems.models import Problem, ProblemEvent

__all__ = [
    "lock_problem",
    "record_event",
    "refuse_unless",
    "refuse_unless_state",
    "require_text",
    "save_problem",
    "today",
]


def lock_problem(problem: Problem, version: int | None) -> Problem:
    """The problem's row, locked; ConflictError when it changed since `version` was read."""
    return lock_version(
        Problem,
        pk=problem.pk,
        version=version,
        label=pgettext("model name", "问题"),
        related=("lead_unit", "work_item", "enterprise"),
        no_key=True,
    )


def refuse_unless_state(problem: Problem, states: tuple[str, ...], action: str) -> None:
    """A state check that names the current state and what would be needed."""
    if problem.state not in states:
        needed = join_items(str(Problem.State(s).label) for s in states)
        raise ApplicationError(
            _("问题当前状态为“%(s)s”，不能%(a)s（需要处于：%(n)s）。")
            % {"s": problem.get_state_display(), "a": action, "n": needed},
            code="transition",
        )


def require_text(value: str | None, message: str, field: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(message, field=field)
    return text


def save_problem(problem: Problem, by: User | None, reason: str, fields: list[str]) -> None:
    problem.version += 1
    problem._change_reason = change_reason(reason)  # type: ignore[attr-defined]
    if by is not None:
        problem._history_user = by  # type: ignore[attr-defined]
    problem.save(update_fields=[*fields, "version", "updated_at"])


def record_event(
    problem: Problem,
    action: str,
    by: User | None,
    *,
    from_state: str = "",
    note: str = "",
) -> ProblemEvent:
    return ProblemEvent.objects.create(
        problem=problem,
        action=action,
        from_state=from_state,
        to_state=problem.state,
        actor=by,
        at=clock.now(),
        note=note,
    )


def today() -> date:
    return clock.today()

"""What waits on a user in the problem loop (我的待办)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from duban.core.queries import first_rows
from duban.org.models import User
from duban.problems.models import (
    Coordination,
    CoUnitResponse,
    ExtensionRequest,
    Feedback,
    Problem,
)
from duban.problems.selectors.lists import (
    coordination_list,
    feedback_list,
    problem_list,
)

S = Problem.State


@dataclass
class ProblemInbox:
    """What waits on a user in the problem loop (我的待办)."""

    to_triage: list[Problem]
    to_act: list[Problem]
    to_answer: list[Problem]
    to_verify: list[Problem]
    to_close: list[Problem]
    extensions: list[ExtensionRequest]
    opinions: list[Coordination]
    feedback: list[Feedback]
    # With a limit: how many were left out of the office's long lists (triage, verify, close,
    # feedback), so a home page stays one screen and fast on a province-sized set.
    hidden: int = 0

    @property
    def total(self) -> int:
        return self.hidden + sum(
            len(v)
            for v in (
                self.to_triage,
                self.to_act,
                self.to_answer,
                self.to_verify,
                self.to_close,
                self.extensions,
                self.opinions,
                self.feedback,
            )
        )


def problem_inbox(*, user: User, limit: int | None = None) -> ProblemInbox:
    """Problems to accept and assign, act on, answer, verify and close; extensions to approve;
    opinions to act on; feedback to review. With `limit`, the office's lists hold at most that
    many each and `hidden` counts the rest."""
    visible = problem_list(user=user)
    hidden = 0

    def take(qs: Any) -> list[Any]:
        nonlocal hidden
        if limit is None:
            return list(qs)
        rows = first_rows(qs, limit + 1)
        if len(rows) > limit:
            hidden += qs.count() - limit
            rows = rows[:limit]
        return rows

    office = user.is_office
    unit_id = user.unit_id if user.role in (User.Role.REPORTER, User.Role.UNIT_HEAD) else None
    unit_member = unit_id is not None
    uid = unit_id or 0  # only used when unit_member
    empty: list = []
    to_answer = (
        list(
            # driven by the unit's unanswered requests (few), not by every open problem
            visible.filter(
                pk__in=CoUnitResponse.objects.filter(unit_id=uid, answered_at__isnull=True).values(
                    "problem_id"
                ),
                state__in=[S.ASSIGNED, S.FEEDBACK_SUBMITTED],
            )
        )
        if unit_member
        else empty
    )
    extensions = ExtensionRequest.objects.select_related("problem")
    if office:
        pending_ext = list(extensions.filter(state=ExtensionRequest.State.PENDING_OFFICE))
    elif user.role == User.Role.UNIT_HEAD:
        pending_ext = list(
            extensions.filter(state=ExtensionRequest.State.PENDING_HEAD, problem__lead_unit_id=uid)
        )
    else:
        pending_ext = []
    opinions = (
        list(
            coordination_list(user=user)
            .filter(units__pk=uid)
            .exclude(state=Coordination.State.COMPLETED)
            .exclude(feedback__unit_id=uid, feedback__state=Feedback.State.SUBMITTED)
        )
        if unit_member
        else []
    )
    to_triage = take(visible.filter(state__in=[S.REPORTED, S.ACCEPTED])) if office else []
    to_verify = take(visible.filter(state=S.FEEDBACK_SUBMITTED)) if office else []
    to_close = take(visible.filter(state=S.VERIFIED)) if office else []
    feedback = (
        take(
            feedback_list(user=user).filter(
                state=Feedback.State.SUBMITTED, coordination__isnull=False
            )
        )
        if office
        else []
    )
    return ProblemInbox(
        to_triage=to_triage,
        to_act=(list(visible.filter(state=S.ASSIGNED, lead_unit_id=uid)) if unit_member else []),
        to_answer=to_answer,
        to_verify=to_verify,
        to_close=to_close,
        extensions=pending_ext,
        opinions=opinions,
        feedback=feedback,
        hidden=hidden,
    )

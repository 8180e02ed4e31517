"""Who may act on the assessment (the object is already in scope)."""

from __future__ import annotations

from duban.assessment.models import ScoreEvent
from duban.org.models import User

UNIT_ROLES = (User.Role.UNIT_HEAD, User.Role.REPORTER)


def can_manage_assessment(user: User) -> bool:
    """Schemes, manual events, approvals, objections' decisions and publication: the office."""
    return user.is_office


def can_object_event(user: User, event: ScoreEvent) -> bool:
    return (
        user.role in UNIT_ROLES
        and user.unit_id == event.unit_id
        and event.state == ScoreEvent.State.APPROVED
    )

"""Who may log visits and raise what they find."""

from __future__ import annotations

from duban.liaison.models import Visit
from duban.org.models import User


def can_log_visit(user: User) -> bool:
    """Stewards and leaders visit; the office records visits for them."""
    return user.is_office or user.role in (User.Role.STEWARD, User.Role.LEADER)


def can_raise_from_visit(user: User, visit: Visit) -> bool:
    return user.is_office or visit.visitor_id == user.pk

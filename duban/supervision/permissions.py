"""Who may act on prompts, cards, flags and interviews (the object is already in scope)."""

from __future__ import annotations

from duban.org.models import User
from duban.supervision.models import Flag, Prompt

UNIT_ROLES = (User.Role.UNIT_HEAD, User.Role.REPORTER)


def can_manage_supervision(user: User) -> bool:
    """Drafting and issuing prompts, reviewing cards, flags and interviews: the office."""
    return user.is_office


def can_reply_prompt(user: User, prompt: Prompt) -> bool:
    return user.role in UNIT_ROLES and user.unit_id == prompt.unit_id and prompt.awaits_reply


def can_report_flag(user: User, flag: Flag) -> bool:
    """The flagged unit reports progress and asks for delisting."""
    return user.role in UNIT_ROLES and user.unit_id == flag.unit_id and flag.is_open

"""Who may act on prompts, cards, flags and interviews (the object is already in scope)."""

from __future__ import annotations

from duban.org.models import User
from duban.supervision.models import Flag, Prompt

UNIT_ROLES = (User.Role.UNIT_HEAD, User.Role.REPORTER)


def can_manage_supervision(user: User) -> bool:
    """Drafting and issuing prompts, reviewing cards, flags and interviews: the office."""
    return user.is_office


def can_reply_prompt(user: User, prompt: Prompt) -> bool:
    """The unit the prompt is to; for a prompt to a leader's area, each unit it lists."""
    if user.role not in UNIT_ROLES or not prompt.awaits_reply or user.unit_id is None:
        return False
    if prompt.unit_id is not None:
        return user.unit_id == prompt.unit_id
    return prompt.lines.filter(unit_id=user.unit_id, dropped=False).exists()


def can_report_flag(user: User, flag: Flag) -> bool:
    """The flagged unit reports progress and asks for delisting."""
    return user.role in UNIT_ROLES and user.unit_id == flag.unit_id and flag.is_open

"""Who may change the ledger (the rules of the changes live in services)."""

from __future__ import annotations

from duban.ledger.models import WorkItem
from duban.org.models import User


def can_edit_work_item(user: User, item: WorkItem) -> bool:
    """The office keeps the ledger: it edits items, their indicators and nodes."""
    return user.is_office


def can_hand_out_work_item(user: User, item: WorkItem) -> bool:
    return user.is_office


def can_carry_over_work_items(user: User) -> bool:
    return user.is_office

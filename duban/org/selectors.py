"""Reads of units and enterprises, scoped to the user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from duban.org.models import Enterprise, Unit, User
from duban.org.scoping import scope_for


def unit_list(*, user: User) -> QuerySet[Unit]:
    """The units the user may see: their own (with the units below) and those their items
    reach (registered by the ledger)."""
    return Unit.objects.filter(scope_for(user).units_q()).select_related("parent")


def unit_get_for_user(*, user: User, unit_id: int) -> Unit:
    return get_object_or_404(unit_list(user=user), pk=unit_id)


def enterprise_list(*, user: User) -> QuerySet[Enterprise]:
    return Enterprise.objects.filter(scope_for(user).enterprises_q())

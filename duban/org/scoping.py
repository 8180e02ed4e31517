"""The one place that decides whom a user is: which units, items and enterprises they answer for.

Every selector in duban filters through `scope_for(user)` and the scoping of the app that owns
the objects: `ledger.scoping` (work items and what hangs off them), `problems.scoping`
(problems). Those apps register here how a scope reaches org's own units and enterprises. Units are seen by their own members
(with the units below them) and by leaders and viewers who hold a responsibility for them;
work items by their lead unit and co-units, their lead leader, their steward, and whoever holds
a responsibility for the item or its units; everything else (reports, indicators, milestones,
problems…) is seen exactly when its work item is. The office and a district's 主要领导
(`User.principal`) see everything; the chair of a meeting sees the problems on its agenda.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from duban.core import clock
from duban.org.models import Responsibility, Unit, User


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    everything: bool
    unit_ids: frozenset[int]
    item_ids: frozenset[int]
    enterprise_ids: frozenset[int]

    def units_q(self) -> Q:
        """A filter on Unit: the user's own units and, through what the apps above register,
        the units of the objects in scope (the lead units of the items they may see)."""
        if self.everything:
            return Q()
        q = Q(pk__in=self.unit_ids)
        for reach in _UNIT_REACH:
            q |= reach(self)
        return q

    def enterprises_q(self) -> Q:
        """A filter on Enterprise: those liaised with, and what the apps above register (the
        owners of the projects in scope)."""
        if self.everything:
            return Q()
        q = Q(pk__in=self.enterprise_ids)
        for reach in _ENTERPRISE_REACH:
            q |= reach(self)
        return q


# How the apps above org widen what a scope reaches among org's own objects. Each app
# registers in its AppConfig.ready(); org never imports them (the layering rule).
_UNIT_REACH: list[Callable[[Scope], Q]] = []
_ENTERPRISE_REACH: list[Callable[[Scope], Q]] = []


def register_unit_reach(reach: Callable[[Scope], Q]) -> None:
    if reach not in _UNIT_REACH:
        _UNIT_REACH.append(reach)


def register_enterprise_reach(reach: Callable[[Scope], Q]) -> None:
    if reach not in _ENTERPRISE_REACH:
        _ENTERPRISE_REACH.append(reach)


NOTHING = Scope(None, False, frozenset(), frozenset(), frozenset())


def unit_with_descendants(unit_ids: Iterable[int]) -> frozenset[int]:
    """The given units and every unit below them in the tree: one recursive query that
    returns only those (every request's scope needs it; a province has 2,000 units)."""
    ids = sorted({int(pk) for pk in unit_ids})
    if not ids:
        return frozenset()
    quote = connection.ops.quote_name
    table, parent = quote(Unit._meta.db_table), quote("parent_id")
    marks = ", ".join(["%s"] * len(ids))
    # UNION, not UNION ALL: a cycle (which the services refuse) would still end.
    sql = (
        f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE id IN ({marks}) "  # noqa: S608
        f"UNION SELECT u.id FROM {table} u JOIN tree t ON u.{parent} = t.id) SELECT id FROM tree"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return frozenset(ids) | frozenset(row[0] for row in cursor.fetchall())


def scope_for(user: User | object) -> Scope:
    """The scope of `user`, computed once per user object (one request)."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return NOTHING
    cached = getattr(user, "_duban_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._duban_scope = scope  # type: ignore[attr-defined]
    return scope


def _compute_scope(user: User) -> Scope:
    # The office works on everything; a district's 主要领导 (区委书记、区长) answers for the
    # whole district and so sees all of it (what they may *do* is still decided by role).
    if user.is_office or user.is_principal:
        return Scope(user.pk, True, frozenset(), frozenset(), frozenset())
    today = clock.today()
    direct_units: set[int] = set()
    item_ids: set[int] = set()
    enterprise_ids: set[int] = set()
    role = user.role
    if role in (User.Role.UNIT_HEAD, User.Role.REPORTER, User.Role.VIEWER) and user.unit_id:
        direct_units.add(user.unit_id)
    if role in (User.Role.LEADER, User.Role.VIEWER, User.Role.STEWARD):
        active = Responsibility.objects.filter(leader=user).filter(
            Q(start_date__isnull=True) | Q(start_date__lte=today),
            Q(end_date__isnull=True) | Q(end_date__gte=today),
        )
        for unit_id, item_id, enterprise_id in active.values_list(
            "unit_id", "work_item_id", "enterprise_id"
        ):
            if unit_id:
                direct_units.add(unit_id)
            if item_id:
                item_ids.add(item_id)
            if enterprise_id:
                enterprise_ids.add(enterprise_id)
    return Scope(
        user.pk,
        False,
        unit_with_descendants(direct_units),
        frozenset(item_ids),
        frozenset(enterprise_ids),
    )


def forget_scope(user: User) -> None:
    """Drop the cached scope after the user's responsibilities change."""
    if hasattr(user, "_duban_scope"):
        del user._duban_scope

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
    return frozenset(ids) | frozenset(pk for below in _subtrees(ids).values() for pk in below)


# Units a tree walk starts from, a statement (parameters within every database's limit).
_ROOTS = 500


def _subtrees(roots: list[int]) -> dict[int, set[int]]:
    """Each root unit's subtree (itself and every unit below it): one recursive query per
    `_ROOTS` roots, whatever the depth."""
    quote = connection.ops.quote_name
    table, parent = quote(Unit._meta.db_table), quote("parent_id")
    out: dict[int, set[int]] = {root: {root} for root in roots}
    for start in range(0, len(roots), _ROOTS):
        chunk = roots[start : start + _ROOTS]
        marks = ", ".join(["%s"] * len(chunk))
        # UNION, not UNION ALL: a cycle (which the services refuse) would still end.
        sql = (
            f"WITH RECURSIVE tree(root, id) AS (SELECT id, id FROM {table} "  # noqa: S608
            f"WHERE id IN ({marks}) UNION SELECT t.root, u.id FROM {table} u "
            f"JOIN tree t ON u.{parent} = t.id) SELECT root, id FROM tree"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, chunk)
            for root, pk in cursor.fetchall():
                out[root].add(pk)
    return out


def scope_for(user: User | object) -> Scope:
    """The scope of `user`, computed once per user object (one request)."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return NOTHING
    cached = getattr(user, "_duban_scope", None)
    if cached is not None:
        return cached
    scopes_prime([user])
    return user._duban_scope  # type: ignore[attr-defined,no-any-return]


def scopes_prime(users: Iterable[User]) -> None:
    """Compute the scopes of many users at once and keep each with its user object, as
    `scope_for` does for one: the responsibilities of those who may hold some in one query,
    every unit's subtree in one tree walk — not a query or two per user (a month's cards tell
    4,000 people)."""
    todo = [
        u
        for u in users
        if u.is_authenticated and u.is_active and getattr(u, "_duban_scope", None) is None
    ]
    if not todo:
        return
    today = clock.today()
    direct: dict[int, set[int]] = {}
    items: dict[int, set[int]] = {}
    enterprises: dict[int, set[int]] = {}
    everything = set()
    holders = []
    for user in todo:
        # The office works on everything; a district's 主要领导 (区委书记、区长) answers for
        # the whole district and so sees all of it (what they may *do* is still decided by
        # role).
        if user.is_office or user.is_principal:
            everything.add(user.pk)
            continue
        direct[user.pk], items[user.pk], enterprises[user.pk] = set(), set(), set()
        if user.role in _UNIT_ROLES and user.unit_id:
            direct[user.pk].add(user.unit_id)
        if user.role in _HOLDER_ROLES:
            holders.append(user.pk)
    if holders:
        active = Responsibility.objects.filter(leader_id__in=holders).filter(
            Q(start_date__isnull=True) | Q(start_date__lte=today),
            Q(end_date__isnull=True) | Q(end_date__gte=today),
        )
        for leader_id, unit_id, item_id, enterprise_id in active.values_list(
            "leader_id", "unit_id", "work_item_id", "enterprise_id"
        ):
            if unit_id:
                direct[leader_id].add(unit_id)
            if item_id:
                items[leader_id].add(item_id)
            if enterprise_id:
                enterprises[leader_id].add(enterprise_id)
    below = _subtrees(sorted({unit for units in direct.values() for unit in units}))
    for user in todo:
        if user.pk in everything:
            scope = Scope(user.pk, True, frozenset(), frozenset(), frozenset())
        else:
            scope = Scope(
                user.pk,
                False,
                frozenset(pk for unit in direct[user.pk] for pk in below[unit]),
                frozenset(items[user.pk]),
                frozenset(enterprises[user.pk]),
            )
        user._duban_scope = scope  # type: ignore[attr-defined]


_UNIT_ROLES = (User.Role.UNIT_HEAD, User.Role.REPORTER, User.Role.VIEWER)
_HOLDER_ROLES = (User.Role.LEADER, User.Role.VIEWER, User.Role.STEWARD)


def forget_scope(user: User) -> None:
    """Drop the cached scope after the user's responsibilities change."""
    if hasattr(user, "_duban_scope"):
        del user._duban_scope

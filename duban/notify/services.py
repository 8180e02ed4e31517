"""Writes of the notify app: notifications from events, read marks."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Q

from duban.core import clock
from duban.core.events import Event
from duban.notify.models import Notification
from duban.notify.targets import targets_visible
from duban.org.models import User
from duban.org.scoping import scopes_prime

logger = logging.getLogger(__name__)


def _speaks_to(event: Event, user: User) -> bool:
    if user.pk in event.user_ids:
        return True
    if user.unit_id in event.unit_ids and (not event.unit_roles or user.role in event.unit_roles):
        return True
    return event.office and user.role == User.Role.OFFICE


def _speaks(events: Sequence[Event], users: list[User]) -> list[list[User]]:
    """For each event, the users of the audience it speaks to (in the audience's order): each
    event looks only at the users it names, its units' members and the office, not at every
    user of the audience (a month's cards: 2,000 events to 4,000 people)."""
    by_pk = {u.pk: u for u in users}
    by_unit: dict[int, list[User]] = defaultdict(list)
    office: list[User] = []
    for u in users:
        if u.unit_id is not None:
            by_unit[u.unit_id].append(u)
        if u.role == User.Role.OFFICE:
            office.append(u)
    out = []
    for e in events:
        candidates = {pk: by_pk[pk] for pk in e.user_ids if pk in by_pk}
        for unit_id in e.unit_ids:
            candidates.update((u.pk, u) for u in by_unit.get(unit_id, ()))
        if e.office:
            candidates.update((u.pk, u) for u in office)
        out.append([u for _pk, u in sorted(candidates.items()) if _speaks_to(e, u)])
    return out


def _audience(events: Sequence[Event]) -> list[User]:
    """The active users any of the events speaks to: one query."""
    q = Q(pk__in={pk for e in events for pk in e.user_ids})
    units = {u for e in events for u in e.unit_ids}
    if units:
        q |= Q(unit_id__in=units)
    if any(e.office for e in events):
        q |= Q(role=User.Role.OFFICE)
    return list(User.objects.filter(q, is_active=True).select_related("unit").order_by("pk"))


def recipients_by_event(events: Sequence[Event]) -> list[list[User]]:
    """For each event, the active users it speaks to who may see its object.

    A few queries for any number of events: the audience once, then what each person may see
    once per object type (not once per person and event)."""
    users = _audience(events)
    scopes_prime(users)
    wanted: dict[tuple[int, str], set[int]] = defaultdict(set)
    speaks = _speaks(events, users)
    for event, people in zip(events, speaks, strict=True):
        for user in people:
            wanted[(user.pk, event.target)].add(event.target_id)
    by_pk = {u.pk: u for u in users}
    seen = {key: targets_visible(by_pk[key[0]], key[1], ids) for key, ids in wanted.items()}
    return [
        [u for u in people if e.target_id in seen[(u.pk, e.target)]]
        for e, people in zip(events, speaks, strict=True)
    ]


def event_recipients(event: Event) -> list[User]:
    """The active users an event speaks to and who may see its object."""
    return recipients_by_event([event])[0]


def notifications_create_for_events(events: Sequence[Event]) -> set[tuple[int, str]]:
    """One notification per recipient of each event; an event already told is not told again.

    The batch subscriber: a request's events in one pass (recipients resolved once, one insert
    for all, no transaction of its own: the insert is one statement). Returns the (recipient,
    key) pairs told now, or by a worker that raced it (none for a repeat)."""
    recipients = recipients_by_event(events)
    pairs = {
        (u.pk, e.key[:200]) for e, people in zip(events, recipients, strict=True) for u in people
    }
    if not pairs:
        return set()
    fresh: dict[tuple[int, str], list[Any]] = {}
    now = clock.now()
    for event, people in zip(events, recipients, strict=True):
        key = event.key[:200]
        text = str(event.text)[:500]
        for user in people:
            if (user.pk, key) not in fresh:
                fresh[(user.pk, key)] = [
                    user.pk,
                    event.kind,
                    key,
                    event.target,
                    event.target_id,
                    text,
                    event.url,
                    now,
                ]
    told = _insert_untold(list(fresh.values()))
    logger.info("notify.created", extra={"count": len(told), "events": len(events)})
    return told


_COLUMNS = ("recipient", "kind", "key", "target", "target_id", "text", "url", "created_at")
_SLICE = 500  # rows a statement (8 parameters each: within every database's limit)


def _insert_untold(rows: list[list[Any]]) -> set[tuple[int, str]]:
    """Insert the notifications nobody was told yet, in one statement a slice: a pair
    (recipient, key) already stored — told before, or by a worker that raced this one — is
    skipped by the unique constraint (ON CONFLICT DO NOTHING) and not returned. Returns the
    pairs stored now."""
    meta = Notification._meta
    fields = [cast("Field[Any, Any]", meta.get_field(name)) for name in _COLUMNS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    recipient = quote(str(fields[0].column))
    told: set[tuple[int, str]] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _SLICE):
            part = rows[start : start + _SLICE]
            values = [
                f.get_db_prep_save(v, connection)
                for row in part
                for f, v in zip(fields, row, strict=True)
            ]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * len(part))
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {placeholders} "  # noqa: S608 — names from the model, values bound
                f"ON CONFLICT DO NOTHING RETURNING {recipient}, {quote('key')}",
                values,
            )
            told.update((pk, key) for pk, key in cursor.fetchall())
    return told


def notification_create_for_event(event: Event) -> list[Notification]:
    """One notification per recipient for the event (see `notifications_create_for_events`);
    returns the notifications created now (none for a repeat)."""
    fresh = notifications_create_for_events([event])
    if not fresh:
        return []
    return list(
        Notification.objects.filter(
            key=event.key[:200], recipient_id__in={pk for pk, _key in fresh}
        ).order_by("pk")
    )


def notification_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when `ids` is None); returns how many."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=clock.now())

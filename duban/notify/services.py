"""Writes of the notify app: notifications from events, read marks."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q

from duban.core import clock
from duban.core.events import Event
from duban.notify.models import Notification
from duban.notify.targets import target_visible
from duban.org.models import User

logger = logging.getLogger(__name__)


def event_recipients(event: Event) -> list[User]:
    """The active users an event speaks to and who may see its object."""
    q = Q(pk__in=event.user_ids)
    if event.unit_ids:
        unit_q = Q(unit_id__in=event.unit_ids)
        if event.unit_roles:
            unit_q &= Q(role__in=event.unit_roles)
        q |= unit_q
    if event.office:
        q |= Q(role=User.Role.OFFICE)
    users = User.objects.filter(q, is_active=True).select_related("unit").order_by("pk")
    return [u for u in users if target_visible(u, event.target, event.target_id)]


@transaction.atomic
def notification_create_for_event(event: Event) -> list[Notification]:
    """One notification per recipient for the event; an event already told is not told again.

    Returns the notifications created now (none for a repeat)."""
    recipients = event_recipients(event)
    if not recipients:
        return []
    told = set(
        Notification.objects.filter(key=event.key, recipient__in=recipients).values_list(
            "recipient_id", flat=True
        )
    )
    fresh = [
        Notification(
            recipient=user,
            kind=event.kind,
            key=event.key[:200],
            target=event.target,
            target_id=event.target_id,
            text=str(event.text)[:500],
            url=event.url,
        )
        for user in recipients
        if user.pk not in told
    ]
    # ignore_conflicts: two workers raising the same event at once still make one row each.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    created = list(
        Notification.objects.filter(key=event.key, recipient__in=[n.recipient for n in fresh])
    )
    logger.info("notify.created", extra={"kind": event.kind, "count": len(created)})
    return created


def notification_mark_read(*, user: User, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when `ids` is None); returns how many."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=clock.now())

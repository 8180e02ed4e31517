"""Reads of the notify app, always the caller's own notifications."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from duban.notify.models import Notification
from duban.org.models import User


def notification_list(
    *, user: User, kind: str | None = None, unread: bool | None = None
) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if kind:
        qs = qs.filter(kind=kind)
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs


def notification_get_for_user(*, user: User, notification_id: int) -> Notification:
    return get_object_or_404(Notification, pk=notification_id, recipient=user)


def unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

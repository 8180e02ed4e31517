"""Notifications: one per event per person, read or unread, in the recipient's inbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from duban.core.events import NotificationKind
from duban.core.models import ClockDateTimeField


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=40, choices=NotificationKind.choices)
    # The event's own key: the same event raised twice tells each person once.
    key = models.CharField(_("事件"), max_length=200)
    target = models.CharField(_("对象类型"), max_length=60)
    target_id = models.PositiveBigIntegerField(_("对象"))
    text = models.CharField(_("内容"), max_length=500)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = ClockDateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "提醒")
        verbose_name_plural = pgettext_lazy("model name plural", "提醒")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_event")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return self.url

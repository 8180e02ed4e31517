"""Notifications: one per event per person, read or unread, in the recipient's inbox."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from duban.core.events import NotificationKind
from duban.core.models import ClockDateTimeField
from duban.notify.crypto import EncryptedTextField
from duban.notify.robots import Platform, redacted_url


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
    # The email that carried it (at most one: nothing is sent twice).
    delivery = models.ForeignKey(
        "Delivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )

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


class Mode(models.TextChoices):
    IMMEDIATE = "immediate", _("即时")
    DAILY = "daily", _("每日汇总")
    WEEKLY = "weekly", _("每周汇总")
    OFF = "off", _("不推送")


class DigestRules(models.Model):
    """When a recipient (a person or a work group) is sent what waits: per kind immediately,
    daily at a time or weekly on a day at a time; never in quiet hours."""

    mode = models.CharField(_("推送方式"), max_length=10, choices=Mode.choices, default=Mode.DAILY)
    # Per kind overrides: {"report_late": "immediate", …}.
    kind_modes = models.JSONField(_("分类推送方式"), default=dict, blank=True)
    digest_time = models.TimeField(_("汇总时间"), default=time(9, 0))
    digest_weekday = models.PositiveSmallIntegerField(
        _("每周汇总日"), default=0, help_text=_("0为星期一，6为星期日。")
    )
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)
    last_digest_at = models.DateTimeField(_("上次汇总"), null=True, blank=True)

    class Meta:
        abstract = True

    def mode_for(self, kind: str) -> str:
        mode = self.kind_modes.get(kind, self.mode) if isinstance(self.kind_modes, dict) else ""
        return mode if mode in Mode.values else self.mode


class ChannelSetting(DigestRules):
    """A user's channels: the inbox always; email when chosen (to the account's address)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="channel_setting",
    )
    email = models.BooleanField(_("邮件提醒"), default=False)

    class Meta:
        verbose_name = pgettext_lazy("model name", "提醒设置")
        verbose_name_plural = pgettext_lazy("model name plural", "提醒设置")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(digest_weekday__lte=6), name="channel_weekday_range"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class WorkGroup(DigestRules):
    """A chat work group (项目推进工作群) with its robot, the units/items/leaders it covers and
    the kinds it receives. The robot URL and secret are stored encrypted, never shown back or
    logged."""

    name = models.CharField(_("工作群名称"), max_length=100, unique=True)
    platform = models.CharField(_("平台"), max_length=10, choices=Platform.choices)
    # Encrypted at rest (notify.crypto); pages show the host only, logs neither.
    endpoint = EncryptedTextField(_("机器人地址"))
    secret = EncryptedTextField(_("加签密钥"), blank=True)
    units = models.ManyToManyField(
        "org.Unit", verbose_name=_("覆盖单位"), blank=True, related_name="work_groups"
    )
    items = models.ManyToManyField(
        "ledger.WorkItem", verbose_name=_("覆盖事项"), blank=True, related_name="work_groups"
    )
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("覆盖领导"),
        blank=True,
        related_name="work_groups",
    )
    kinds = models.JSONField(_("接收类型"), default=list, blank=True)
    mention = models.BooleanField(_("@责任人（按手机号）"), default=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "工作群")
        verbose_name_plural = pgettext_lazy("model name plural", "工作群")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(digest_weekday__lte=6), name="workgroup_weekday_range"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def endpoint_shown(self) -> str:
        return redacted_url(self.endpoint)

    def receives(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds


class GroupNotice(models.Model):
    """One event for one work group: sent once, in the group's next message."""

    group = models.ForeignKey(WorkGroup, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("类型"), max_length=40, choices=NotificationKind.choices)
    key = models.CharField(_("事件"), max_length=200)
    text = models.CharField(_("内容"), max_length=500)
    mobiles = models.JSONField(_("@手机号"), default=list, blank=True)
    created_at = ClockDateTimeField(_("时间"), auto_now_add=True)
    delivery = models.ForeignKey(
        "Delivery", null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "key"], name="group_notice_once_per_event")
        ]
        indexes = [models.Index(fields=["group", "delivery"])]

    def __str__(self) -> str:
        return self.text


class Delivery(models.Model):
    """One message to one person's email or one group's robot, and what the platform answered.

    The table is the durable outbox: each row is handed to the task queue, whose worker claims
    the due row, sends it, and records the answer; failures are retried with backoff, then
    marked failed for the office to resend."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        ROBOT = "robot", _("群机器人")

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    group = models.ForeignKey(
        WorkGroup,
        verbose_name=_("工作群"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    subject = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"))
    mobiles = models.JSONField(_("@手机号"), default=list, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    claimed_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    # When a send task was last handed to the task queue for it (to find the stranded ones).
    queued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    answer = models.TextField(_("平台答复"), blank=True)
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "发送记录")
        verbose_name_plural = pgettext_lazy("model name plural", "发送记录")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["group", "sent_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | models.Q(group__isnull=False),
                name="delivery_has_a_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.subject

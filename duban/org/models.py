from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.errors import ImmutableRecordError
from duban.core.models import TimeStampedModel
from duban.org.validators import validate_credit_code


class Unit(TimeStampedModel):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("区直部门")
        STREET = "street", _("街道/镇/乡")
        PARK = "park", _("园区")
        SOE = "soe", _("区属国企")
        TASK_FORCE = "task_force", _("专班")
        OFFICE = "office", _("推进办")

    code = models.SlugField(_("单位代码"), max_length=40, unique=True)
    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=40, blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    assessed = models.BooleanField(_("参加考核"), default=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = pgettext_lazy("model name", "单位")
        verbose_name_plural = pgettext_lazy("model name plural", "单位")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        OFFICE = "office", _("推进办/督查室")
        LEADER = "leader", _("区领导")
        UNIT_HEAD = "unit_head", _("单位负责人")
        REPORTER = "reporter", _("单位联络员")
        STEWARD = "steward", _("项目管家")
        VIEWER = "viewer", _("查看人员")

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    principal = models.BooleanField(
        _("主要领导"),
        default=False,
        help_text=_(
            "区委书记、区长等主要领导：看全区的事项、问题和会议（只读范围，不含推进办的办理权限）。"
        ),
    )

    must_change_password = models.BooleanField(
        _("须修改密码"),
        default=False,
        help_text=_("推进办设置或重置密码后，用户下次登录须先修改密码。"),
    )
    # The password hash and the last login are not history: the audit log records both acts.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = pgettext_lazy("model name", "用户")
        verbose_name_plural = pgettext_lazy("model name plural", "用户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["unit_head", "reporter"]) | Q(unit__isnull=False),
                name="user_unit_role_has_unit",
                violation_error_message=_("单位负责人和联络员必须属于一个单位。"),
            ),
            models.CheckConstraint(
                condition=Q(principal=False) | Q(role="leader"),
                name="user_principal_is_leader",
                violation_error_message=_("只有区领导可以标为主要领导。"),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_office(self) -> bool:
        return self.is_superuser or self.role == self.Role.OFFICE

    @property
    def is_principal(self) -> bool:
        """A district's 主要领导 (区委书记、区长): sees the whole district."""
        return self.principal and self.role == self.Role.LEADER


class Enterprise(TimeStampedModel):
    name = models.CharField(_("企业名称"), max_length=200, unique=True)
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = pgettext_lazy("model name", "企业")
        verbose_name_plural = pgettext_lazy("model name plural", "企业")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="enterprise_credit_code_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Responsibility(TimeStampedModel):
    """A leader's relation to a unit, a work item or an enterprise, over a date range."""

    class Relation(models.TextChoices):
        IN_CHARGE = "in_charge", _("分管")
        CONTACT = "contact", _("联系")
        LEAD = "lead", _("牵头")
        LIAISON = "liaison", _("包联")

    leader = models.ForeignKey(
        User, verbose_name=_("领导"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    relation = models.CharField(_("关系"), max_length=20, choices=Relation.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE
    )
    work_item = models.ForeignKey(
        "ledger.WorkItem",
        verbose_name=_("台账事项"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="responsibilities",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), null=True, blank=True, on_delete=models.CASCADE
    )
    start_date = models.DateField(_("起始日期"), null=True, blank=True)
    end_date = models.DateField(_("截止日期"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model name", "领导责任")
        verbose_name_plural = pgettext_lazy("model name plural", "领导责任")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, work_item__isnull=True, enterprise__isnull=True)
                    | Q(unit__isnull=True, work_item__isnull=False, enterprise__isnull=True)
                    | Q(unit__isnull=True, work_item__isnull=True, enterprise__isnull=False)
                ),
                name="responsibility_exactly_one_target",
                violation_error_message=_("领导责任必须且只能指向一个单位、事项或企业。"),
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="responsibility_dates_ordered",
                violation_error_message=_("截止日期不能早于起始日期。"),
            ),
        ]

    def __str__(self) -> str:
        target = self.unit or self.work_item or self.enterprise
        return f"{self.leader} {self.get_relation_display()} {target}"

    def is_active_on(self, day: date) -> bool:
        return (self.start_date is None or self.start_date <= day) and (
            self.end_date is None or day <= self.end_date
        )


class ApiToken(TimeStampedModel):
    """A bearer token for the API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(_("已吊销"), default=False)

    # Who issued or revoked which token, and when (never the key, never each use).
    history = HistoricalRecords(excluded_fields=["key_hash", "last_used_at"])

    class Meta:
        verbose_name = pgettext_lazy("model name", "API令牌")
        verbose_name_plural = pgettext_lazy("model name plural", "API令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return "dbn_" + secrets.token_urlsafe(32)


class AuditEvent(models.Model):
    """One security-relevant act: a sign-in (or a failed one), a lockout, a password change,
    an export or a download. Written once, never changed or deleted (admin read-only; on
    PostgreSQL a trigger refuses UPDATE and DELETE)."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录成功")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED_OUT = "locked_out", _("账号锁定")
        LOGOUT = "logout", _("退出登录")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        EXPORT = "export", _("导出")
        DOWNLOAD = "download", _("下载")
        BACKUP = "backup", _("备份")

    at = models.DateTimeField(_("时间"), db_index=True)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    what = models.CharField(_("对象"), max_length=300, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = pgettext_lazy("model name", "审计日志")
        verbose_name_plural = pgettext_lazy("model name plural", "审计日志")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_kind_display()}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ImmutableRecordError(_("审计日志不能修改。"))
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError(_("审计日志不能删除。"))


class NameAlias(TimeStampedModel):
    """Another name an office writes for a unit (区发改局 for 示例区发展和改革局) or a leader.

    `key` is the alias as the name resolver compares it (duban.org.names.name_key), unique:
    one written name never points to two units or two people.
    """

    alias = models.CharField(_("别名"), max_length=100)
    key = models.CharField(_("比对用名称"), max_length=100, unique=True, editable=False)
    unit = models.ForeignKey(
        Unit,
        verbose_name=pgettext_lazy("model name", "单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="aliases",
    )
    user = models.ForeignKey(
        User,
        verbose_name=_("领导"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="aliases",
    )
    learned = models.BooleanField(
        _("导入时学到"), default=False, help_text=_("在导入预览中选定后记住的名称。")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["alias"]
        verbose_name = pgettext_lazy("model name", "名称别名")
        verbose_name_plural = pgettext_lazy("model name plural", "名称别名")
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False, user__isnull=True)
                | Q(unit__isnull=True, user__isnull=False),
                name="name_alias_one_target",
                violation_error_message=_("别名必须且只能指向一个单位或一位领导。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.unit or self.user}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        from duban.org.names import name_key  # names.py reads these models

        self.key = name_key(self.alias)[:100]
        super().save(*args, **kwargs)

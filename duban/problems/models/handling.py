"""Events, evidence, extensions, escalations and co-unit answers: what a problem collects."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.models import TimeStampedModel, VersionedModel
from duban.org.models import Unit
from duban.problems.models.problem import MAX_LEVEL, Problem, S


class ProblemEvent(models.Model):
    """One step in a problem's life: who, when, from → to, and why (shown on its page)."""

    class Action(models.TextChoices):
        REPORT = "report", pgettext_lazy("problem event", "上报")
        ACCEPT = "accept", pgettext_lazy("problem event", "受理")
        REJECT = "reject", pgettext_lazy("problem event", "不予受理")
        MERGE = "merge", pgettext_lazy("problem event", "合并")
        ASSIGN = "assign", pgettext_lazy("problem event", "交办")
        CO_ANSWER = "co_answer", pgettext_lazy("problem event", "配合单位答复")
        FEEDBACK = "feedback", pgettext_lazy("problem event", "反馈")
        VERIFY = "verify", pgettext_lazy("problem event", "核实")
        RETURN = "return", pgettext_lazy("problem event", "退回重办")
        CLOSE = "close", pgettext_lazy("problem event", "销号")
        REOPEN = "reopen", pgettext_lazy("problem event", "重新打开")
        ESCALATE = "escalate", pgettext_lazy("problem event", "升级")
        EXTENSION_REQUEST = "extension_request", pgettext_lazy("problem event", "申请延期")
        EXTENSION_HEAD = "extension_head", pgettext_lazy("problem event", "单位负责人同意延期")
        EXTENSION_APPROVE = "extension_approve", pgettext_lazy("problem event", "批准延期")
        EXTENSION_REJECT = "extension_reject", pgettext_lazy("problem event", "不同意延期")
        OPINION = "opinion", pgettext_lazy("problem event", "协调意见")
        EVIDENCE = "evidence", pgettext_lazy("problem event", "上传佐证")
        SATISFACTION = "satisfaction", pgettext_lazy("problem event", "满意度评价")
        AGENDA = "agenda", pgettext_lazy("problem event", "列入调度会议程")

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    from_state = models.CharField(_("原状态"), max_length=20, choices=S.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=S.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = pgettext_lazy("model name", "问题流转记录")
        verbose_name_plural = pgettext_lazy("model name plural", "问题流转记录")

    def __str__(self) -> str:
        return f"{self.problem_id} {self.get_action_display()}"


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"problems/{instance.problem_id}/{filename}"


class Evidence(TimeStampedModel):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="evidence")
    feedback = models.ForeignKey(
        "Feedback", null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=300)
    name = models.CharField(_("名称"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = pgettext_lazy("model name", "佐证材料")
        verbose_name_plural = pgettext_lazy("model name plural", "佐证材料")

    def __str__(self) -> str:
        return self.name


class ExtensionRequest(VersionedModel):
    class State(models.TextChoices):
        PENDING_HEAD = "pending_head", _("待单位负责人审批")
        PENDING_OFFICE = "pending_office", _("待推进办审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("延期理由"))
    current_due_date = models.DateField(_("原办理时限"))
    new_due_date = models.DateField(_("申请延至"))
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.PENDING_HEAD
    )
    head_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("单位负责人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    head_at = models.DateTimeField(_("单位负责人审批时间"), null=True, blank=True)
    office_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("推进办审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    office_at = models.DateTimeField(_("推进办审批时间"), null=True, blank=True)
    reject_reason = models.TextField(_("不同意理由"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("model name", "延期申请")
        verbose_name_plural = pgettext_lazy("model name plural", "延期申请")
        constraints = [
            models.CheckConstraint(
                condition=Q(new_due_date__gt=F("current_due_date")),
                name="extension_new_date_later",
                violation_error_message=_("申请延至的日期必须晚于原办理时限。"),
            ),
            models.UniqueConstraint(
                fields=["problem"],
                condition=Q(state__in=["pending_head", "pending_office"]),
                name="extension_one_pending_per_problem",
                violation_error_message=_("该问题已有一份待审批的延期申请。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.problem} → {self.new_due_date}"


class Escalation(models.Model):
    class Reason(models.TextChoices):
        OVERDUE = "overdue", _("逾期自动升级")
        MANUAL = "manual", _("人工升级")

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="escalations")
    from_level = models.PositiveSmallIntegerField(_("原级别"))
    to_level = models.PositiveSmallIntegerField(_("新级别"))
    reason = models.CharField(_("原因"), max_length=10, choices=Reason.choices)
    note = models.TextField(_("说明"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    on = models.DateField(_("日期"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = pgettext_lazy("model name", "升级记录")
        verbose_name_plural = pgettext_lazy("model name plural", "升级记录")
        constraints = [
            models.CheckConstraint(
                condition=Q(to_level__gt=F("from_level"), to_level__lte=MAX_LEVEL),
                name="escalation_goes_up",
            ),
            # One automatic step per problem per day: running `duban escalate` twice is harmless.
            models.UniqueConstraint(
                fields=["problem", "on", "reason"],
                condition=Q(reason="overdue"),
                name="escalation_overdue_once_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} L{self.from_level}→L{self.to_level}"


class CoUnitResponse(VersionedModel):
    """A co-unit's answer to the problem it was asked to help with, due within N days; its
    `version` keeps two members of the unit from overwriting each other's answer."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="co_responses")
    unit = models.ForeignKey(Unit, verbose_name=_("配合单位"), on_delete=models.PROTECT)
    due_date = models.DateField(_("答复时限"))
    answer = models.TextField(_("答复意见"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = pgettext_lazy("model name", "配合单位答复")
        verbose_name_plural = pgettext_lazy("model name plural", "配合单位答复")
        constraints = [
            models.UniqueConstraint(fields=["problem", "unit"], name="co_response_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.unit}"

    def is_overdue(self, today: date) -> bool:
        return self.answered_at is None and self.due_date < today

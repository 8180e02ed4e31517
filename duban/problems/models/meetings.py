"""Dispatch meetings and their agendas."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.models import VersionedModel
from duban.ledger.models import WorkItem
from duban.org.models import Unit
from duban.problems.models.problem import Problem


class Meeting(VersionedModel):
    class Kind(models.TextChoices):
        SPECIAL = "special", _("专题协调会")
        MONTHLY = "monthly", _("月度调度会")
        REGULAR = "regular", _("定期例会")

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("待召开")
        HELD = "held", _("已召开")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("调度级别"))
    title = models.CharField(_("会议名称"), max_length=200)
    number = models.CharField(_("纪要编号"), max_length=60, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主持人"),
        on_delete=models.PROTECT,
        related_name="chaired_meetings",
    )
    date = models.DateField(_("会议日期"))
    location = models.CharField(_("地点"), max_length=200, blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("参会人员"),
        blank=True,
        related_name="attended_meetings",
    )
    attendee_units = models.ManyToManyField(
        Unit, verbose_name=_("参会单位"), blank=True, related_name="meetings"
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.SCHEDULED
    )
    minutes = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords(m2m_fields=[attendees, attendee_units])

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = pgettext_lazy("model name", "调度会")
        verbose_name_plural = pgettext_lazy("model name plural", "调度会")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=[3, 4]),
                name="meeting_level_3_or_4",
                violation_error_message=_("调度会的级别只能是三级（专题协调）或四级（月度调度）。"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("problems:meeting", args=[self.pk])


class AgendaItem(models.Model):
    """One point on a meeting's agenda: an escalated problem or a lagging work item."""

    class Kind(models.TextChoices):
        PROBLEM = "problem", _("升级问题")
        BEHIND = "behind", _("进度滞后事项")
        MILESTONE = "milestone", _("节点逾期事项")
        MANUAL = "manual", _("其他议题")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    sort_order = models.PositiveIntegerField(_("顺序"), default=0)
    problem = models.ForeignKey(
        Problem, null=True, blank=True, on_delete=models.CASCADE, related_name="agenda_items"
    )
    work_item = models.ForeignKey(
        WorkItem, null=True, blank=True, on_delete=models.CASCADE, related_name="agenda_items"
    )
    text = models.CharField(_("议题"), max_length=300)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = pgettext_lazy("model name", "议程")
        verbose_name_plural = pgettext_lazy("model name plural", "议程")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "problem"],
                condition=Q(problem__isnull=False),
                name="agenda_problem_once",
            ),
        ]

    def __str__(self) -> str:
        return self.text

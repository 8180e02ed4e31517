"""Leaders' coordination opinions and units' feedback on problems and opinions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.models import VersionedModel
from duban.org.models import Unit
from duban.problems.models.meetings import Meeting
from duban.problems.models.problem import Problem


class Coordination(VersionedModel):
    """A leader's coordination opinion (协调意见) on a problem, optionally decided at a meeting."""

    class State(models.TextChoices):
        ISSUED = "issued", _("已下达")
        FEEDBACK_SUBMITTED = "feedback_submitted", _("已反馈")
        COMPLETED = "completed", _("已落实")

    problem = models.ForeignKey(
        Problem, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="opinions"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("协调领导"),
        on_delete=models.PROTECT,
        related_name="opinions",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("调度会"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    text = models.TextField(_("协调意见"))
    units = models.ManyToManyField(Unit, verbose_name=_("责任单位"), related_name="opinions")
    deadline = models.DateField(_("完成时限"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.ISSUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    history = HistoricalRecords(m2m_fields=[units])

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("model name", "协调意见")
        verbose_name_plural = pgettext_lazy("model name plural", "协调意见")

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def on_behalf(self) -> bool:
        """Recorded by someone other than the leader (the office, for a leader or a meeting)."""
        return self.created_by_id != self.leader_id


class Feedback(VersionedModel):
    """A unit's account of what it did on a problem or on a coordination opinion."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        ACCEPTED = "accepted", _("已通过")
        RETURNED = "returned", _("已退回")

    unit = models.ForeignKey(Unit, verbose_name=_("反馈单位"), on_delete=models.PROTECT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反馈人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    coordination = models.ForeignKey(
        Coordination,
        verbose_name=_("协调意见"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    text = models.TextField(_("反馈内容"))
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    return_reason = models.TextField(_("退回原因"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("model name", "反馈")
        verbose_name_plural = pgettext_lazy("model name plural", "反馈")
        constraints = [
            models.CheckConstraint(
                condition=Q(problem__isnull=False, coordination__isnull=True)
                | Q(problem__isnull=True, coordination__isnull=False),
                name="feedback_exactly_one_target",
                violation_error_message=_("反馈必须且只能针对一个问题或一条协调意见。"),
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_reason=""),
                name="feedback_returned_has_reason",
                violation_error_message=_("退回反馈必须写明原因。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.text[:30]}"

    @property
    def target_problem(self) -> Problem:
        if self.problem is not None:
            return self.problem
        assert self.coordination is not None  # noqa: S101 - enforced by a constraint
        return self.coordination.problem

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.models import TimeStampedModel, VersionedModel, money_field
from duban.core.periods import Period
from duban.ledger.models import Indicator, Milestone, WorkItem


class ReportingSettings(models.Model):
    """The district's reporting rules; one row, edited in the admin."""

    due_day = models.PositiveSmallIntegerField(
        _("月报截止日"), default=5, help_text=_("次月第几日前报送（默认5日）。")
    )
    require_head_signoff = models.BooleanField(
        _("需单位负责人审签"),
        default=True,
        help_text=_("开启后，联络员提交的月报须经单位负责人审签才算报送。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model name", "月报设置")
        verbose_name_plural = pgettext_lazy("model name plural", "月报设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(due_day__gte=1, due_day__lte=28), name="due_day_range"
            )
        ]

    def __str__(self) -> str:
        return str(_("月报设置"))

    @classmethod
    def load(cls) -> ReportingSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class MonthClose(TimeStampedModel):
    """A closed month: its reports are locked."""

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关闭人"), on_delete=models.PROTECT
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-month"]
        verbose_name = pgettext_lazy("model name", "月度关账")
        verbose_name_plural = pgettext_lazy("model name plural", "月度关账")
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="month_close_unique"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="month_close_month_range"
            ),
        ]

    def __str__(self) -> str:
        return str(Period(self.year, self.month))


class MonthlyReport(VersionedModel):
    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING_SIGNOFF = "pending_signoff", _("待审签")
        SUBMITTED = "submitted", _("已报送")
        ACCEPTED = "accepted", _("已采纳")
        RETURNED = "returned", _("已退回")

    work_item = models.ForeignKey(
        WorkItem, verbose_name=_("台账事项"), on_delete=models.PROTECT, related_name="reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.DRAFT)
    investment_month = money_field(_("本月完成投资（万元）"), null=True, blank=True)
    funds_month = money_field(_("本月资金到位（万元）"), null=True, blank=True)
    progress_text = models.TextField(_("形象进度"), blank=True)
    progress_pct = models.DecimalField(
        _("形象进度（%）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    started = models.BooleanField(_("已开工"), default=False)
    started_on = models.DateField(_("开工日期"), null=True, blank=True)
    in_statistics = models.BooleanField(_("已入统"), default=False)
    in_statistics_on = models.DateField(_("入统日期"), null=True, blank=True)
    no_change = models.BooleanField(_("无变化"), default=False)
    problems_text = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下步计划"), blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    times_returned = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审签人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("首次报送时间"), null=True, blank=True)
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
        ordering = ["-year", "-month", "work_item_id"]
        verbose_name = pgettext_lazy("model name", "月报")
        verbose_name_plural = pgettext_lazy("model name plural", "月报")
        constraints = [
            models.UniqueConstraint(
                fields=["work_item", "year", "month"], name="report_one_per_item_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="report_month_range"
            ),
            models.CheckConstraint(
                condition=Q(investment_month__isnull=True) | Q(investment_month__gte=0),
                name="report_investment_nonnegative",
                violation_error_message=_("本月完成投资不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(funds_month__isnull=True) | Q(funds_month__gte=0),
                name="report_funds_nonnegative",
                violation_error_message=_("本月资金到位不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(progress_pct__isnull=True)
                | Q(progress_pct__gte=0, progress_pct__lte=100),
                name="report_progress_pct_range",
                violation_error_message=_("形象进度百分比应在0到100之间。"),
            ),
        ]
        indexes = [models.Index(fields=["year", "month", "state"])]

    def __str__(self) -> str:
        return f"{self.work_item.title} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:report", args=[self.pk])

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)


# The states whose figures count in cumulative totals and statistics.
COUNTING_STATES = (MonthlyReport.State.SUBMITTED, MonthlyReport.State.ACCEPTED)
# The states a unit may still edit.
EDITABLE_STATES = (MonthlyReport.State.DRAFT, MonthlyReport.State.RETURNED)


class IndicatorValue(models.Model):
    report = models.ForeignKey(
        MonthlyReport, on_delete=models.CASCADE, related_name="indicator_values"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("完成值"), max_digits=20, decimal_places=4, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model name", "指标完成值")
        verbose_name_plural = pgettext_lazy("model name plural", "指标完成值")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="indicator_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.value}"


class ReportMilestone(models.Model):
    """A node the report says was reached; applied to the milestone when accepted."""

    report = models.ForeignKey(
        MonthlyReport, on_delete=models.CASCADE, related_name="milestones_reached"
    )
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, related_name="+")
    reached_on = models.DateField(_("完成日期"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model name", "本月完成节点")
        verbose_name_plural = pgettext_lazy("model name plural", "本月完成节点")
        constraints = [
            models.UniqueConstraint(fields=["report", "milestone"], name="report_milestone_unique")
        ]

    def __str__(self) -> str:
        return f"{self.milestone} {self.reached_on}"

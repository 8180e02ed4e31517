from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.models import SingletonModel, TimeStampedModel, VersionedModel, money_field
from duban.core.periods import Period
from duban.ledger.models import Indicator, Milestone, WorkItem
from duban.reporting.progress import COUNTED_STATES, Light


class ReportingSettings(SingletonModel):
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


class LightRules(models.Model):
    """One version of the thresholds that make the lights (DOMAIN.md §4).

    Versions are only ever added: the newest is in force, and every light and snapshot names
    the version that made it, so an old light can always be explained by its own rules.
    """

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_soon_days = models.PositiveSmallIntegerField(
        _("临期天数"), default=3, help_text=_("距计划完成日期不超过该天数时亮黄灯（临期）。")
    )
    behind_yellow_pp = models.DecimalField(
        _("滞后黄灯阈值（个百分点）"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(10),
        help_text=_("低于序时进度达到该值亮黄灯。"),
    )
    behind_red_pp = models.DecimalField(
        _("滞后红灯阈值（个百分点）"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(30),
        help_text=_("低于序时进度超过该值亮红灯。"),
    )
    start_red_months = models.PositiveSmallIntegerField(
        _("未开工亮红灯月数"), default=3, help_text=_("计划开工月份之后仍未开工满该月数亮红灯。")
    )
    statistics_yellow_months = models.PositiveSmallIntegerField(
        _("未入统亮黄灯月数"), default=1, help_text=_("开工后满该月数仍未入统亮黄灯。")
    )
    statistics_red_months = models.PositiveSmallIntegerField(
        _("未入统亮红灯月数"), default=2, help_text=_("开工后满该月数仍未入统亮红灯。")
    )
    statistics_threshold = money_field(
        _("入统标准（万元）"),
        default=Decimal(500),
        help_text=_("计划总投资达到该金额的项目应纳入固定资产投资统计。"),
    )
    note = models.CharField(_("修订说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = pgettext_lazy("model name", "亮灯规则")
        verbose_name_plural = pgettext_lazy("model name plural", "亮灯规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(behind_yellow_pp__lte=F("behind_red_pp")),
                name="light_rules_yellow_below_red",
                violation_error_message=_("黄灯的滞后阈值不能高于红灯的阈值。"),
            ),
            models.CheckConstraint(
                condition=Q(behind_yellow_pp__gt=0), name="light_rules_yellow_positive"
            ),
            models.CheckConstraint(
                condition=Q(statistics_yellow_months__lte=F("statistics_red_months")),
                name="light_rules_statistics_ordered",
                violation_error_message=_("未入统亮黄灯的月数不能多于亮红灯的月数。"),
            ),
        ]

    def __str__(self) -> str:
        return str(_("第%(n)s版") % {"n": self.pk})


class MonthClose(TimeStampedModel):
    """A closed month: its reports are locked and its figures and lights frozen in snapshots."""

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关闭人"), on_delete=models.PROTECT
    )
    as_of = models.DateField(_("亮灯判定日"), null=True, blank=True)
    rules = models.ForeignKey(
        LightRules,
        verbose_name=_("亮灯规则版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.JSONField(_("冻结摘要"), default=dict, blank=True)
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
        indexes = [
            models.Index(fields=["year", "month", "state"]),
            # the inboxes' drafts, returned, to sign off and to review: few among many accepted
            models.Index(fields=["state"]),
        ]

    def __str__(self) -> str:
        return f"{self.work_item.title} {self.period}"

    def get_absolute_url(self) -> str:
        return reverse("reporting:report", args=[self.pk])

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)

    @property
    def shows_started(self) -> bool:
        """Whether the report stands for a started project: it says so, or the project had
        started by the month's end (a report of June says nothing new about a start in March,
        but does not mean 未开工)."""
        return self.started or self.work_item.has_started_by(self.period.last_day)

    @property
    def shows_started_on(self) -> date | None:
        return self.started_on if self.started else self.work_item.actual_start

    @property
    def shows_in_statistics(self) -> bool:
        day = self.work_item.in_statistics_date
        return self.in_statistics or (day is not None and day <= self.period.last_day)

    @property
    def shows_in_statistics_on(self) -> date | None:
        return self.in_statistics_on if self.in_statistics else self.work_item.in_statistics_date


# The states whose figures count in cumulative totals and statistics (defined by the core).
COUNTING_STATES = tuple(MonthlyReport.State(s) for s in sorted(COUNTED_STATES))
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


class StoredProgress(models.Model):
    """The columns a work item's progress for a month is stored in (`stored_values` fills
    them, `stored_progress` reads them back): a closed month's snapshot and an open month's
    kept copy alike."""

    investment_month = money_field(_("本月完成投资（万元）"), null=True, blank=True)
    ytd_investment = money_field(_("本年累计完成投资（万元）"))
    prior_cumulative = money_field(_("以前年度累计完成投资（万元）"))
    annual_plan = money_field(_("年度计划投资（万元）"), null=True, blank=True)
    cumulative_plan = money_field(_("累计计划投资（万元）"), null=True, blank=True)
    report = models.CharField(_("月报报送"), max_length=10)
    report_counted = models.BooleanField(_("月报计入"))
    start = models.CharField(_("开工状态"), max_length=10)
    statistics = models.CharField(_("入统状态"), max_length=10)
    milestones_due = models.PositiveIntegerField(_("临期节点"), default=0)
    milestones_overdue = models.PositiveIntegerField(_("逾期节点"), default=0)
    light = models.CharField(_("亮灯"), max_length=6, choices=Light.choices)
    reasons = models.JSONField(_("亮灯原因"), default=list)

    class Meta:
        abstract = True


class ItemSnapshot(StoredProgress):
    """A work item's frozen figures and light for a closed month.

    It stores the facts the figures were computed from (year-to-date total, the month's
    amount, the cumulative plan); rates are derived from them by the progress core's pure
    functions, so a closed month reads back exactly as it was computed and never changes.
    """

    close = models.ForeignKey(MonthClose, on_delete=models.PROTECT, related_name="items")
    work_item = models.ForeignKey(WorkItem, on_delete=models.PROTECT, related_name="snapshots")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    lead_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = pgettext_lazy("model name", "事项月度快照")
        verbose_name_plural = pgettext_lazy("model name plural", "事项月度快照")
        constraints = [
            models.UniqueConstraint(
                fields=["work_item", "year", "month"], name="item_snapshot_once"
            )
        ]
        indexes = [models.Index(fields=["year", "month", "light"])]

    def __str__(self) -> str:
        return f"{self.work_item_id} {self.year}-{self.month:02d}"


class UnitSnapshot(models.Model):
    """A unit's frozen counts for a closed month: items by light and its reports."""

    close = models.ForeignKey(MonthClose, on_delete=models.PROTECT, related_name="units")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="snapshots")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    items = models.PositiveIntegerField(_("事项"), default=0)
    green = models.PositiveIntegerField(_("绿灯"), default=0)
    yellow = models.PositiveIntegerField(_("黄灯"), default=0)
    red = models.PositiveIntegerField(_("红灯"), default=0)
    reports_due = models.PositiveIntegerField(_("应报"), default=0)
    on_time = models.PositiveIntegerField(_("按时报送"), default=0)
    late = models.PositiveIntegerField(_("逾期报送"), default=0)
    missing = models.PositiveIntegerField(_("未报送"), default=0)

    class Meta:
        ordering = ["unit__sort_order", "unit_id"]
        verbose_name = pgettext_lazy("model name", "单位月度快照")
        verbose_name_plural = pgettext_lazy("model name plural", "单位月度快照")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "month"], name="unit_snapshot_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}-{self.month:02d}"


class ReportCorrection(TimeStampedModel):
    """An office correction of a report whose month is closed.

    The closed month's snapshot keeps what was published; the corrected figures count from
    `counted_from`, the first open month after it, where the correction is listed.
    """

    report = models.ForeignKey(MonthlyReport, on_delete=models.PROTECT, related_name="corrections")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更正人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("更正原因"))
    counted_from_year = models.PositiveSmallIntegerField(_("计入年度"))
    counted_from_month = models.PositiveSmallIntegerField(_("计入月份"))
    old_values = models.JSONField(_("原值"), default=dict)
    new_values = models.JSONField(_("新值"), default=dict)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = pgettext_lazy("model name", "关账后更正")
        verbose_name_plural = pgettext_lazy("model name plural", "关账后更正")

    def __str__(self) -> str:
        return f"{self.report} {self.counted_from_year}-{self.counted_from_month:02d}"

    @property
    def counted_from(self) -> Period:
        return Period(self.counted_from_year, self.counted_from_month)


class LiveProgress(StoredProgress):
    """A work item's figures and light for a month still open, as last computed.

    Not a record of anything: a copy of what the progress core computed from the facts, kept so
    that a page does not judge twenty thousand items again when one of them changed. Its
    `LiveProgressState` says which day, rules and writes the rows of a month are valid for;
    `duban.reporting.selectors.progress` deletes the rows a write made stale and computes them
    again when they are next asked for. Same columns as `ItemSnapshot`, read back the same way.
    """

    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="live_progress")
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))

    class Meta:
        verbose_name = pgettext_lazy("model name", "事项当月进度")
        verbose_name_plural = pgettext_lazy("model name plural", "事项当月进度")
        constraints = [
            models.UniqueConstraint(
                fields=["work_item", "year", "month"], name="live_progress_once"
            )
        ]
        indexes = [models.Index(fields=["year", "month", "light"])]

    def __str__(self) -> str:
        return f"{self.work_item_id} {self.year}-{self.month:02d}"


class LiveProgressState(models.Model):
    """What the `LiveProgress` rows of one open month are valid for: the day the lights were
    judged on, the light rules and due day in force, and how far the change feed (the history
    tables of the facts) had been read. Its row is also the lock two refreshes take in turn."""

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    today = models.DateField(_("判定日"))
    rules_version = models.PositiveIntegerField(_("亮灯规则版本"), default=0)
    due_day = models.PositiveSmallIntegerField(_("月报截止日"))
    feed = models.JSONField(_("已读变更"), default=dict)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("model name", "当月进度状态")
        verbose_name_plural = pgettext_lazy("model name plural", "当月进度状态")
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="live_progress_state_once")
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.today}"

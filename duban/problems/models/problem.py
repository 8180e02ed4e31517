"""A problem, its states grouped for the lists, and the district's dispatch rules."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.models import SingletonModel, VersionedModel
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.org.models import Enterprise, Unit

MAX_LEVEL = 4


class ProblemSettings(SingletonModel):
    """The district's dispatch rules; one row, edited in the admin (defaults: DOMAIN §3–4)."""

    levels = models.PositiveSmallIntegerField(
        _("调度级数"), default=4, help_text=_("问题最多升到第几级（2—4级）。")
    )
    grace_days = models.PositiveSmallIntegerField(
        _("升级宽限天数"),
        default=3,
        help_text=_("问题逾期超过该天数仍未办结，自动升一级；升级后每级再给同样天数。"),
    )
    co_unit_answer_days = models.PositiveSmallIntegerField(
        _("配合单位答复天数"),
        default=5,
        help_text=_("交办后配合单位须在该天数内答复，逾期牵头单位可申请升级。"),
    )
    default_due_days = models.PositiveSmallIntegerField(
        _("默认办理时限（天）"), default=15, help_text=_("交办时未填办理时限时使用。")
    )
    demand_plan_days = models.PositiveSmallIntegerField(
        _("企业诉求答复时限（天）"), default=7, help_text=_("企业诉求须在该天数内拿出办理方案。")
    )
    urgent_demand_hours = models.PositiveSmallIntegerField(_("紧急诉求答复时限（小时）"), default=2)
    agenda_item_count = models.PositiveSmallIntegerField(
        _("议程中滞后事项数"),
        default=5,
        help_text=_("调度会议程列入距序时进度差距最大的事项个数。"),
    )
    level1_name = models.CharField(_("一级调度"), max_length=40, default="单位分管负责人")
    level2_name = models.CharField(_("二级调度"), max_length=40, default="单位主要负责人")
    level3_name = models.CharField(
        _("三级调度"), max_length=40, default="联系/分管区领导（专题协调）"
    )
    level4_name = models.CharField(_("四级调度"), max_length=40, default="区主要领导（月度调度会）")
    meeting_organ = models.CharField(
        _("纪要发文机关"), max_length=60, default="区重点项目推进办公室"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model name", "问题调度设置")
        verbose_name_plural = pgettext_lazy("model name plural", "问题调度设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(levels__gte=2, levels__lte=MAX_LEVEL), name="problem_settings_levels"
            )
        ]

    def __str__(self) -> str:
        return str(_("问题调度设置"))

    def level_name(self, level: int) -> str:
        return str(getattr(self, f"level{level}_name", "") or level)


class Problem(VersionedModel):
    class Source(models.TextChoices):
        UNIT_REPORT = "unit_report", _("单位上报")
        STEWARD_VISIT = "steward_visit", _("管家走访")
        DEMAND = "demand", _("企业诉求")
        INSPECTION = "inspection", _("督查发现")
        MEETING = "meeting", pgettext_lazy("problem source", "调度会")
        LEADER = "leader", _("领导交办")

    class Category(models.TextChoices):
        LAND = "land", _("用地")
        PLANNING = "planning", _("规划")
        APPROVAL = "approval", _("审批手续")
        FUNDING = "funding", _("资金")
        EXPROPRIATION = "expropriation", _("征收拆迁")
        UTILITIES = "utilities", _("水电气热讯")
        SITE = "site", _("施工环境")
        POLICY = "policy", _("政策")
        LABOUR = "labour", _("用工")
        OTHER = "other", _("其他")

    class State(models.TextChoices):
        REPORTED = "reported", _("已上报")
        ACCEPTED = "accepted", _("已受理")
        REJECTED = "rejected", _("不予受理")
        MERGED = "merged", _("已合并")
        ASSIGNED = "assigned", _("已交办")
        FEEDBACK_SUBMITTED = "feedback_submitted", _("已反馈")
        VERIFIED = "verified", _("已核实")
        CLOSED = "closed", _("已销号")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    work_item = models.ForeignKey(
        WorkItem,
        verbose_name=_("台账事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    visit = models.ForeignKey(
        "liaison.Visit",
        verbose_name=_("走访"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("问题描述"))
    request = models.TextField(_("需协调事项"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        on_delete=models.PROTECT,
        related_name="reported_problems",
    )
    reporting_unit = models.ForeignKey(
        Unit,
        verbose_name=_("上报单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_problems",
    )
    reported_on = models.DateField(_("上报日期"))
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_problems",
    )
    co_units = models.ManyToManyField(
        Unit, verbose_name=_("配合单位"), blank=True, related_name="co_problems"
    )
    level = models.PositiveSmallIntegerField(_("调度级别"), default=1)
    due_date = models.DateField(_("办理时限"), null=True, blank=True)
    # Keep the original due date: scoring counts lateness from it, whatever the extensions.
    original_due_date = models.DateField(_("原定时限"), null=True, blank=True)
    escalated_on = models.DateField(_("最近升级日期"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.REPORTED
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    reject_reason = models.TextField(_("不予受理原因"), blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    close_year = models.PositiveSmallIntegerField(_("销号年度"), null=True, blank=True)
    close_month = models.PositiveSmallIntegerField(_("销号月份"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重新打开次数"), default=0)
    urgent = models.BooleanField(_("紧急诉求"), default=False)
    plan_due_at = models.DateTimeField(
        _("方案答复时限"),
        null=True,
        blank=True,
        help_text=_("企业诉求须在此前交办（拿出办理方案）。"),
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    history = HistoricalRecords(m2m_fields=[co_units])

    class Meta:
        ordering = ["-reported_on", "-pk"]
        verbose_name = pgettext_lazy("model name", "问题")
        verbose_name_plural = pgettext_lazy("model name plural", "问题")
        constraints = [
            models.CheckConstraint(
                condition=Q(work_item__isnull=False) | Q(enterprise__isnull=False),
                name="problem_has_item_or_enterprise",
                violation_error_message=_("问题必须关联台账事项或企业。"),
            ),
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=MAX_LEVEL),
                name="problem_level_range",
                violation_error_message=_("调度级别应在1到4之间。"),
            ),
            models.CheckConstraint(
                condition=Q(state="merged", merged_into__isnull=False)
                | (~Q(state="merged") & Q(merged_into__isnull=True)),
                name="problem_merged_has_target",
                violation_error_message=_("已合并的问题必须指明合并至哪个问题。"),
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(reject_reason=""),
                name="problem_rejected_has_reason",
                violation_error_message=_("不予受理必须写明原因。"),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["assigned", "feedback_submitted", "verified", "closed"])
                | Q(lead_unit__isnull=False, due_date__isnull=False),
                name="problem_assigned_has_lead_unit_and_due",
                violation_error_message=_("交办后的问题必须有牵头单位和办理时限。"),
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(original_due_date__isnull=False),
                name="problem_due_keeps_original",
                violation_error_message=_("有办理时限的问题必须保留原定时限。"),
            ),
            models.CheckConstraint(
                condition=~Q(state="closed")
                | (Q(close_year__isnull=False, close_month__isnull=False) & ~Q(resolution="")),
                name="problem_closed_has_month_and_resolution",
                violation_error_message=_("销号的问题必须有办理结果和销号月份。"),
            ),
            models.CheckConstraint(
                condition=Q(close_month__isnull=True) | Q(close_month__gte=1, close_month__lte=12),
                name="problem_close_month_range",
            ),
            models.CheckConstraint(
                condition=Q(source="demand") | Q(satisfaction="", urgent=False),
                name="problem_satisfaction_only_for_demands",
                violation_error_message=_("满意度和紧急标记只适用于企业诉求。"),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "level"]),
            models.Index(fields=["close_year", "close_month"]),
            models.Index(fields=["reported_on"]),
            # the desk's lists: overdue problems by state and due date, each state's newest
            models.Index(fields=["state", "due_date"]),
            models.Index(fields=["state", "reported_on"]),
            # the assessment's late demands of a month (answer plans due in it)
            models.Index(fields=["plan_due_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("problems:problem", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def close_period(self) -> Period | None:
        if self.close_year is None or self.close_month is None:
            return None
        return Period(self.close_year, self.close_month)

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < today


S = Problem.State
# Problems still to be solved: what 问题清单 lists and escalation watches.
OPEN_STATES = (S.REPORTED, S.ACCEPTED, S.ASSIGNED, S.FEEDBACK_SUBMITTED, S.VERIFIED)
# Problems that never count in totals: turned away or folded into another problem.
DISCARDED_STATES = (S.REJECTED, S.MERGED)

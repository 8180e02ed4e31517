"""Problems and what hangs off them: events, evidence, extensions, escalations, co-unit answers,
coordination opinions, feedback and dispatch meetings (DOMAIN §3, "the five lists")."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.models import TimeStampedModel, VersionedModel
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.org.models import Enterprise, Unit

MAX_LEVEL = 4


class ProblemSettings(models.Model):
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

    @classmethod
    def load(cls) -> ProblemSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

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


class CoUnitResponse(TimeStampedModel):
    """A co-unit's answer to the problem it was asked to help with, due within N days."""

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

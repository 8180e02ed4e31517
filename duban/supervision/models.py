"""Prompts (两个提示), monthly unit cards (三色亮牌), flags (挂牌督办) and interviews (约谈)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.core.models import SingletonModel, VersionedModel
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.org.models import Unit
from duban.problems.models import Problem
from duban.reporting.models import MonthClose, MonthlyReport

USER = settings.AUTH_USER_MODEL


class SupervisionSettings(SingletonModel):
    """The office's prompt settings; one row, edited in the admin."""

    district = models.CharField(_("区名简称"), max_length=20, default="本区")
    number_pattern = models.CharField(
        _("提示文号格式"),
        max_length=60,
        default="{district}督提〔{year}〕{n}号",
        help_text=_("可用 {district}、{year}、{n}；必须含 {n}。"),
    )
    flag_number_pattern = models.CharField(
        _("督办通知文号格式"),
        max_length=60,
        default="{district}督办〔{year}〕{n}号",
        help_text=_("可用 {district}、{year}、{n}；必须含 {n}。"),
    )
    issuer = models.CharField(_("发文机关"), max_length=60, default="区重点项目推进办公室")

    class Recipients(models.TextChoices):
        UNIT = "unit", _("每个责任单位一份")
        LEADER = "leader", _("每位分管区领导的领域一份")

    recipients = models.CharField(
        _("提示对象"),
        max_length=10,
        choices=Recipients.choices,
        default=Recipients.UNIT,
        help_text=_(
            "按分管领域时，一份提示列出该区领导分管各单位的事项，各单位分别答复本单位的事项；"
            "没有分管区领导的单位仍单独提示。"
        ),
    )
    due_soon_days = models.PositiveSmallIntegerField(
        _("临期提示天数"),
        default=7,
        help_text=_("在该天数内到期的事项、节点、指标和问题列入临期提示。"),
    )
    reply_working_days = models.PositiveSmallIntegerField(_("答复时限（工作日）"), default=5)
    due_soon_day = models.PositiveSmallIntegerField(_("临期提示生成日"), default=20)
    warning_day = models.PositiveSmallIntegerField(_("预警提示生成日"), default=8)
    history = HistoricalRecords()

    class Meta:
        verbose_name = pgettext_lazy("model name", "提示设置")
        verbose_name_plural = pgettext_lazy("model name plural", "提示设置")
        constraints = [
            models.CheckConstraint(
                condition=Q(number_pattern__contains="{n}"),
                name="prompt_number_pattern_has_n",
                violation_error_message=_("文号格式必须含 {n}（顺序号）。"),
            ),
            models.CheckConstraint(
                condition=Q(flag_number_pattern__contains="{n}"),
                name="flag_number_pattern_has_n",
                violation_error_message=_("文号格式必须含 {n}（顺序号）。"),
            ),
            models.CheckConstraint(
                condition=Q(due_soon_day__gte=1, due_soon_day__lte=28, warning_day__gte=1)
                & Q(warning_day__lte=28),
                name="prompt_days_in_month",
            ),
            models.CheckConstraint(
                condition=Q(reply_working_days__gte=1), name="prompt_reply_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(_("提示设置"))


class PromptCounter(models.Model):
    """A district document sequence of a year (prompts, flag notices); the row is locked while
    numbers are taken."""

    class Series(models.TextChoices):
        PROMPT = "prompt", _("提示")
        FLAG = "flag", _("督办通知")

    series = models.CharField(
        _("文号序列"), max_length=10, choices=Series.choices, default=Series.PROMPT
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用顺序号"), default=0)

    class Meta:
        verbose_name = pgettext_lazy("model name", "提示顺序号")
        verbose_name_plural = pgettext_lazy("model name plural", "提示顺序号")
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="document_counter_once")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last}"


class Prompt(VersionedModel):
    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("临期提示")
        WARNING = "warning", _("预警提示")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("待答复")
        REPLIED = "replied", _("已答复")
        RETURNED = "returned", _("已退回")
        ACCEPTED = "accepted", _("已采纳")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("提示单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prompts",
    )
    leader = models.ForeignKey(
        USER,
        verbose_name=_("分管区领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="area_prompts",
        help_text=_("按分管领域提示时：该领导分管的单位。"),
    )
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    seq = models.PositiveIntegerField(_("顺序号"), null=True, blank=True)
    number = models.CharField(_("文号"), max_length=60, blank=True)
    drafted_on = models.DateField(_("生成日期"))
    issued_at = models.DateTimeField(_("下发时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        USER,
        verbose_name=_("下发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reply_due = models.DateField(_("答复时限"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        USER,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reply_late = models.BooleanField(_("逾期答复"), default=False)
    return_reason = models.TextField(_("退回原因"), blank=True)
    accepted_at = models.DateTimeField(_("采纳时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-month", "seq", "pk"]
        verbose_name = pgettext_lazy("model name", "提示")
        verbose_name_plural = pgettext_lazy("model name plural", "提示")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "seq"], condition=Q(seq__isnull=False), name="prompt_seq_once"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="prompt_month_range"
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(leader__isnull=False),
                name="prompt_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"{self.get_kind_display()} {self.recipient} {self.year}-{self.month}"

    @property
    def recipient(self) -> str:
        """Whom the prompt is addressed to: a unit, or a district leader's area."""
        if self.unit_id is not None:
            return self.unit.name  # type: ignore[union-attr]
        return str(_("%(n)s分管领域") % {"n": self.leader.display_name if self.leader else ""})

    @property
    def by_area(self) -> bool:
        return self.unit_id is None

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)

    @property
    def awaits_reply(self) -> bool:
        return self.state in (self.State.ISSUED, self.State.RETURNED)


class PromptItem(models.Model):
    """One line of a prompt: an item (or a problem), why it is listed, and its figures."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="lines")
    work_item = models.ForeignKey(
        WorkItem,
        verbose_name=_("事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prompt_lines",
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prompt_lines",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("原因代码"), max_length=30)
    reason_text = models.CharField(_("提示原因"), max_length=300)
    figures = models.JSONField(_("数据"), default=dict, blank=True)
    dropped = models.BooleanField(_("已剔除"), default=False)
    answer = models.TextField(_("落实情况"), blank=True)
    new_date = models.DateField(_("预计完成日期"), null=True, blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = pgettext_lazy("model name", "提示事项")
        verbose_name_plural = pgettext_lazy("model name plural", "提示事项")
        constraints = [
            models.CheckConstraint(
                condition=Q(work_item__isnull=False) | Q(problem__isnull=False),
                name="prompt_line_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.prompt_id}: {self.reason_text}"

    @property
    def title(self) -> str:
        if self.work_item is not None:
            return self.work_item.title
        return self.problem.title if self.problem else ""


class CardRules(models.Model):
    """One version of the card rules (DOMAIN.md §4). Versions are only added; the newest is in
    force, and every card names the version that made it."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    several_red = models.PositiveSmallIntegerField(
        _("红牌：红灯事项数"), default=2, help_text=_("红灯事项达到该数亮红牌。")
    )
    yellow_red_items = models.PositiveSmallIntegerField(
        _("黄牌：红灯事项数"), default=1, help_text=_("红灯事项达到该数亮黄牌。")
    )
    yellow_late_reports = models.PositiveSmallIntegerField(_("黄牌：逾期或未报月报数"), default=1)
    yellow_late_replies = models.PositiveSmallIntegerField(_("黄牌：逾期答复提示数"), default=1)
    yellow_overdue_problems = models.PositiveSmallIntegerField(
        _("黄牌：逾期未办结问题数"), default=1
    )
    red_item_months = models.PositiveSmallIntegerField(_("红牌：事项连续红灯月数"), default=2)
    red_false_reports = models.PositiveSmallIntegerField(
        _("红牌：虚假填报月报数"), default=1, help_text=_("月报被认定为虚假填报达到该数亮红牌。")
    )
    yellow_missed_targets = models.PositiveSmallIntegerField(
        _("黄牌：未完成月度计划事项数"),
        default=1,
        help_text=_("有月度计划的事项，本年累计完成低于累计月度计划的事项达到该数亮黄牌。"),
    )
    missed_target_pp = models.DecimalField(
        _("未完成月度计划：低于计划个百分点"),
        max_digits=5,
        decimal_places=2,
        default=5,
        help_text=_("本年累计完成占年度计划的比例低于累计月度计划该数个百分点及以上，视为未完成。"),
    )
    note = models.CharField(_("修订说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = pgettext_lazy("model name", "亮牌规则")
        verbose_name_plural = pgettext_lazy("model name plural", "亮牌规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(several_red__gte=1, yellow_red_items__gte=1, red_item_months__gte=2)
                & Q(yellow_late_reports__gte=1, yellow_late_replies__gte=1)
                & Q(yellow_overdue_problems__gte=1, red_false_reports__gte=1)
                & Q(yellow_missed_targets__gte=1, missed_target_pp__gte=0),
                name="card_rules_positive",
            )
        ]

    def __str__(self) -> str:
        return str(_("第%(n)s版") % {"n": self.pk})


class Colour(models.TextChoices):
    GREEN = "green", _("绿牌")
    YELLOW = "yellow", _("黄牌")
    RED = "red", _("红牌")


class Card(VersionedModel):
    """A unit's card for a closed month: the computed colour, its facts and rule version, and
    the office's override (both kept)."""

    close = models.ForeignKey(MonthClose, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="cards"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    computed = models.CharField(_("计算结果"), max_length=6, choices=Colour.choices)
    colour = models.CharField(_("亮牌"), max_length=6, choices=Colour.choices)
    facts = models.JSONField(_("依据"), default=dict)
    rules = models.ForeignKey(
        CardRules,
        verbose_name=_("规则版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    override_reason = models.TextField(_("调整理由"), blank=True)
    overridden_by = models.ForeignKey(
        USER,
        verbose_name=_("调整人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    overridden_at = models.DateTimeField(_("调整时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-month", "unit__sort_order", "unit_id"]
        verbose_name = pgettext_lazy("model name", "单位亮牌")
        verbose_name_plural = pgettext_lazy("model name plural", "单位亮牌")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "month"], name="card_once"),
        ]
        indexes = [models.Index(fields=["year", "month", "colour"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}-{self.month:02d} {self.get_colour_display()}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)

    @property
    def overridden(self) -> bool:
        return self.colour != self.computed or bool(self.override_reason)


class FalseReport(models.Model):
    """A monthly report the office returned as false (虚假填报): it counts against the lead
    unit's card of the report's month."""

    report = models.OneToOneField(
        MonthlyReport, verbose_name=_("月报"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="false_reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    reason = models.TextField(_("认定理由"))
    found_by = models.ForeignKey(
        USER, verbose_name=_("认定人"), on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(_("认定时间"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-month", "-pk"]
        verbose_name = pgettext_lazy("model name", "虚假填报")
        verbose_name_plural = pgettext_lazy("model name plural", "虚假填报")

    def __str__(self) -> str:
        return f"{self.unit} {self.year}-{self.month:02d} {self.report_id}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)


# Why the sanctions ladder (services/ladder.py) proposes a flag or an interview: patterns
# translated when shown, %(p)s the month of the card behind it.
FLAG_BECAUSE = {
    "red_running": gettext_noop("%(p)s事项连续红灯"),
    "red_three": gettext_noop("%(p)s连续三个月红牌"),
    "top_overdue": gettext_noop("问题升至四级调度仍逾期"),
}
INTERVIEW_BECAUSE = {
    "item_person": gettext_noop("%(p)s黄牌"),
    "leader_head": gettext_noop("%(p)s连续两个月黄牌"),
    "in_charge": gettext_noop("%(p)s红牌"),
    "panel": gettext_noop("%(p)s连续三个月红牌"),
}


class Flag(VersionedModel):
    """挂牌督办 of a unit, an item or a problem."""

    class Target(models.TextChoices):
        UNIT = "unit", _("单位")
        ITEM = "item", _("事项")
        PROBLEM = "problem", _("问题")

    class State(models.TextChoices):
        SUGGESTED = "suggested", _("建议挂牌")
        OPEN = "open", _("挂牌督办中")
        DELIST_REQUESTED = "delist_requested", _("申请摘牌")
        DELISTED = "delisted", _("已摘牌")
        DISMISSED = "dismissed", _("不予挂牌")

    target = models.CharField(_("对象类型"), max_length=10, choices=Target.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="flags"
    )
    work_item = models.ForeignKey(
        WorkItem,
        verbose_name=_("事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flags",
    )
    state = models.CharField(_("状态"), max_length=20, choices=State.choices)
    # Why the sanctions ladder suggested the flag (services/ladder.py): a code and the month of
    # the card behind it, shown in the reader's language (`suggested_because_shown`); the text
    # beside them is the record as written at the close (and all an older flag has).
    suggested_why = models.CharField(max_length=20, blank=True)
    suggested_year = models.PositiveSmallIntegerField(null=True, blank=True)
    suggested_month = models.PositiveSmallIntegerField(null=True, blank=True)
    suggested_because = models.CharField(_("建议依据"), max_length=300, blank=True)
    reason = models.TextField(_("挂牌原因"), blank=True)
    actions = models.TextField(_("整改要求"), blank=True)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    criteria = models.TextField(_("摘牌标准"), blank=True)
    flagged_by = models.ForeignKey(
        USER,
        verbose_name=_("挂牌领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    flagged_on = models.DateField(_("挂牌日期"), null=True, blank=True)
    number = models.CharField(_("督办通知文号"), max_length=60, blank=True)
    evidence = models.TextField(_("摘牌佐证"), blank=True)
    delisted_on = models.DateField(_("摘牌日期"), null=True, blank=True)
    deadline_missed = models.BooleanField(_("逾期未摘牌"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-pk"]
        verbose_name = pgettext_lazy("model name", "挂牌督办")
        verbose_name_plural = pgettext_lazy("model name plural", "挂牌督办")
        constraints = [
            models.CheckConstraint(
                condition=(Q(target="unit") & Q(work_item__isnull=True, problem__isnull=True))
                | (Q(target="item") & Q(work_item__isnull=False))
                | (Q(target="problem") & Q(problem__isnull=False)),
                name="flag_target_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} {self.subject}"

    @property
    def subject(self) -> str:
        if self.work_item is not None:
            return self.work_item.title
        if self.problem is not None:
            return self.problem.title
        return self.unit.name

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.OPEN, self.State.DELIST_REQUESTED)

    @property
    def suggested_because_shown(self) -> str:
        """Why the flag was suggested, in the active language (the stored text for a flag
        suggested before the code was kept)."""
        pattern = FLAG_BECAUSE.get(self.suggested_why)
        if pattern is None:
            return self.suggested_because
        period = (
            Period(self.suggested_year, self.suggested_month).label
            if self.suggested_year and self.suggested_month
            else ""
        )
        return gettext(pattern) % {"p": period}


class FlagUpdate(models.Model):
    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        USER, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("进展"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = pgettext_lazy("model name", "挂牌进展")
        verbose_name_plural = pgettext_lazy("model name plural", "挂牌进展")

    def __str__(self) -> str:
        return f"{self.flag_id} {self.at:%Y-%m-%d}"


class Interview(VersionedModel):
    """约谈, proposed by the sanctions ladder after a close, confirmed and recorded by the office."""

    class Level(models.TextChoices):
        ITEM_PERSON = "item_person", _("约谈事项责任人")
        LEADER_HEAD = "leader_head", _("区领导约谈单位主要负责人")
        LEADER_IN_CHARGE = "in_charge", _("分管区领导约谈")
        PANEL = "panel", _("联合约谈单位主要负责人")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("建议约谈")
        SCHEDULED = "scheduled", _("已安排")
        DONE = "done", _("已约谈")
        DISMISSED = "dismissed", _("不予约谈")

    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="interviews"
    )
    card = models.ForeignKey(
        Card,
        verbose_name=_("依据亮牌"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interviews",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    level = models.CharField(_("约谈层级"), max_length=12, choices=Level.choices)
    because = models.CharField(_("依据"), max_length=300)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.PROPOSED
    )
    scheduled_on = models.DateField(_("约谈日期"), null=True, blank=True)
    interviewer = models.CharField(_("约谈人"), max_length=200, blank=True)
    interviewees = models.CharField(_("被约谈人"), max_length=200, blank=True)
    outcome = models.TextField(_("约谈结果"), blank=True)
    dismiss_reason = models.TextField(_("不予约谈理由"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-month", "unit_id"]
        verbose_name = pgettext_lazy("model name", "约谈")
        verbose_name_plural = pgettext_lazy("model name plural", "约谈")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "month"], name="interview_once_per_unit_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}-{self.month:02d} {self.get_level_display()}"

    @property
    def because_shown(self) -> str:
        """Why the interview was proposed (its level and month say), in the active language."""
        pattern = INTERVIEW_BECAUSE.get(self.level)
        if pattern is None:
            return self.because
        return gettext(pattern) % {"p": Period(self.year, self.month).label}

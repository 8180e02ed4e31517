"""1+N assessment (1+N 考核): a yearly scheme (实施办法) in versions, its rules grouped in N rule
sets by domain (细则), score events with their origin, objections, and the monthly ranking
(创先争优月榜) with quarterly and yearly grades."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.models import TimeStampedModel, VersionedModel
from duban.core.periods import Period
from duban.org.models import Unit
from duban.problems.models import Meeting

USER = settings.AUTH_USER_MODEL


def default_groups() -> dict[str, str]:
    """差异化考核: units are ranked among peers of their kind; kinds not named are not ranked."""
    return {
        Unit.Kind.DEPARTMENT.value: "区直部门",
        Unit.Kind.STREET.value: "街道/镇/乡",
        Unit.Kind.PARK.value: "园区/国企",
        Unit.Kind.SOE.value: "园区/国企",
    }


def default_bands() -> list[dict[str, object]]:
    """Grades by rank share within the group: the top 20% 优秀, the next 50% 良好, …"""
    return [
        {"grade": "优秀", "share": "0.2", "min": "105"},
        {"grade": "良好", "share": "0.7", "min": "95"},
        {"grade": "一般", "share": "0.95", "min": "85"},
        {"grade": "较差", "share": "1", "min": "0"},
    ]


class Scheme(VersionedModel):
    """One version of a year's scheme (实施办法). Versions of a year are only added; each applies
    from `from_month` until the next version, and never to a month already published."""

    class GradeBy(models.TextChoices):
        RANK_SHARE = "rank_share", _("按组内排名比例")
        SCORE = "score", _("按得分")

    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveSmallIntegerField(_("版本号"), default=1)
    from_month = models.PositiveSmallIntegerField(_("起用月份"), default=1)
    name = models.CharField(_("实施办法名称"), max_length=200)
    base_score = models.DecimalField(
        _("基础分"), max_digits=8, decimal_places=2, default=Decimal(100)
    )
    grade_by = models.CharField(
        _("定等方式"), max_length=12, choices=GradeBy.choices, default=GradeBy.RANK_SHARE
    )
    bands = models.JSONField(_("等次"), default=default_bands)
    groups = models.JSONField(_("考核分组"), default=default_groups)
    objection_days = models.PositiveSmallIntegerField(_("异议期（工作日）"), default=5)
    note = models.CharField(_("修订说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("制定人"), null=True, blank=True, on_delete=models.PROTECT
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = pgettext_lazy("model name", "考核实施办法")
        verbose_name_plural = pgettext_lazy("model name plural", "考核实施办法")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="scheme_version_once"),
            models.CheckConstraint(
                condition=Q(from_month__gte=1, from_month__lte=12), name="scheme_from_month_range"
            ),
            models.CheckConstraint(
                condition=Q(objection_days__gte=1, objection_days__lte=30),
                name="scheme_objection_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.year}年第{self.number}版）"

    @property
    def group_names(self) -> list[str]:
        """The groups units are ranked in, each once (several unit kinds share a group)."""
        return list(dict.fromkeys(str(v) for v in (self.groups or {}).values()))


class Domain(models.TextChoices):
    """The N rule sets (细则), by domain."""

    PROJECT = "project", _("重点项目")
    WORK = "work", _("重点工作")
    PROBLEM = "problem", _("问题办理")
    DEMAND = "demand", _("企业诉求")
    PROMPT = "prompt", _("提示与反馈")
    MEETING = "meeting", _("会议")


class Source(models.TextChoices):
    """The facts an automatic rule scores (one derivation each, in services/facts.py)."""

    REPORT_ON_TIME = "report_on_time", _("事项月报按时报送")
    REPORT_LATE = "report_late", _("事项月报逾期或未报")
    REPORT_FALSE = "report_false", _("月报经核查不实被退回")
    REPLY_LATE = "reply_late", _("提示逾期答复")
    FEEDBACK_LATE = "feedback_late", _("协调意见逾期反馈")
    MEETING_MISSED = "meeting_missed", _("缺席调度会")
    CARD_GREEN = "card_green", _("当月绿牌")
    CARD_YELLOW = "card_yellow", _("当月黄牌")
    CARD_RED = "card_red", _("当月红牌")
    PROBLEM_ON_TIME = "problem_on_time", _("问题在原定时限内销号")
    PROBLEM_LATE = "problem_late", _("问题超过原定时限销号")
    DEMAND_LATE = "demand_late", _("企业诉求逾期答复")
    FLAG_MISSED = "flag_missed", _("挂牌督办逾期未摘牌")


class Rule(models.Model):
    """A rule of a scheme version: automatic (from a fact in duban) or manual (the office, with
    evidence and a second office user's approval). `cap` bounds the rule's points per unit
    and month (None: no cap)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="rules")
    domain = models.CharField(_("细则"), max_length=10, choices=Domain.choices)
    code = models.SlugField(_("代码"), max_length=40)
    description = models.CharField(_("说明"), max_length=200)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    cap = models.DecimalField(_("每月封顶"), max_digits=8, decimal_places=2, null=True, blank=True)
    automatic = models.BooleanField(_("自动计分"), default=True)
    source = models.CharField(
        _("计分依据"), max_length=20, choices=Source.choices, blank=True, default=""
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["scheme_id", "sort_order", "pk"]
        verbose_name = pgettext_lazy("model name", "考核细则")
        verbose_name_plural = pgettext_lazy("model name plural", "考核细则")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="rule_code_once"),
            models.CheckConstraint(condition=~Q(points=0), name="rule_points_not_zero"),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gte=0), name="rule_cap_not_negative"
            ),
            models.CheckConstraint(
                condition=(Q(automatic=True) & ~Q(source="")) | (Q(automatic=False) & Q(source="")),
                name="rule_source_iff_automatic",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class MeetingAbsence(TimeStampedModel):
    """A unit expected at a dispatch meeting that did not attend, recorded by the office."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = pgettext_lazy("model name", "缺席调度会")
        verbose_name_plural = pgettext_lazy("model name plural", "缺席调度会")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "unit"], name="absence_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.meeting}"


class ScoringRun(models.Model):
    """One computation of a month's automatic events (a close, `duban assess`, a rescoring
    after a revision or a recorded fact, the events dropped to be derived again): who ran it,
    when, and how many events it added, changed and removed. Written once, never changed.

    Automatic events are derived from the month's frozen facts by an idempotent computation,
    so they keep no row-by-row history (it would say nothing the facts don't, and it was half
    of scoring's writes): the facts and these runs are their audit, and each event names the
    run that last wrote it. Manual events, objections, schemes and rankings keep their full
    history."""

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    by = models.ForeignKey(
        USER,
        verbose_name=_("计算人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("计算时间"))
    added = models.PositiveIntegerField(_("新增"))
    changed = models.PositiveIntegerField(_("变更"))
    removed = models.PositiveIntegerField(_("删除"))

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = pgettext_lazy("model name", "自动计分记录")
        verbose_name_plural = pgettext_lazy("model name plural", "自动计分记录")
        indexes = [models.Index(fields=["year", "month"])]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} {self.at:%Y-%m-%d %H:%M}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)


class ScoreEvent(VersionedModel):
    """Points for a unit in a month, under a rule, from one object (its origin)."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("有效")
        REJECTED = "rejected", _("未通过审核")
        CANCELLED = "cancelled", _("经异议撤销")

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="score_events"
    )
    # Not indexed (nor the two users below): nothing looks events up by rule or by user (a
    # rule or a user is never deleted but by a demo wipe), and a month's scoring writes
    # ≈25,000 events, each index a write per event.
    rule = models.ForeignKey(
        Rule,
        verbose_name=_("细则"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices)
    # What the points came from: a kind ("item", "report", "prompt", …), its id and a label;
    # `key` names the fact, so a recomputation finds the event it made before.
    origin = models.CharField(_("来源类型"), max_length=12)
    origin_id = models.PositiveIntegerField(_("来源编号"), null=True, blank=True)
    label = models.CharField(_("来源"), max_length=300)
    key = models.CharField(max_length=60)
    reason = models.TextField(_("理由"), blank=True)
    evidence = models.TextField(_("佐证"), blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # An automatic event: the computation that last wrote it (its audit, with its fact; see
    # ScoringRun). Not indexed: nothing looks events up by run.
    run = models.ForeignKey(
        ScoringRun,
        verbose_name=_("计分记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # History rows are written for what people do (manual events, their approval, an
    # objection's decision), never by the computation of automatic events (ScoringRun).
    # Nothing looks them up by unit, rule or user (an event's history is read by its id).
    history = HistoricalRecords(no_db_index=["unit", "rule", "created_by", "approved_by", "run"])

    class Meta:
        ordering = ["-year", "-month", "unit_id", "rule__sort_order", "pk"]
        verbose_name = pgettext_lazy("model name", "计分事件")
        verbose_name_plural = pgettext_lazy("model name plural", "计分事件")
        constraints = [
            models.UniqueConstraint(fields=["year", "month", "unit", "key"], name="event_once"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="event_month_range"
            ),
            models.CheckConstraint(condition=~Q(points=0), name="event_points_not_zero"),
            models.CheckConstraint(
                condition=~Q(origin="manual") | (~Q(reason="") & ~Q(evidence="")),
                name="manual_event_has_reason_and_evidence",
            ),
        ]
        # No index on (year, month, state): the unique (year, month, unit, key) serves every
        # look-up by month (a month's events, its pending ones at publishing: a month's rows),
        # and a month's scoring writes and deletes ≈25,000 events, each index a write per event.

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}-{self.month:02d} {self.points} {self.label}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)

    @property
    def manual(self) -> bool:
        return self.origin == "manual"


class Objection(VersionedModel):
    """A unit's objection to an event, within the scheme's window; the office upholds the
    event or cancels it, and both the objection and the decision are kept."""

    class State(models.TextChoices):
        PENDING = "pending", _("待处理")
        UPHELD = "upheld", _("维持原分")
        CANCELLED = "cancelled", _("撤销该条计分")

    event = models.ForeignKey(ScoreEvent, on_delete=models.PROTECT, related_name="objections")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT)
    reason = models.TextField(_("异议理由"))
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    decision = models.TextField(_("处理意见"), blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = pgettext_lazy("model name", "计分异议")
        verbose_name_plural = pgettext_lazy("model name plural", "计分异议")
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(state="pending"), name="objection_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.event_id}"


class Ranking(TimeStampedModel):
    """A month's ranking (月榜): computed after the close, reviewed, then published."""

    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-month"]
        verbose_name = pgettext_lazy("model name", "月榜")
        verbose_name_plural = pgettext_lazy("model name plural", "月榜")
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="ranking_once"),
        ]

    def __str__(self) -> str:
        return str(self.period)

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)


class Standing(models.Model):
    """A unit's line of a ranking: the month's and the year's score, its rank in its group
    and the change since the previous month; at a quarter's or the year's end, its grade."""

    class Span(models.TextChoices):
        MONTH = "month", _("月度")
        QUARTER = "quarter", _("季度")
        YEAR = "year", _("年度")

    # Not indexed alone: the unique (ranking, span, unit) below serves every look-up by
    # ranking, and a year's ranking writes 27,200 lines.
    ranking = models.ForeignKey(
        Ranking, on_delete=models.CASCADE, related_name="standings", db_index=False
    )
    span = models.CharField(_("周期"), max_length=8, choices=Span.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT)
    group = models.CharField(_("考核分组"), max_length=40)
    points = models.DecimalField(_("加减分"), max_digits=10, decimal_places=2)
    score = models.DecimalField(_("得分"), max_digits=10, decimal_places=2)
    ytd = models.DecimalField(_("年度累计得分"), max_digits=10, decimal_places=2)
    rank = models.PositiveIntegerField(_("组内排名"))
    previous_rank = models.PositiveIntegerField(_("上月排名"), null=True, blank=True)
    grade = models.CharField(_("等次"), max_length=10, blank=True)

    class Meta:
        ordering = ["ranking_id", "span", "group", "rank", "unit__sort_order", "unit_id"]
        verbose_name = pgettext_lazy("model name", "排名")
        verbose_name_plural = pgettext_lazy("model name plural", "排名")
        constraints = [
            models.UniqueConstraint(fields=["ranking", "span", "unit"], name="standing_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.rank}"

    @property
    def change(self) -> int | None:
        """Places gained (+) or lost (−) since last month; None when new to the ranking."""
        if self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

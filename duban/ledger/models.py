from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from duban.core.models import TimeStampedModel, VersionedModel, money_field
from duban.ledger.validators import validate_project_code
from duban.org.models import Enterprise, Unit


class Project(VersionedModel):
    """A project's lasting identity across the years' ledgers."""

    class Stage(models.TextChoices):
        RESERVE = "reserve", _("储备/谋划")
        PREPARATION = "preparation", pgettext_lazy("project stage", "前期")
        CONSTRUCTION = "construction", _("在建")
        COMPLETED = "completed", pgettext_lazy("project stage", "竣工")
        OPERATING = "operating", _("投产/达效")
        SUSPENDED = "suspended", _("停缓建")

    class Nature(models.TextChoices):
        GOVERNMENT = "government", _("政府投资")
        APPROVAL = "approval", _("核准")
        FILING = "filing", _("备案")

    class Industry(models.TextChoices):
        INDUSTRY = "industry", _("产业")
        INFRASTRUCTURE = "infrastructure", _("基础设施")
        LIVELIHOOD = "livelihood", _("社会民生")
        ECOLOGY = "ecology", _("生态环保")
        OTHER = "other", _("其他")

    code = models.CharField(
        _("项目代码"),
        max_length=24,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_project_code],
        help_text=_("24位，如 2023-230103-78-01-012345；储备项目可暂缺。"),
    )
    name = models.CharField(_("项目名称"), max_length=200)
    owner = models.ForeignKey(
        Enterprise,
        verbose_name=_("建设单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    location = models.CharField(_("建设地点"), max_length=200, blank=True)
    scale_content = models.TextField(_("建设规模及内容"), blank=True)
    start_year = models.PositiveSmallIntegerField(_("建设起始年"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("建设终止年"), null=True, blank=True)
    total_investment = money_field(_("总投资（万元）"), null=True, blank=True)
    stage = models.CharField(
        _("阶段"), max_length=20, choices=Stage.choices, default=Stage.PREPARATION
    )
    nature = models.CharField(_("建设性质"), max_length=20, choices=Nature.choices, blank=True)
    industry = models.CharField(
        _("产业类别"), max_length=20, choices=Industry.choices, default=Industry.OTHER
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = pgettext_lazy("model name", "项目")
        verbose_name_plural = pgettext_lazy("model name plural", "项目")
        constraints = [
            models.CheckConstraint(
                condition=Q(total_investment__isnull=True) | Q(total_investment__gte=0),
                name="project_total_investment_nonnegative",
                violation_error_message=_("总投资不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=F("start_year")),
                name="project_years_ordered",
                violation_error_message=_("建设终止年不能早于起始年。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkItem(VersionedModel):
    """One row of one year's ledger: a key project's year or a key task."""

    class Kind(models.TextChoices):
        PROJECT = "project", _("重点项目")
        TASK = "task", _("重点工作")

    class Level(models.TextChoices):
        PROVINCE = "province", _("省重点")
        CITY = "city", _("市重点")
        DISTRICT = "district", _("区重点")

    class Category(models.TextChoices):
        NEW = "new", _("新开工")
        CONTINUING = "continuing", _("续建")
        COMPLETING = "completing", pgettext_lazy("annual category", "竣工")
        PRELIMINARY = "preliminary", pgettext_lazy("annual category", "前期")

    class Status(models.TextChoices):
        DRAFT = "draft", _("待下达")
        ACTIVE = "active", _("推进中")
        DONE = "done", _("已完成")

    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_items",
    )
    seq = models.CharField(_("序号"), max_length=20, blank=True)
    title = models.CharField(_("名称"), max_length=200)
    content_scale = models.TextField(_("内容规模/工作目标"), blank=True)
    schedule = models.TextField(_("进度安排"), blank=True)
    source = models.CharField(_("事项来源"), max_length=200, blank=True)
    assigned_on = models.DateField(_("交办时间"), null=True, blank=True)
    lead_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("牵头领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_items",
    )
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("牵头单位"), on_delete=models.PROTECT, related_name="led_items"
    )
    co_units = models.ManyToManyField(
        Unit, verbose_name=_("配合单位"), blank=True, related_name="co_items"
    )
    level = models.CharField(
        _("级别"), max_length=10, choices=Level.choices, default=Level.DISTRICT
    )
    category = models.CharField(_("年度类别"), max_length=12, choices=Category.choices, blank=True)
    annual_plan = money_field(_("年度计划投资（万元）"), null=True, blank=True)
    prior_cumulative = money_field(
        _("以前年度累计完成投资（万元）"),
        default=0,
        help_text=_("开工以来累计 = 以前年度累计 + 本年累计。"),
    )
    planned_start = models.DateField(_("计划开工时间"), null=True, blank=True)
    actual_start = models.DateField(_("实际开工时间"), null=True, blank=True)
    planned_finish = models.DateField(_("计划完成时间"), null=True, blank=True)
    actual_finish = models.DateField(_("实际完成时间"), null=True, blank=True)
    in_statistics = models.BooleanField(_("已入统"), default=False)
    in_statistics_date = models.DateField(_("入统时间"), null=True, blank=True)
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("项目管家"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stewarded_items",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    handed_out_at = models.DateTimeField(_("下达时间"), null=True, blank=True)
    carried_from = models.OneToOneField(
        "self",
        verbose_name=_("结转自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_to",
    )
    history = HistoricalRecords(m2m_fields=[co_units])

    class Meta:
        ordering = ["year", "kind", "lead_unit__sort_order", "pk"]
        verbose_name = pgettext_lazy("model name", "台账事项")
        verbose_name_plural = pgettext_lazy("model name plural", "台账事项")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="project", project__isnull=False) | Q(kind="task", project__isnull=True)
                ),
                name="work_item_kind_matches_project",
                violation_error_message=_("重点项目必须关联项目，重点工作不能关联项目。"),
            ),
            models.UniqueConstraint(
                fields=["project", "year"],
                condition=Q(project__isnull=False),
                name="work_item_one_per_project_year",
                violation_error_message=_("同一项目在同一年度台账中只能有一行。"),
            ),
            models.CheckConstraint(
                condition=Q(annual_plan__isnull=True) | Q(annual_plan__gte=0),
                name="work_item_annual_plan_nonnegative",
                violation_error_message=_("年度计划投资不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(prior_cumulative__gte=0),
                name="work_item_prior_cumulative_nonnegative",
                violation_error_message=_("以前年度累计完成投资不能为负数。"),
            ),
        ]
        indexes = [
            models.Index(fields=["year", "kind"]),
            models.Index(fields=["year", "lead_unit"]),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:item", args=[self.pk])

    @property
    def is_project(self) -> bool:
        return self.kind == self.Kind.PROJECT

    def has_started_by(self, day: date) -> bool:
        """Started on or before `day`: a start date then, a continuing project (续建), or a
        project whose construction began in an earlier year."""
        if self.actual_start is not None:
            return self.actual_start <= day
        if self.category == self.Category.CONTINUING:
            return True
        project = self.project if self.project_id else None
        return bool(project and project.start_year and project.start_year < self.year)


class FundingSource(TimeStampedModel):
    """One line of the item's funding breakdown (资金来源)."""

    class Source(models.TextChoices):
        CENTRAL = "central", _("中央预算内资金")
        SPECIAL_BOND = "special_bond", _("地方政府专项债券")
        PROVINCE = "province", _("省级资金")
        CITY = "city", _("市级资金")
        DISTRICT = "district", _("区级财政资金")
        SELF = "self", _("企业自筹")
        LOAN = "loan", _("银行贷款")
        OTHER = "other", _("其他")

    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(_("资金来源"), max_length=20, choices=Source.choices)
    amount = money_field(_("金额（万元）"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = pgettext_lazy("model name", "资金来源")
        verbose_name_plural = pgettext_lazy("model name plural", "资金来源")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="funding_amount_nonnegative",
                violation_error_message=_("金额不能为负数。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.amount}"


class PlanMonth(models.Model):
    """The monthly plan curve: planned investment of one month (万元)."""

    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="plan_months")
    month = models.PositiveSmallIntegerField(_("月份"))
    amount = money_field(_("计划投资（万元）"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["month"]
        verbose_name = pgettext_lazy("model name", "月度计划")
        verbose_name_plural = pgettext_lazy("model name plural", "月度计划")
        constraints = [
            models.UniqueConstraint(fields=["work_item", "month"], name="plan_month_unique"),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="plan_month_month_range"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="plan_month_amount_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month}: {self.amount}"


class Indicator(VersionedModel):
    class ValueKind(models.TextChoices):
        COUNT = "count", _("计数（非负）")
        QUANTITY = "quantity", _("数量（非负）")
        PERCENT = "percent", _("百分比（0—100）")
        RATE = "rate", _("增长率/比率（可为负，可超100）")

    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("指标名称"), max_length=200)
    unit_of_measure = models.CharField(_("计量单位"), max_length=30, blank=True)
    baseline = models.DecimalField(
        _("基数"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    target = models.DecimalField(
        _("目标值"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    weight = models.DecimalField(_("权重"), max_digits=6, decimal_places=2, default=1)
    value_kind = models.CharField(
        _("数值类型"),
        max_length=10,
        choices=ValueKind.choices,
        blank=True,
        help_text=_("留空时按计量单位判断：%为百分比，个/家/项等为计数，其余为非负数量。"),
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = pgettext_lazy("model name", "指标")
        verbose_name_plural = pgettext_lazy("model name plural", "指标")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0),
                name="indicator_weight_nonnegative",
                violation_error_message=_("权重不能为负数。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_measurable(self) -> bool:
        return self.target is not None and self.deadline is not None


class NodeTemplateSet(TimeStampedModel):
    """An editable list of default construction nodes (DOMAIN §6), per project nature."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    nature = models.CharField(
        _("适用建设性质"), max_length=20, choices=Project.Nature.choices, blank=True
    )
    is_default = models.BooleanField(_("默认"), default=False)

    class Meta:
        verbose_name = pgettext_lazy("model name", "节点模板")
        verbose_name_plural = pgettext_lazy("model name plural", "节点模板")

    def __str__(self) -> str:
        return self.name


class NodeTemplate(models.Model):
    template_set = models.ForeignKey(
        NodeTemplateSet, on_delete=models.CASCADE, related_name="nodes"
    )
    sort_order = models.PositiveIntegerField(_("顺序"))
    name = models.CharField(_("节点名称"), max_length=100)
    parallel_group = models.CharField(_("并行组"), max_length=30, blank=True)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = pgettext_lazy("model name", "模板节点")
        verbose_name_plural = pgettext_lazy("model name plural", "模板节点")
        constraints = [
            models.UniqueConstraint(
                fields=["template_set", "sort_order"], name="node_template_order_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Milestone(VersionedModel):
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="milestones")
    sort_order = models.PositiveIntegerField(_("顺序"))
    name = models.CharField(_("节点名称"), max_length=100)
    planned_date = models.DateField(_("计划完成日期"), null=True, blank=True)
    actual_date = models.DateField(_("实际完成日期"), null=True, blank=True)
    responsible_unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = pgettext_lazy("model name", "节点")
        verbose_name_plural = pgettext_lazy("model name plural", "节点")

    def __str__(self) -> str:
        return self.name


class LedgerImport(TimeStampedModel):
    """One import of an office ledger file: who, when, which file, what it did."""

    class Outcome(models.TextChoices):
        PREVIEW = "preview", _("预览")
        DONE = "done", _("已导入")
        FAILED = "failed", _("有错误，未导入")

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("文件SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    dry_run = models.BooleanField(_("仅预览"), default=False)
    create_missing = models.BooleanField(_("创建缺少的单位和领导"), default=False)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    errors = models.PositiveIntegerField(_("错误数"), default=0)
    warnings = models.PositiveIntegerField(_("提示数"), default=0)
    summary = models.JSONField(_("摘要"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = pgettext_lazy("model name", "台账导入记录")
        verbose_name_plural = pgettext_lazy("model name plural", "台账导入记录")

    def __str__(self) -> str:
        return f"{self.file_name} {self.get_outcome_display()}"

"""The columns an office ledger can have: a key per meaning, what kind of value it holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    SEQ = "seq"
    TEXT = "text"
    MONEY = "money"
    PERCENT = "percent"
    BOOL = "bool"
    DATE = "date"


# key: (label shown to people, kind)
FIELDS: dict[str, tuple[str, Kind]] = {
    "seq": ("序号", Kind.SEQ),
    "item_id": ("事项编号", Kind.TEXT),
    "code": ("项目代码", Kind.TEXT),
    "name": ("项目名称", Kind.TEXT),
    "task": ("督办事项", Kind.TEXT),
    "lead_unit": ("责任单位", Kind.TEXT),
    "co_units": ("配合单位", Kind.TEXT),
    "leader": ("责任领导", Kind.TEXT),
    "owner": ("建设单位", Kind.TEXT),
    "location": ("建设地点", Kind.TEXT),
    "category": ("建设性质", Kind.TEXT),
    "industry": ("项目类型", Kind.TEXT),
    "level": ("级别", Kind.TEXT),
    "is_province": ("是否省重点", Kind.BOOL),
    "is_city": ("是否市重点", Kind.BOOL),
    "stage": ("项目阶段", Kind.TEXT),
    "content": ("建设规模及内容", Kind.TEXT),
    "years": ("建设起止年限", Kind.TEXT),
    "total_investment": ("总投资", Kind.MONEY),
    "annual_plan": ("年度计划投资", Kind.MONEY),
    "ytd_plan": ("1-X月计划投资", Kind.MONEY),
    "month_investment": ("本月完成投资", Kind.MONEY),
    "ytd_investment": ("1-X月完成投资", Kind.MONEY),
    "since_start": ("开工以来累计完成投资", Kind.MONEY),
    "funds": ("资金到位", Kind.MONEY),
    "completion_rate": ("完成率", Kind.PERCENT),
    "started": ("是否开工", Kind.BOOL),
    "completed": ("是否竣工", Kind.BOOL),
    "planned_start": ("计划开工时间", Kind.DATE),
    "actual_start": ("实际开工时间", Kind.DATE),
    "planned_finish": ("计划竣工时间", Kind.DATE),
    "actual_finish": ("实际竣工时间", Kind.DATE),
    "in_statistics": ("是否入统", Kind.BOOL),
    "progress": ("形象进度", Kind.TEXT),
    "progress_pct": ("形象进度(%)", Kind.PERCENT),
    "problems": ("存在问题", Kind.TEXT),
    "next_steps": ("下步计划", Kind.TEXT),
    "note": ("备注", Kind.TEXT),
    "source": ("事项来源", Kind.TEXT),
    "assigned_on": ("交办时间", Kind.DATE),
    "deadline": ("完成时限", Kind.DATE),
    "target": ("工作目标", Kind.TEXT),
    "done_status": ("办结情况", Kind.TEXT),
    "warning": ("预警", Kind.TEXT),
}

# A month's plan and a month's completed investment (columns 1月…12月 under 计划 or 完成), and
# a quarter's plan (一季度…四季度 under 计划): the plan curve and each month's figure.
for _m in range(1, 13):
    FIELDS[f"plan_m{_m}"] = (f"计划/{_m}月", Kind.MONEY)
for _q, _name in enumerate("一二三四", start=1):
    FIELDS[f"plan_q{_q}"] = (f"计划/{_name}季度", Kind.MONEY)
for _m in range(1, 13):
    FIELDS[f"done_m{_m}"] = (f"完成/{_m}月", Kind.MONEY)

FIELD_CHOICES = [(key, label) for key, (label, _kind) in FIELDS.items()]

# CONVENTIONS §1's synonyms, and a few more seen in district ledgers.
DEFAULT_ALIASES: dict[str, str] = {
    "序号": "seq",
    "事项编号": "item_id",
    "编号": "seq",
    "项目代码": "code",
    "在线平台代码": "code",
    "项目编码": "code",
    "投资项目代码": "code",
    "项目名称": "name",
    "项目名": "name",
    "督办事项": "task",
    "工作任务": "task",
    "重点工作": "task",
    "任务名称": "task",
    "督办内容": "task",
    "责任单位": "lead_unit",
    "牵头单位": "lead_unit",
    "主管部门": "lead_unit",
    "牵头责任单位": "lead_unit",
    "主责单位": "lead_unit",
    "配合单位": "co_units",
    "协办单位": "co_units",
    "责任领导": "leader",
    "包抓领导": "leader",
    "包联领导": "leader",
    "挂点领导": "leader",
    "区级领导": "leader",
    "牵头领导": "leader",
    "分管领导": "leader",
    "包保领导": "leader",
    "建设单位": "owner",
    "业主单位": "owner",
    "项目单位": "owner",
    "实施主体": "owner",
    "建设地点": "location",
    "所属街道": "location",
    "所属园区": "location",
    "建设地址": "location",
    "建设性质": "category",
    "年度类别": "category",
    "项目类别": "category",
    "项目类型": "industry",
    "产业类别": "industry",
    "行业": "industry",
    "所属行业": "industry",
    "行业类别": "industry",
    "级别": "level",
    "项目级别": "level",
    "是否省重点": "is_province",
    "是否市重点": "is_city",
    "项目阶段": "stage",
    "项目状态": "stage",
    "前期阶段": "stage",
    "建设规模及内容": "content",
    "建设内容及规模": "content",
    "建设内容": "content",
    "主要建设内容": "content",
    "建设规模": "content",
    "建设起止年限": "years",
    "建设年限": "years",
    "起止年限": "years",
    "总投资": "total_investment",
    "计划总投资": "total_investment",
    "概算投资": "total_investment",
    "项目总投资": "total_investment",
    "年度计划投资": "annual_plan",
    "本年计划投资": "annual_plan",
    "计划投资": "annual_plan",
    "年度计划": "annual_plan",
    "年计划投资": "annual_plan",
    "本月完成投资": "month_investment",
    "当月完成投资": "month_investment",
    "年度累计完成投资": "ytd_investment",
    "本年累计完成投资": "ytd_investment",
    "本年完成投资": "ytd_investment",
    # Without a month, "累计" on a project table is since the start of construction (a
    # "1-N月…" header stays the year to date; under a "2024年度" parent it is the year's).
    "累计完成投资": "since_start",
    "累计完成": "since_start",
    "项目累计完成投资": "since_start",
    "开工以来累计完成投资": "since_start",
    "开工至今累计完成投资": "since_start",
    "自开工累计完成投资": "since_start",
    "资金到位": "funds",
    "到位资金": "funds",
    "本月资金到位": "funds",
    "完成率": "completion_rate",
    "投资完成率": "completion_rate",
    "占年度计划": "completion_rate",
    "占年度计划%": "completion_rate",
    "是否开工": "started",
    "是否新开工": "started",
    "开工情况": "started",
    "是否竣工": "completed",
    "计划开工时间": "planned_start",
    "计划开工日期": "planned_start",
    "实际开工时间": "actual_start",
    "实际开工日期": "actual_start",
    "开工时间": "actual_start",
    "计划竣工时间": "planned_finish",
    "计划竣工日期": "planned_finish",
    "计划完工时间": "planned_finish",
    "实际竣工时间": "actual_finish",
    "是否入统": "in_statistics",
    "是否列统": "in_statistics",
    "入库": "in_statistics",
    "是否入库": "in_statistics",
    "形象进度": "progress",
    "工程形象进度": "progress",
    "目前进展情况": "progress",
    "进展情况": "progress",
    "项目进展": "progress",
    "办理进展": "progress",
    "工作进展": "progress",
    "推进情况": "progress",
    "形象进度百分比": "progress_pct",
    "存在问题": "problems",
    "需协调解决事项": "problems",
    "存在问题及建议": "problems",
    "需协调解决的问题": "problems",
    "下步计划": "next_steps",
    "推进措施": "next_steps",
    "下步工作计划": "next_steps",
    "备注": "note",
    "事项来源": "source",
    "来源": "source",
    "交办时间": "assigned_on",
    "交办日期": "assigned_on",
    "完成时限": "deadline",
    "办结时限": "deadline",
    "工作目标": "target",
    "工作目标/指标": "target",
    "目标任务": "target",
    "指标": "target",
    "办结情况": "done_status",
    "是否办结": "done_status",
    "预警": "warning",
    "预警情况": "warning",
}


@dataclass(frozen=True)
class Schema:
    """What a kind of office list holds: its fields, the synonyms of their headers, and the
    fields one of which a header row must name (with 序号, or two more known columns)."""

    name: str
    fields: Mapping[str, tuple[str, Kind]]
    aliases: Mapping[str, str]
    key_fields: frozenset[str] = field(default_factory=frozenset)
    # The office's own column names (ColumnAlias rows of this schema) apply to it.
    office_aliases: bool = False
    label: str = ""  # what the office calls such a list (台账, 问题清单)


LEDGER = Schema(
    "ledger",
    FIELDS,
    DEFAULT_ALIASES,
    frozenset({"name", "task"}),
    office_aliases=True,
    label="台账",
)

# The kinds of list whose columns the office may name (ColumnAlias.schema): the ledger here,
# the others registered by the apps that read them (transfer's problem list), so that this app
# never imports a higher one.
SCHEMAS: dict[str, Schema] = {LEDGER.name: LEDGER}


def schema_register(schema: Schema) -> Schema:
    SCHEMAS[schema.name] = schema
    return schema


def schema_choices() -> list[tuple[str, str]]:
    return [(s.name, s.label or s.name) for s in SCHEMAS.values()]


def field_choices() -> list[tuple[str, str]]:
    """Every registered schema's fields (a key two schemas share, once: the ledger's label)."""
    seen: dict[str, str] = {}
    for schema in SCHEMAS.values():
        for key, (label, _kind) in schema.fields.items():
            seen.setdefault(key, label)
    return list(seen.items())

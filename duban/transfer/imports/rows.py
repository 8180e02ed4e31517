"""A parsed ledger row → what it says about a project, a work item and a month's report.

No database here: the proposals are compared with what exists in plan.py. A blank cell says
nothing (it never clears a stored value), so a partial ledger can be merged into a full one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from duban.core.money import quantize
from duban.ledger.models import Project, WorkItem
from duban.ledger.validators import normalize_project_code
from duban.sheets.dates import DateValue, Precision
from duban.sheets.errors import CellIssue
from duban.sheets.tables import DataRow, ParsedTable

_SPLIT = re.compile(r"[、,，;；/\s]+")
_YEARS = re.compile(r"^(\d{4})\s*年?\s*(?:[-—–~至到]+\s*(\d{4})\s*年?)?$")

STAGE_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("谋划", "储备"), Project.Stage.RESERVE),
    (("停建", "缓建", "停缓建"), Project.Stage.SUSPENDED),
    (("投产", "达效", "投用", "运营"), Project.Stage.OPERATING),
    (("竣工", "完工"), Project.Stage.COMPLETED),
    (("在建", "续建", "新开工", "开工", "施工"), Project.Stage.CONSTRUCTION),
    (("前期", "可研", "立项", "手续"), Project.Stage.PREPARATION),
]
CATEGORY_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("新开工", "新建", "改扩建", "扩建"), WorkItem.Category.NEW),
    (("续建",), WorkItem.Category.CONTINUING),
    (("竣工",), WorkItem.Category.COMPLETING),
    (("前期",), WorkItem.Category.PRELIMINARY),
]
INDUSTRY_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("产业", "工业", "制造", "商贸", "物流", "服务业", "农业"), Project.Industry.INDUSTRY),
    (("基础设施", "交通", "市政", "道路", "水利", "能源"), Project.Industry.INFRASTRUCTURE),
    (("民生", "社会", "教育", "医疗", "卫生", "文化", "养老"), Project.Industry.LIVELIHOOD),
    (("生态", "环保", "环境"), Project.Industry.ECOLOGY),
    (("其他",), Project.Industry.OTHER),
]
LEVEL_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("省重点", "省级", "省"), WorkItem.Level.PROVINCE),
    (("市重点", "市级", "市"), WorkItem.Level.CITY),
    (("区重点", "区级", "区", "县"), WorkItem.Level.DISTRICT),
]
DONE_WORDS = ("已办结", "已完成", "办结", "完成")


_CHOICES: dict[tuple[int, str], str | None] = {}


def word_choice(text: str, table: list[tuple[tuple[str, ...], str]]) -> str | None:
    """The choice whose word appears first in `text` (so 民生及基础设施 → 民生)."""
    key = (id(table), text)
    if key not in _CHOICES:
        if len(_CHOICES) > 4096:
            _CHOICES.clear()
        _CHOICES[key] = _word_choice(text, table)
    return _CHOICES[key]


def _word_choice(text: str, table: list[tuple[tuple[str, ...], str]]) -> str | None:
    best: tuple[int, str] | None = None
    for words, choice in table:
        for word in words:
            pos = text.find(word)
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, choice)
    return best[1] if best else None


def split_names(text: str) -> list[str]:
    return [n for n in _SPLIT.split(text or "") if n]


@dataclass
class RowInput:
    sheet: str
    row: int
    kind: str  # WorkItem.Kind
    name: str
    code: str | None
    lead_unit: str
    co_units: list[str]
    leader: str
    owner: str
    project: dict[str, Any] = field(default_factory=dict)
    item: dict[str, Any] = field(default_factory=dict)
    dates: dict[str, DateValue] = field(default_factory=dict)  # item date fields, with precision
    started: bool | None = None
    seq: str = ""
    content: str = ""  # 建设规模及内容: the project's too when it is created
    report_month: int | None = None
    ytd: Decimal | None = None
    month_amount: Decimal | None = None
    since_start: Decimal | None = None
    report: dict[str, Any] = field(default_factory=dict)
    done: bool = False
    unit_column: bool = True  # False: the table has no lead-unit column at all
    plan_months: list[Decimal] | None = None  # the plan curve the row sets (12 months)
    plan_column: str = ""  # the first plan column, to point an error at
    done_months: dict[int, tuple[Decimal, str]] = field(
        default_factory=dict
    )  # month → (amount, column)
    source: DataRow | None = None  # the row's cells, to point an issue at one
    headers: Mapping[str, str] = field(default_factory=dict)  # shared by the table's rows
    issues: list[CellIssue] = field(default_factory=list)

    def issue(self, level: str, field_name: str | None, reason: str) -> None:
        col, value = self.source.cell(field_name or "") if self.source else (None, "")
        header = self.headers.get(field_name or "", "")
        self.issues.append(
            CellIssue(level, self.sheet, self.row, col, header, value, reason)  # type: ignore[arg-type]
        )

    def error(self, field_name: str | None, reason: str) -> None:
        self.issue("error", field_name, reason)

    def warn(self, field_name: str | None, reason: str) -> None:
        self.issue("warning", field_name, reason)


def table_kind(table: ParsedTable) -> str:
    cols = table.columns
    return WorkItem.Kind.PROJECT if "name" in cols else WorkItem.Kind.TASK


def row_input(data: DataRow, table: ParsedTable, *, reserve_list: bool) -> RowInput:
    """What one data row proposes; value errors were already collected by the sheet reader."""
    v = data.values
    kind = table_kind(table)
    name_field = "name" if kind == WorkItem.Kind.PROJECT else "task"
    code = normalize_project_code(v.get("code") or None) if kind == WorkItem.Kind.PROJECT else None
    leaders = split_names(v.get("leader", ""))
    ri = RowInput(
        sheet=data.sheet,
        row=data.row,
        kind=kind,
        name=" ".join((v.get(name_field) or "").split()),
        code=code,
        lead_unit=(v.get("lead_unit") or "").strip(),
        co_units=split_names(v.get("co_units", "")),
        leader=leaders[0] if leaders else "",
        owner=(v.get("owner") or "").strip(),
        source=data,
        headers=table.headers,
    )
    if len(leaders) > 1:
        ri.warn(
            "leader",
            _("有多位领导，按第一位“%(leader)s”作为牵头领导") % {"leader": leaders[0]},
        )
    if not ri.name:
        ri.error(name_field, _("名称不能为空"))
    ri.unit_column = "lead_unit" in table.columns
    ri.seq = str(v.get("seq") or "")[:20]
    ri.content = v.get("content") or ""
    _item_fields(ri, data, table)
    if kind == WorkItem.Kind.PROJECT:
        _project_fields(ri, data, reserve_list=reserve_list)
    _report_fields(ri, data, table)
    if table.series:
        _series_fields(ri, data)
    return ri


def _series_fields(ri: RowInput, data: DataRow) -> None:
    """1月…12月 (or 一季度…四季度) under 计划: the plan curve; under 完成: each month's figure."""
    v = data.values
    months: list[Decimal | None] = [v.get(f"plan_m{m}") for m in range(1, 13)]
    for q in range(1, 5):
        amount = v.get(f"plan_q{q}")
        if amount is None:
            continue
        if any(months[m] is not None for m in range(3 * q - 3, 3 * q)):
            ri.error(f"plan_q{q}", _("同一季度既有季度计划又有月度计划，请只保留一种"))
            continue
        # A quarter's plan spread over its months (the last takes the rounding).
        each = quantize(amount / 3, 4)
        months[3 * q - 3 : 3 * q] = [each, each, amount - 2 * each]
    if any(m is not None for m in months):
        ri.plan_months = [m if m is not None else Decimal(0) for m in months]
        ri.plan_column = next(
            f"plan_{kind}{n}"
            for kind, n in [*(("m", m) for m in range(1, 13)), *(("q", q) for q in range(1, 5))]
            if v.get(f"plan_{kind}{n}") is not None
        )
    for m in range(1, 13):
        amount = v.get(f"done_m{m}")
        if amount is not None:
            ri.done_months[m] = (amount, f"done_m{m}")


def _item_fields(ri: RowInput, data: DataRow, table: ParsedTable) -> None:
    v = data.values
    item = ri.item
    item["title"] = ri.name
    content = v.get("content") if ri.kind == WorkItem.Kind.PROJECT else v.get("target")
    if content:
        item["content_scale"] = content
    if v.get("source"):
        item["source"] = v["source"][:200]
    level = None
    if v.get("level"):
        level = word_choice(v["level"], LEVEL_WORDS)
        if level is None:
            ri.error("level", _("级别应为省重点、市重点或区重点"))
    elif v.get("is_province"):
        level = WorkItem.Level.PROVINCE
    elif v.get("is_city"):
        level = WorkItem.Level.CITY
    elif data.group and any(w in data.group for w in ("省重点", "市重点", "区重点")):
        level = word_choice(data.group, LEVEL_WORDS)
    if level:
        item["level"] = level
    category_text = v.get("category") or ""
    category = word_choice(category_text, CATEGORY_WORDS) if category_text else None
    if (
        category_text
        and category is None
        and (ri.kind != WorkItem.Kind.PROJECT or not word_choice(category_text, INDUSTRY_WORDS))
    ):
        ri.warn("category", _("建设性质无法识别（新建/续建/改扩建/前期/竣工），未导入"))
    if category is None and data.group:
        category = word_choice(data.group, CATEGORY_WORDS)
    if category and ri.kind == WorkItem.Kind.PROJECT:
        item["category"] = category
    if v.get("annual_plan") is not None:
        item["annual_plan"] = v["annual_plan"]
    for src, dest, end in (
        ("planned_start", "planned_start", False),
        ("actual_start", "actual_start", False),
        ("planned_finish", "planned_finish", True),
        ("actual_finish", "actual_finish", True),
        ("deadline", "planned_finish", True),
        ("assigned_on", "assigned_on", False),
    ):
        value = v.get(src)
        if isinstance(value, DateValue):
            ri.dates[dest] = value
            item[dest] = value.last if end else value.first
    if v.get("in_statistics") is True:
        item["in_statistics"] = True
    if v.get("started") is not None:
        ri.started = v["started"]
    if v.get("completed") is True and "actual_finish" not in item:
        ri.warn("completed", _("已竣工但未填写实际竣工时间，竣工时间未导入"))
    done_text = v.get("done_status") or ""
    if (
        ri.kind == WorkItem.Kind.TASK
        and any(w in done_text for w in DONE_WORDS)
        and not any(w in done_text for w in ("未", "正在"))
    ):
        ri.done = True
    if v.get("since_start") is not None:
        ri.since_start = v["since_start"]


def _project_fields(ri: RowInput, data: DataRow, *, reserve_list: bool) -> None:
    v = data.values
    p = ri.project
    p["name"] = ri.name[:200]
    if ri.code:
        p["code"] = ri.code
    if v.get("location"):
        p["location"] = v["location"]
    if v.get("total_investment") is not None:
        p["total_investment"] = v["total_investment"]
    if v.get("years"):
        m = _YEARS.match(v["years"].replace(" ", ""))
        if m:
            p["start_year"] = int(m.group(1))
            p["end_year"] = int(m.group(2) or m.group(1))
        else:
            ri.error("years", _("建设起止年限应写成“2023-2025”"))
    industry_text = v.get("industry") or ""
    industry = word_choice(industry_text, INDUSTRY_WORDS) if industry_text else None
    category_text = v.get("category") or ""
    if industry is None and category_text and not word_choice(category_text, CATEGORY_WORDS):
        # "项目类别" holding 产业项目/基础设施/社会民生 is the industry, not 新建/续建.
        industry = word_choice(category_text, INDUSTRY_WORDS)
    if industry is None and data.group:
        industry = word_choice(data.group, INDUSTRY_WORDS)
    if industry:
        p["industry"] = industry
    stage_text = v.get("stage") or ""
    stage = word_choice(stage_text, STAGE_WORDS) if stage_text else None
    if stage_text and stage is None:
        ri.error("stage", _("项目阶段无法识别（谋划储备/前期/在建/竣工/投产/停缓建）"))
    if stage is None and reserve_list:
        stage = Project.Stage.RESERVE
    if stage:
        p["stage"] = stage


def _report_fields(ri: RowInput, data: DataRow, table: ParsedTable) -> None:
    v = data.values
    ri.ytd = v.get("ytd_investment")
    ri.month_amount = v.get("month_investment")
    month = table.month_of("ytd_investment") if ri.ytd is not None else None
    if month is None and ri.month_amount is not None:
        month = table.month_of("month_investment")
    texts = {
        "progress_text": v.get("progress") or "",
        "problems_text": v.get("problems") or "",
        "next_steps": v.get("next_steps") or "",
    }
    has_figures = ri.ytd is not None or ri.month_amount is not None
    if month is None and (any(texts.values()) or has_figures or v.get("progress_pct") is not None):
        month = table.as_of_month
    if month is None:
        if ri.ytd is not None or ri.month_amount is not None:
            field_name = "ytd_investment" if ri.ytd is not None else "month_investment"
            ri.error(field_name, _("无法确定月份：请在表头写明“1-N月”或在标题写明“截至N月底”"))
        elif any(texts.values()):
            ri.warn("progress", _("无法确定月份（标题未写“截至N月”），形象进度等未导入月报"))
        return
    ri.report_month = month
    ri.report = {k: t for k, t in texts.items() if t}
    if v.get("progress_pct") is not None:
        ri.report["progress_pct"] = v["progress_pct"]


def precise_enough(current: Any, proposed: DateValue | None) -> bool:
    """A stored day inside the span a less precise cell names ("2024年3月") is the same date."""
    if proposed is None or current is None or proposed.precision is Precision.DAY:
        return False
    return bool(proposed.first <= current <= proposed.last)

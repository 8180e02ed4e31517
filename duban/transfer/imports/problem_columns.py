"""The columns of an office's problem list and how their words read: categories, sources,
solved or not, coordination levels, close-out days."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from duban.core import clock
from duban.problems.models import Problem
from duban.sheets.dates import DateValue
from duban.sheets.errors import CellValueError
from duban.sheets.fields import Kind, Schema, schema_register
from duban.sheets.values import bool_value

PROBLEM_FIELDS: dict[str, tuple[str, Kind]] = {
    "seq": ("序号", Kind.SEQ),
    "title": ("问题名称", Kind.TEXT),
    "description": ("问题描述", Kind.TEXT),
    "project": ("所属项目", Kind.TEXT),
    "code": ("项目代码", Kind.TEXT),
    "lead_unit": ("责任单位", Kind.TEXT),
    "co_units": ("配合单位", Kind.TEXT),
    "category": ("问题类别", Kind.TEXT),
    "reported_on": ("提出时间", Kind.DATE),
    "due": ("办理时限", Kind.DATE),
    "progress": ("办理进展", Kind.TEXT),
    "solved": ("是否解决", Kind.TEXT),
    "closed_on": ("销号时间", Kind.DATE),
    "level": ("协调层级", Kind.TEXT),
    "source": ("问题来源", Kind.TEXT),
    "note": ("备注", Kind.TEXT),
}
PROBLEM_ALIASES: dict[str, str] = {
    "序号": "seq",
    "编号": "seq",
    "问题名称": "title",
    "问题标题": "title",
    "问题描述": "description",
    "问题内容": "description",
    "存在问题": "description",
    "具体问题": "description",
    "问题及诉求": "description",
    "需协调解决的问题": "description",
    "需协调解决事项": "description",
    "问题": "description",
    "问题事项": "description",
    "反映问题": "description",
    "困难问题": "description",
    "诉求内容": "description",
    "存在困难": "description",
    "主要问题": "description",
    "主要问题及困难": "description",
    "存在问题及困难": "description",
    "问题及困难": "description",
    "困难及问题": "description",
    "存在的问题": "description",
    "卡点问题": "description",
    "企业诉求": "description",
    "所属项目": "project",
    "项目名称": "project",
    "涉及项目": "project",
    "所属重点项目": "project",
    "项目": "project",
    "项目名": "project",
    "涉及重点项目": "project",
    "项目代码": "code",
    "在线平台代码": "code",
    "责任单位": "lead_unit",
    "牵头单位": "lead_unit",
    "承办单位": "lead_unit",
    "主责单位": "lead_unit",
    "牵头责任单位": "lead_unit",
    "责任部门": "lead_unit",
    "配合单位": "co_units",
    "协办单位": "co_units",
    "问题类别": "category",
    "问题类型": "category",
    "问题分类": "category",
    "类别": "category",
    "提出时间": "reported_on",
    "提出日期": "reported_on",
    "上报时间": "reported_on",
    "发现时间": "reported_on",
    "交办时间": "reported_on",
    "办理时限": "due",
    "完成时限": "due",
    "解决时限": "due",
    "办结时限": "due",
    "时限要求": "due",
    "办理时间要求": "due",
    "办理进展": "progress",
    "进展情况": "progress",
    "办理情况": "progress",
    "解决情况": "progress",
    "办理结果": "progress",
    "目前进展": "progress",
    "办理进度": "progress",
    "推进情况": "progress",
    "是否解决": "solved",
    "是否销号": "solved",
    "是否办结": "solved",
    "办结情况": "solved",
    "销号情况": "solved",
    "是否已解决": "solved",
    "销号时间": "closed_on",
    "销号日期": "closed_on",
    "办结时间": "closed_on",
    "解决时间": "closed_on",
    "协调层级": "level",
    "调度层级": "level",
    "协调级别": "level",
    "调度级别": "level",
    "协调层面": "level",
    "问题来源": "source",
    "来源": "source",
    "备注": "note",
}
PROBLEMS = schema_register(
    Schema(
        "problems",
        PROBLEM_FIELDS,
        PROBLEM_ALIASES,
        frozenset({"description"}),
        office_aliases=True,
        label="问题清单",
    )
)

C = Problem.Category
CATEGORY_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("用地", "土地", "林地", "指标"), C.LAND),
    (("规划",), C.PLANNING),
    (("审批", "手续", "许可", "验收", "环评", "证"), C.APPROVAL),
    (("资金", "融资", "贷款", "拨付"), C.FUNDING),
    (("征收", "拆迁", "征地", "搬迁"), C.EXPROPRIATION),
    (("水电气热", "供电", "供水", "供气", "供热", "通讯", "电力", "管网"), C.UTILITIES),
    (("施工环境", "阻工", "扬尘", "环境"), C.SITE),
    (("政策",), C.POLICY),
    (("用工", "人员", "劳动"), C.LABOUR),
    (("其他",), C.OTHER),
]
SOURCE_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("诉求", "企业"), Problem.Source.DEMAND),
    (("管家", "走访"), Problem.Source.STEWARD_VISIT),
    (("督查", "暗访", "检查"), Problem.Source.INSPECTION),
    (("调度会", "会议"), Problem.Source.MEETING),
    (("领导", "交办", "批示"), Problem.Source.LEADER),
    (("单位", "上报", "自报"), Problem.Source.UNIT_REPORT),
]
_DONE = ("已解决", "已销号", "已办结", "已完成", "解决", "办结")
_NOT_DONE = ("未", "正在", "办理中", "推进中", "否")
_LEVEL_NUMBER = re.compile(r"([1-4一二三四])\s*级")
_LEVEL_WORDS: list[tuple[tuple[str, ...], int]] = [
    (("区主要领导", "调度会", "区委", "区政府"), 4),
    (("区领导", "分管区领导", "联系区领导", "专题"), 3),
    (("主要负责人", "主要领导"), 2),
    (("分管负责人", "单位"), 1),
]
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


def solved_read(text: str) -> bool | None:
    """是否解决: 是/否/√/× as every boolean cell reads; 已解决/已销号/已办结 yes; 未解决/正在办理/
    办理中 no; None for anything else (the row is refused)."""
    compact = "".join(text.split())
    if not compact:
        return None
    try:
        said = bool_value(compact)
    except CellValueError:
        said = None
    if said is not None:
        return said
    if compact.startswith(_DONE):
        return True
    if any(w in compact for w in _NOT_DONE):
        return False
    if any(w in compact for w in ("解决", "销号", "办结")):
        return True
    return None


def level_read(text: str) -> int | None:
    compact = "".join(text.split())
    if not compact:
        return 1
    if compact.isdigit():
        return int(compact)
    if m := _LEVEL_NUMBER.search(compact):
        digit = m.group(1)
        return int(digit) if digit.isdigit() else _CN_DIGITS[digit]
    for words, level in _LEVEL_WORDS:
        if any(w in compact for w in words):
            return level
    return None


def closed_day(value: Any) -> date | None:
    """The close-out day of a cell: the end of the span it names ("2024年3月" → 31 March), or
    today when the span runs on past today (a month still going)."""
    if not isinstance(value, DateValue):
        return None
    today = clock.today()
    return min(value.last, today) if value.first <= today else value.last

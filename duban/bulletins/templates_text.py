"""Bulletin templates: the office's own wording with placeholders, and the built-in wording.

A template body is plain text, one paragraph a line:

- ``# 标题`` a first-level heading (numbered 一、二、…), ``## 标题`` a second-level one;
- ``{ledger.projects}`` a figure of the catalogue, written as the office writes it;
- ``{yoy.projects,yoy.investment_ytd|pair}`` paired changes: 分别增长36.4%、130%;
- ``{year}`` ``{month}`` ``{scope}`` the bulletin's year, month and 口径;
- a line ``[[red_items]]``, ``[[yellow_items]]``, ``[[by_level]]``, ``[[by_industry]]``,
  ``[[by_unit]]``, ``[[ranking]]``, ``[[item_status]]`` or ``[[open_problems]]`` a list or a table (see
  bulletins.lists; a table comes with a chart in the Word document).

A placeholder naming an unknown figure or list is refused with the known ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from duban.bulletins.catalogue import figure_keys, get_figure
from duban.bulletins.models import Kind
from duban.core.errors import ApplicationError

PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.,]+)(?:\|([a-z]+))?\}")
LIST_LINE = re.compile(r"^\[\[([a-z_]+)\]\]$")
WORDS = ("year", "month", "scope")
MODIFIERS = ("pair",)


@dataclass(frozen=True)
class Placeholder:
    keys: tuple[str, ...]
    modifier: str = ""


def known_lists() -> list[str]:
    from duban.bulletins.lists import LISTS

    return sorted(LISTS)


def placeholders(body: str) -> list[Placeholder]:
    found = []
    for m in PLACEHOLDER.finditer(body):
        keys = tuple(k for k in m.group(1).split(",") if k)
        found.append(Placeholder(keys, m.group(2) or ""))
    return found


def template_errors(title: str, body: str) -> list[str]:
    """Why a template cannot be used (unknown figures, lists or modifiers), or []."""
    errors: list[str] = []
    known = set(figure_keys())
    unknown: list[str] = []
    for ph in placeholders(title + "\n" + body):
        if ph.modifier and ph.modifier not in MODIFIERS:
            errors.append(_("未知的写法“|%(m)s”，可用：pair。") % {"m": ph.modifier})
        if len(ph.keys) > 1 and ph.modifier != "pair":
            errors.append(_("多个指标须写成“{甲,乙|pair}”。"))
        for key in ph.keys:
            if key not in known and key not in WORDS and key not in unknown:
                unknown.append(key)
    if unknown:
        errors.append(
            _("模板中有未知的统计指标：%(bad)s。可用的指标：%(keys)s")
            % {"bad": "、".join(unknown), "keys": "、".join(sorted(known))}
        )
    lists = known_lists()
    for line in body.splitlines():
        m = LIST_LINE.match(line.strip())
        if m and m.group(1) not in lists:
            errors.append(
                _("模板中有未知的列表“%(name)s”。可用的列表：%(lists)s")
                % {"name": m.group(1), "lists": "、".join(lists)}
            )
    return errors


def check_template(title: str, body: str) -> None:
    errors = template_errors(title, body)
    if errors:
        raise ApplicationError(" ".join(errors), field="body")


def figure_keys_of(title: str, body: str) -> list[str]:
    keys: list[str] = []
    for ph in placeholders(title + "\n" + body):
        for key in ph.keys:
            if key not in WORDS and key not in keys:
                get_figure(key)
                keys.append(key)
    return keys


# -- the built-in wording (the office may replace each) ---------------------------------------

_SUMMARY = (
    "{year}年1—{month}月，{scope}重点项目{ledger.projects}，其中省重点{ledger.projects.level.province}、"
    "市重点{ledger.projects.level.city}、区重点{ledger.projects.level.district}；"
    "年度计划投资{ledger.annual_plan}，累计完成投资{investment.ytd}，"
    "占年度计划的{investment.completion_pct}，{investment.gap_pp}。"
)

DEFAULTS: dict[str, tuple[str, str]] = {
    Kind.MONTHLY: (
        "{year}年{month}月重点项目推进情况",
        "# 总体情况\n" + _SUMMARY + "本月完成投资{investment.month}。\n"
        "计划开工项目{starts.planned}，已开工{starts.actual}，开工率{starts.rate}。\n"
        "# 分级推进情况\n"
        "[[by_level]]\n"
        "# 分行业推进情况\n"
        "[[by_industry]]\n"
        "# 各单位推进情况\n"
        "[[by_unit]]\n"
        "[[ranking]]\n"
        "# 进度滞后项目\n"
        "## 亮红灯项目\n"
        "[[red_items]]\n"
        "## 亮黄灯项目\n"
        "[[yellow_items]]\n"
        "# 问题协调\n"
        "本年收集问题{problems.total}，本月新增{problems.new}、销号{problems.closed_month}，"
        "办结率{problems.completion_pct}；超期未办结{problems.overdue}。\n"
        "# 下步工作\n"
        "对亮红灯、黄灯项目逐一调度，超期问题提交下次调度会研究。",
    ),
    Kind.NOTICE: (
        "关于{year}年{month}月重点项目推进情况的通报",
        "各有关单位：\n" + _SUMMARY + "\n# 单位亮牌及排名\n"
        "本月各单位亮绿牌{supervision.cards.green}、黄牌{supervision.cards.yellow}、"
        "红牌{supervision.cards.red}。\n"
        "[[by_unit]]\n"
        "[[ranking]]\n"
        "# 进度滞后项目\n"
        "[[red_items]]\n"
        "[[yellow_items]]\n"
        "# 问题办理\n"
        "超期未办结问题{problems.overdue}，请责任单位抓紧办理。"
        "本年已下发工作提示{supervision.prompts}、{supervision.prompt_items}，"
        "挂牌督办{supervision.flags}，约谈{supervision.interviews}。",
    ),
    Kind.SPECIAL: (
        "{year}年重点项目开工情况专报",
        "截至{year}年{month}月末，计划开工项目{starts.planned}，实际开工{starts.actual}，"
        "开工率{starts.rate}；提前开工{starts.early}、按期开工{starts.on_time}、"
        "推迟开工{starts.late}，项目开工时间平均{starts.avg_days_early}。"
        "集中开工{starts.batches}，共{starts.batch_projects}。",
    ),
    Kind.QUARTERLY: (
        "{year}年1—{month}月重点项目推进情况汇报",
        "# 总体情况\n" + _SUMMARY + "同比{yoy.projects,yoy.investment_ytd|pair}。\n"
        "# 四率情况\n"
        "开工率{rates.start}，投资完成率{rates.investment}，资金到位率{rates.funding}，"
        "按期竣工率{rates.finish_on_time}。\n"
        "# 分级推进情况\n"
        "[[by_level]]\n"
        "# 问题协调\n"
        "本年收集问题{problems.total}，已销号{problems.closed}，办结率{problems.completion_pct}。",
    ),
    Kind.PROJECT: (
        "关于{scope}推进情况的专报",
        "# 基本情况\n"
        "截至{year}年{month}月末，{scope}年度计划投资{ledger.annual_plan}，"
        "累计完成投资{investment.ytd}，占年度计划的{investment.completion_pct}，"
        "{investment.gap_pp}；本月完成投资{investment.month}。\n"
        "[[item_status]]\n"
        "# 问题协调\n"
        "本年收集问题{problems.total}，已销号{problems.closed}，办结率{problems.completion_pct}；"
        "超期未办结{problems.overdue}。\n"
        "[[open_problems]]\n"
        "# 下步工作\n"
        "责任单位对照计划节点倒排工期，未办结问题提交下次调度会研究。",
    ),
    Kind.ANNUAL: (
        "{year}年重点项目工作总结",
        "{year}年，{scope}开工建设重点项目{ledger.projects}、完成投资{investment.ytd}，"
        "同比{yoy.projects,yoy.investment_ytd|pair}。"
        "计划开工项目{starts.planned}，实际开工{starts.actual}，实现开工率{starts.rate}，"
        "项目开工时间平均{starts.avg_days_early}。\n"
        "已谋划储备项目{reserve.projects}，计划总投资{reserve.total_investment}，"
        "其中产业项目{reserve.industry.industry.projects}，"
        "计划总投资{reserve.industry.industry.total_investment}。\n"
        "{liaison.leaders}区级领导包联{liaison.enterprises}企业、{liaison.projects}项目和"
        "{liaison.institutions}高校及机构，解决诉求{demands.resolved}，办结率{demands.completion_pct}。\n"
        "全年收集问题{problems.total}，已销号{problems.closed}，办结率{problems.completion_pct}。"
        "下发工作提示{supervision.prompts}、{supervision.prompt_items}。\n"
        "# 分级推进情况\n"
        "[[by_level]]\n"
        "# 分行业推进情况\n"
        "[[by_industry]]",
    ),
}

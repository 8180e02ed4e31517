"""Bulletin templates: the office's own wording with placeholders, and the built-in wording.

A template body is plain text, one paragraph a line:

- ``# 标题`` a first-level heading (numbered 一、二、…), ``## 标题`` a second-level one;
- ``{ledger.projects}`` a figure of the catalogue, written as the office writes it;
- ``{yoy.projects,yoy.investment_ytd|pair}`` paired changes: 分别增长36.4%、130%;
- ``{year}`` ``{month}`` ``{scope}`` the bulletin's year, month and 口径;
- a line ``[[red_items]]``, ``[[yellow_items]]``, ``[[by_level]]``, ``[[by_industry]]``,
  ``[[by_unit]]``, ``[[ranking]]``, ``[[item_status]]`` or ``[[open_problems]]`` a list or a table (see
  bulletins.lists; a table comes with a chart in the Word document);
- ``[?和{liaison.institutions}高校及机构]`` an optional clause: its text is written only when
  at least one figure in it is not zero; when every figure in it is 0 or has no value (says
  无, or a note such as 无2023年台账), the whole clause is left out, brackets and all.
  "包联{liaison.enterprises}企业[?、{liaison.projects}项目][?和{liaison.institutions}高校及机构]"
  reads 包联2家企业和1所高校及机构 when no project is liaised with.

Optional clauses: ``[?`` opens one and the next ``]`` closes it, within one line (a paragraph,
a heading or the title). A clause holds at least one figure (``{year}``, ``{month}`` and
``{scope}`` are words, not figures), holds no other square bracket and is not nested; a pair
``{a,b|pair}`` counts as zero when both are. Square brackets outside clauses are written as
they are but must pair up on their line, so that a mistyped clause (``[?…]]``, ``[?…`` with
no end) is refused rather than printed. ``[?`` cannot be confused with a list line (which is
``[[`` and a name, alone on its line) or with a placeholder (whose braces hold only keys). The
figures of a clause left out are still computed and stored with the bulletin: a reader can
still trace the zero; only its text is not written.

A placeholder naming an unknown figure or list is refused with the known ones; so is a clause
whose brackets do not pair, one nested in another, and one without a figure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from duban.bulletins.catalogue import FigureResult, figure_keys, get_figure
from duban.bulletins.models import Kind
from duban.core.errors import ApplicationError
from duban.core.formatting import growth_pair_text

PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.,]+)(?:\|([a-z]+))?\}")
LIST_LINE = re.compile(r"^\[\[([a-z_]+)\]\]$")
CLAUSE_OPEN = "[?"
SHOWN = 12  # characters of the line quoted around a stray bracket
WORDS = ("year", "month", "scope")
MODIFIERS = ("pair",)


@dataclass(frozen=True)
class Placeholder:
    keys: tuple[str, ...]
    modifier: str = ""


@dataclass(frozen=True)
class Clause:
    """An optional clause's text (placeholders and all, without its brackets)."""

    text: str


class ClauseError(ValueError):
    """A line's square brackets do not make clauses; `message` says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clauses(line: str) -> list[str | Clause]:
    """The line as text and optional clauses, in order (empty text left out); ClauseError
    when a clause is not closed, is nested or holds a bracket, or a bracket is unpaired."""
    out: list[str | Clause] = []
    start = pos = clause_at = 0  # clause_at: where the last clause opened
    opened: list[int] = []  # where the square brackets of the text still open were opened
    while pos < len(line):
        if line.startswith(CLAUSE_OPEN, pos):
            end = line.find("]", pos + len(CLAUSE_OPEN))
            inner = line.find("[", pos + len(CLAUSE_OPEN), len(line) if end < 0 else end)
            if opened or inner >= 0:
                shown = line[pos : len(line) if end < 0 else end + 1]
                raise ClauseError(
                    _(
                        "可选段“%(clause)s”套在方括号里或含有方括号：可选段不能嵌套，"
                        "请拆成前后相接的几个可选段。"
                    )
                    % {"clause": shown}
                )
            if end < 0:
                raise ClauseError(
                    _("可选段“%(clause)s”没有结尾的“]”，请在可选段末尾补上“]”（可选段不能跨行）。")
                    % {"clause": line[pos:]}
                )
            out.extend((line[start:pos], Clause(line[pos + len(CLAUSE_OPEN) : end])))
            clause_at, pos = pos, end + 1
            start = pos
            continue
        if line[pos] == "[":
            opened.append(pos)
        elif line[pos] == "]":
            if not opened:
                raise ClauseError(
                    _("“%(text)s”中多了一个“]”，请删去它，或在可选段开头写“[?”。")
                    % {"text": line[_quoted_from(pos, clause_at, start) : pos + 1]}
                )
            opened.pop()
        pos += 1
    if opened:
        raise ClauseError(
            _("“%(text)s”中的“[”没有对应的“]”；可选段写成“[?……]”，方括号须成对。")
            % {"text": line[opened[0] : opened[0] + SHOWN]}
        )
    out.append(line[start:])
    return [c for c in out if c != ""]


def _quoted_from(pos: int, clause_at: int, text_at: int) -> int:
    """Where to start quoting the line before a stray "]" at `pos`: SHOWN characters back,
    or from the start of the clause that ends within them (the office sees the clause whole)."""
    begin = max(0, pos - SHOWN)
    return clause_at if text_at > begin else begin


def figure_said(value: Decimal | int | None) -> bool:
    """Whether a figure's value says something in an optional clause: not 0, not missing."""
    return value is not None and value != 0


def clause_kept(clause: Clause, figures: Mapping[str, FigureResult]) -> bool:
    """An optional clause is written when at least one figure in it is not zero (a figure
    without a value, written 无 or with its note, counts as zero)."""
    return any(
        figure_said(figures[key].value.value)
        for ph in placeholders(clause.text)
        for key in ph.keys
        if key not in WORDS
    )


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
    errors += clause_errors(title, body)
    return errors


def clause_errors(title: str, body: str) -> list[str]:
    """What is wrong with the optional clauses of the title and of each body line, or []."""
    lines = [(_("标题"), title)]
    lines += [(_("第%(n)s行") % {"n": n}, line) for n, line in enumerate(body.splitlines(), 1)]
    errors = []
    for n, (where, line) in enumerate(lines):
        if LIST_LINE.match(line.strip()):
            continue
        try:
            found = clauses(line)
        except ClauseError as e:
            errors.append(_("%(where)s：%(error)s") % {"where": where, "error": e.message})
            continue
        errors.extend(
            _(
                "%(where)s：可选段“[?%(clause)s]”中没有统计指标（可选段在其中的指标都为零时省略），"
                "请在其中写入指标，或去掉“[?”和“]”。"
            )
            % {"where": where, "clause": c.text}
            for c in found
            if isinstance(c, Clause) and not _names_a_figure(c.text)
        )
        if n == 0 and found and not "".join(c for c in found if isinstance(c, str)).strip():
            errors.append(
                _("标题不能只由可选段组成（指标都为零时标题会成为空白），请在可选段外写出标题。")
            )
    return errors


def _names_a_figure(text: str) -> bool:
    return any(key not in WORDS for ph in placeholders(text) for key in ph.keys)


def check_template(title: str, body: str) -> None:
    errors = template_errors(title, body)
    if errors:
        raise ApplicationError(" ".join(errors), field="body")


def line_parts(
    line: str, figures: Mapping[str, FigureResult], words: Mapping[str, str]
) -> list[dict[str, Any]]:
    """A checked line written out: its text pieces, each figure's with its keys (so a page
    links it to its rows); an optional clause whose figures are all zero is left out."""
    out: list[dict[str, Any]] = []
    for piece in clauses(line):
        if isinstance(piece, Clause):
            if clause_kept(piece, figures):
                out += _placeholder_parts(piece.text, figures, words)
        else:
            out += _placeholder_parts(piece, figures, words)
    return out


def _placeholder_parts(
    text: str, figures: Mapping[str, FigureResult], words: Mapping[str, str]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    pos = 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > pos:
            out.append({"text": text[pos : m.start()]})
        keys = [k for k in m.group(1).split(",") if k]
        if len(keys) == 1 and keys[0] in words:
            out.append({"text": words[keys[0]]})
        elif m.group(2) == "pair":
            values = [figures[k].value.value for k in keys]
            if any(v is None for v in values):
                note = next(figures[k].value.note for k in keys if figures[k].value.value is None)
                out.append({"text": note or _("无"), "keys": keys})
            else:
                subjects = [str(figures[k].figure.subject or figures[k].figure.label) for k in keys]
                text = growth_pair_text([Decimal(v or 0) for v in values], subjects=subjects)
                out.append({"text": text, "keys": keys})
        else:
            out.append({"text": figures[keys[0]].text, "keys": keys})
        pos = m.end()
    if pos < len(text):
        out.append({"text": text[pos:]})
    return out


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
        "本年已下发工作提示{supervision.prompts}、{supervision.prompt_items}"
        "[?，挂牌督办{supervision.flags}][?，约谈{supervision.interviews}]。",
    ),
    Kind.SPECIAL: (
        "{year}年重点项目开工情况专报",
        "截至{year}年{month}月末，计划开工项目{starts.planned}，实际开工{starts.actual}，"
        "开工率{starts.rate}；提前开工{starts.early}、按期开工{starts.on_time}、"
        "推迟开工{starts.late}，项目开工时间平均{starts.avg_days_early}。"
        "[?集中开工{starts.batches}，共{starts.batch_projects}。]",
    ),
    Kind.QUARTERLY: (
        "{year}年1—{month}月重点项目推进情况汇报",
        "# 总体情况\n" + _SUMMARY + "[?同比{yoy.projects,yoy.investment_ytd|pair}。]\n"
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
        "{year}年，{scope}开工建设重点项目{ledger.projects}、完成投资{investment.ytd}"
        "[?，同比{yoy.projects,yoy.investment_ytd|pair}]。"
        "计划开工项目{starts.planned}，实际开工{starts.actual}，实现开工率{starts.rate}，"
        "项目开工时间平均{starts.avg_days_early}。\n"
        "已谋划储备项目{reserve.projects}，计划总投资{reserve.total_investment}"
        "[?，其中产业项目{reserve.industry.industry.projects}，"
        "计划总投资{reserve.industry.industry.total_investment}]。\n"
        "{liaison.leaders}区级领导包联{liaison.enterprises}企业[?、{liaison.projects}项目]"
        "[?和{liaison.institutions}高校及机构]，"
        "解决诉求{demands.resolved}，办结率{demands.completion_pct}。\n"
        "全年收集问题{problems.total}，已销号{problems.closed}，办结率{problems.completion_pct}。"
        "下发工作提示{supervision.prompts}、{supervision.prompt_items}。\n"
        "# 分级推进情况\n"
        "[[by_level]]\n"
        "# 分行业推进情况\n"
        "[[by_industry]]",
    ),
}

"""The default rules (DOMAIN.md §4), the 2024 ban on scoring formalism, and ranking arithmetic:
pure functions, no database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from duban.assessment.models import Domain, Source


@dataclass(frozen=True)
class DefaultRule:
    domain: str
    code: str
    description: str
    points: Decimal
    cap: Decimal | None
    source: str


D = Decimal
DEFAULT_RULES: tuple[DefaultRule, ...] = (
    DefaultRule(Domain.PROJECT, "report-on-time", "事项月报按时报送，每项加1分", D(1), D(10),
                Source.REPORT_ON_TIME),
    DefaultRule(Domain.PROJECT, "report-late", "事项月报逾期或未报，每项扣1分", D(-1), D(10),
                Source.REPORT_LATE),
    DefaultRule(Domain.PROJECT, "report-false", "月报经核查不实被退回，每份扣2分", D(-2), None,
                Source.REPORT_FALSE),
    DefaultRule(Domain.WORK, "card-green", "当月亮绿牌加2分", D(2), None, Source.CARD_GREEN),
    DefaultRule(Domain.WORK, "card-yellow", "当月亮黄牌扣2分", D(-2), None, Source.CARD_YELLOW),
    DefaultRule(Domain.WORK, "card-red", "当月亮红牌扣5分", D(-5), None, Source.CARD_RED),
    DefaultRule(Domain.WORK, "flag-missed", "挂牌督办逾期未摘牌，每项扣3分", D(-3), None,
                Source.FLAG_MISSED),
    DefaultRule(Domain.PROBLEM, "problem-on-time", "问题在原定时限内销号，每个加1分", D(1),
                D(5), Source.PROBLEM_ON_TIME),
    DefaultRule(Domain.PROBLEM, "problem-late", "问题超过原定时限销号，每个扣1分", D(-1), D(5),
                Source.PROBLEM_LATE),
    DefaultRule(Domain.DEMAND, "demand-late", "企业诉求未按时限答复，每件扣1分", D(-1), D(5),
                Source.DEMAND_LATE),
    DefaultRule(Domain.PROMPT, "reply-late", "提示逾期答复，每份扣1分", D(-1), D(5),
                Source.REPLY_LATE),
    DefaultRule(Domain.PROMPT, "feedback-late", "协调意见逾期反馈，每条扣1分", D(-1), D(5),
                Source.FEEDBACK_LATE),
    DefaultRule(Domain.MEETING, "meeting-missed", "缺席调度会，每次扣1分", D(-1), None,
                Source.MEETING_MISSED),
)  # fmt: skip

# What the office may add by hand (with evidence, approved by a second office user).
DEFAULT_MANUAL_RULES: tuple[DefaultRule, ...] = (
    DefaultRule(Domain.WORK, "task-bonus", "承担区委区政府临时交办任务完成突出（加分）", D(2),
                D(5), ""),
    DefaultRule(Domain.WORK, "task-deduction", "经督查核实推进不力（扣分）", D(-2), D(6), ""),
)  # fmt: skip

# 2024《整治形式主义为基层减负若干规定》: no points for leaders' praise, media coverage,
# photos or paperwork (留痕). A rule whose wording scores any of them is refused.
BANNED_WORDS: tuple[tuple[str, str], ...] = (
    ("批示", "领导批示肯定"),
    ("表扬", "领导表扬"),
    ("肯定", "领导批示肯定"),
    ("媒体", "媒体报道"),
    ("报道", "媒体报道"),
    ("宣传", "宣传报道"),
    ("信息采用", "信息报送采用"),
    ("照片", "照片"),
    ("图片", "照片"),
    ("截图", "截图"),
    ("留痕", "过程留痕"),
    ("台账资料", "台账资料"),
    ("材料报送", "材料报送"),
    ("会议记录", "会议记录"),
)


def banned_reason(*texts: str) -> str | None:
    """Why a rule may not be created (the ban it breaks), or None."""
    joined = " ".join(texts)
    for word, what in BANNED_WORDS:
        if word in joined:
            return _(
                "按照2024年《整治形式主义为基层减负若干规定》，不得以%(what)s计分"
                "（细则中含“%(word)s”）。"
            ) % {"what": what, "word": word}
    return None


def capped(total: Decimal, cap: Decimal | None) -> Decimal:
    """A rule's points for a unit and month, bounded by its cap (both signs)."""
    if cap is None:
        return total
    return max(-cap, min(cap, total))


def competition_ranks(scores: Mapping[int, Decimal | int]) -> dict[int, int]:
    """Ranks, highest score first; ties share a rank and the next rank skips (1, 2, 2, 4)."""
    ordered = sorted(scores.items(), key=lambda kv: -kv[1])
    ranks: dict[int, int] = {}
    previous: Decimal | int | None = None
    rank = 0
    for position, (key, score) in enumerate(ordered, 1):
        if score != previous:
            rank, previous = position, score
        ranks[key] = rank
    return ranks


def grade_of(
    *, score: Decimal, rank: int, size: int, by: str, bands: Sequence[Mapping[str, str]]
) -> str:
    """The grade of a unit: by score (the first band whose minimum it reaches) or by rank
    share (the first band whose cumulative share covers its rank)."""
    for band in bands:
        if by == "score":
            if score >= Decimal(str(band.get("min", "0"))):
                return str(band["grade"])
        elif size and Decimal(rank) / Decimal(size) <= Decimal(str(band.get("share", "1"))):
            return str(band["grade"])
    return str(bands[-1]["grade"]) if bands else ""


def bands_problems(bands: Iterable[Mapping[str, object]]) -> list[str]:
    """Why a list of grade bands can't be used (empty when sound)."""
    problems = []
    rows = list(bands)
    if not rows:
        problems.append(_("至少要有一个等次。"))
    for band in rows:
        if not str(band.get("grade", "")).strip():
            problems.append(_("等次名称不能为空。"))
        try:
            share = Decimal(str(band.get("share", "1")))
            Decimal(str(band.get("min", "0")))
        except ArithmeticError:
            problems.append(_("等次的比例和分数线须为数字。"))
            continue
        if not Decimal(0) < share <= Decimal(1):
            problems.append(_("等次比例须在0到1之间。"))
    return problems

"""The ranking's outputs: an Excel sheet in the office layout (`duban.sheets.writer`), a Word
通报 of the month's ranking and the quarter's summary for the 常委会, both in the GB/T 9704
layout of `duban.documents.gbt9704`."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.assessment.models import Ranking, ScoreEvent, Standing
from duban.assessment.selectors import ranking_standings
from duban.core import clock
from duban.core.periods import Period
from duban.documents.gbt9704 import OfficialDocument
from duban.sheets.writer import OfficeSheet, OutColumn, OutGroup, office_book
from duban.supervision.models import Card, Colour, Flag, Interview, SupervisionSettings


def change_text(s: Standing) -> str:
    """↑2, ↓1, — (no change) or 新 (not ranked last month)."""
    change = s.change
    if change is None:
        return _("新")
    if change > 0:
        return f"↑{change}"
    if change < 0:
        return f"↓{-change}"
    return "—"


def _num(value: Decimal) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else str(int(value))


def _signed_on(ranking: Ranking) -> date:
    """The date a document of the ranking bears: the day it was published (a September
    ranking downloaded in December was signed in December), today before it is."""
    if ranking.published_at is None:
        return clock.today()
    return timezone.localtime(ranking.published_at).date()


def _groups(rows: list[Standing]) -> dict[str, list[Standing]]:
    out: dict[str, list[Standing]] = defaultdict(list)
    for s in rows:
        out[s.group].append(s)
    return out


def ranking_xlsx(ranking: Ranking) -> bytes:
    """The month's ranking by group: rank, change, unit, points, score, year to date; filed by
    the office (the ranking is the office's, whoever downloads it) and counted in points."""
    rows = ranking_standings(ranking=ranking)
    points = _("单位：分")
    columns = [
        OutColumn(_("名次"), kind="text", width=6),
        OutColumn(_("变化"), width=6),
        OutColumn(_("单位"), width=28),
        OutColumn(_("本月加减分"), kind="money", width=10),
        OutColumn(_("本月得分"), kind="money", width=10),
        OutColumn(_("年度累计得分"), kind="money", width=12),
    ]
    groups = [
        OutGroup(
            group,
            [[str(s.rank), change_text(s), s.unit.name, s.points, s.score, s.ytd] for s in members],
        )
        for group, members in _groups(rows).items()
    ]
    sheets = [
        OfficeSheet(
            _("月榜"),
            _("%(p)s创先争优月榜") % {"p": ranking.period.label},
            columns,
            groups,
            unit_text=points,
        )
    ]
    quarter = ranking_standings(ranking=ranking, span=Standing.Span.QUARTER)
    if quarter:
        qcols = [
            OutColumn(_("名次"), width=6),
            OutColumn(_("单位"), width=28),
            OutColumn(_("季度得分"), kind="money", width=10),
            OutColumn(_("等次"), width=8),
        ]
        qgroups = [
            OutGroup(g, [[str(s.rank), s.unit.name, s.score, s.grade] for s in members])
            for g, members in _groups(quarter).items()
        ]
        q = (ranking.month - 1) // 3 + 1
        sheets.append(
            OfficeSheet(
                _("季度"),
                _("%(y)s年第%(q)s季度考核结果") % {"y": ranking.year, "q": q},
                qcols,
                qgroups,
                unit_text=points,
            )
        )
    return office_book(sheets, reporter=SupervisionSettings.load().issuer)


def ranking_docx(ranking: Ranking) -> bytes:
    """通报: the month's ranking in each group, the units that rose, the last of each group."""
    conf = SupervisionSettings.load()
    rows = ranking_standings(ranking=ranking)
    doc = OfficialDocument()
    doc.title(_("关于%(p)s重点项目和重点工作创先争优月榜的通报") % {"p": ranking.period.label})
    doc.blank()
    doc.recipients(_("各有关单位："))
    doc.paragraph(
        _(
            "根据《%(s)s》，依据各单位%(p)s月报报送、问题办理、提示答复、协调反馈、调度会参会、"
            "亮牌和挂牌督办等情况，现将%(p)s考核排名通报如下。"
        )
        % {"s": ranking.scheme.name, "p": ranking.period.label}
    )
    for n, (group, members) in enumerate(_groups(rows).items(), 1):
        doc.subheading(n, group)
        doc.table(
            [_("名次"), _("变化"), _("单位"), _("本月得分"), _("年度累计")],
            [[s.rank, change_text(s), s.unit.name, _num(s.score), _num(s.ytd)] for s in members],
        )
        last = [s for s in members if s.rank == max(m.rank for m in members)]
        if len(members) > 1:
            doc.paragraph(
                _("%(g)s排名末位的是%(u)s，请认真分析原因，限期整改。")
                % {"g": group, "u": "、".join(s.unit.name for s in last)}
            )
    doc.paragraph(
        _(
            "各单位可在督办系统“考核”栏目的“本单位得分明细”页面逐条查看每一项加减分的来源；"
            "对计分有异议的，请在规定时限内通过系统提出。"
        )
    )
    doc.signature(conf.issuer, _signed_on(ranking))
    return doc.to_bytes()


def quarter_summary_docx(ranking: Ranking) -> bytes:
    """The quarter's summary for the 常委会: scores and grades by group, the cards, flags and
    interviews of the quarter."""
    conf = SupervisionSettings.load()
    year, q = ranking.year, (ranking.month - 1) // 3 + 1
    months = range(3 * q - 2, 3 * q + 1)
    first, last = Period(year, months[0]).first_day, Period(year, months[-1]).last_day
    doc = OfficialDocument()
    doc.title(_("%(y)s年第%(q)s季度重点项目和重点工作考核情况的报告") % {"y": year, "q": q})
    doc.blank()
    doc.recipients(_("区委常委会："))
    doc.paragraph(
        _("现将%(y)s年第%(q)s季度重点项目和重点工作“1+N”考核评价情况报告如下。")
        % {"y": year, "q": q}
    )
    doc.heading(_("考核得分和等次"))
    quarter = ranking_standings(ranking=ranking, span=Standing.Span.QUARTER)
    for group, members in _groups(quarter).items():
        grades = Counter(s.grade for s in members)
        doc.paragraph(
            _("%(g)s%(n)s家单位：%(gr)s。")
            % {
                "g": group,
                "n": len(members),
                "gr": pgettext("comma", "，").join(
                    _("%(grade)s%(n)s家") % {"grade": k, "n": v} for k, v in grades.items()
                ),
            }
        )
        doc.table(
            [_("名次"), _("单位"), _("季度得分"), _("等次")],
            [[s.rank, s.unit.name, _num(s.score), s.grade] for s in members],
        )
    doc.heading(_("亮牌情况"))
    cards = Counter(
        Card.objects.filter(year=year, month__in=list(months)).values_list("colour", flat=True)
    )
    doc.paragraph(
        _("本季度共亮绿牌%(g)s个、黄牌%(y)s个、红牌%(r)s个。")
        % {
            "g": cards.get(Colour.GREEN, 0),
            "y": cards.get(Colour.YELLOW, 0),
            "r": cards.get(Colour.RED, 0),
        }
    )
    doc.heading(_("挂牌督办和约谈"))
    flags = Flag.objects.filter(flagged_on__gte=first, flagged_on__lte=last)
    delisted = Flag.objects.filter(delisted_on__gte=first, delisted_on__lte=last).count()
    interviews = Interview.objects.filter(
        year=year, month__in=list(months), state=Interview.State.DONE
    ).count()
    doc.paragraph(
        _("本季度新挂牌督办%(f)s项、摘牌%(d)s项，开展约谈%(i)s次。")
        % {"f": flags.count(), "d": delisted, "i": interviews}
    )
    manual = ScoreEvent.objects.filter(
        year=year, month__in=list(months), origin="manual", state=ScoreEvent.State.APPROVED
    ).count()
    doc.paragraph(
        _("本季度人工加减分%(m)s项，均附佐证并经推进办两人审核。") % {"m": manual}
        if manual
        else _("本季度没有人工加减分。")
    )
    doc.signature(conf.issuer, _signed_on(ranking))
    return doc.to_bytes()

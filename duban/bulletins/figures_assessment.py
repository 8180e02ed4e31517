"""Figures of the 1+N assessment: the month's published ranking (创先争优月榜) — how many units
were ranked, their average, highest and lowest score, how many came first in their group and
how many rose or fell since last month.

A ranking says nothing until the office publishes it: before then every figure is 无 with a
note saying so, never a number a bulletin could state. Each figure stands on the ranking's
lines (`assessment.standing`, one per unit), cut to the 口径's unit (and below) or the leader's
area; the 口径's levels do not apply (a unit is ranked, not an item).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from duban.assessment.models import Ranking, Standing
from duban.bulletins.catalogue import (
    COUNT,
    SCORE,
    FigureContext,
    FigureValue,
    count_of,
    register_figure,
)
from duban.bulletins.figures import shared
from duban.bulletins.figures_supervision import _units
from duban.bulletins.row_models import RowModel, register_row_model
from duban.org.models import User

STANDING = "assessment.standing"


class Line(NamedTuple):
    """A unit's line of the month's ranking (one query for the 口径)."""

    id: int
    unit_id: int
    unit: str
    group: str
    score: Decimal
    rank: int
    previous_rank: int | None


def _visible_standings(user: User) -> QuerySet[Standing]:
    """The office sees every ranking's lines; everyone else those of published rankings."""
    qs = Standing.objects.all()
    if not user.is_office:
        qs = qs.filter(ranking__published_at__isnull=False)
    return qs


register_row_model(
    RowModel(
        STANDING,
        _("考核排名"),
        _visible_standings,
        ("unit__name", "score", "unit_id"),
        "assessment:unit",
    )
)


@shared
def ranking_published(ctx: FigureContext) -> bool:
    q = ctx.query
    return Ranking.objects.filter(year=q.year, month=q.month, published_at__isnull=False).exists()


@shared
def standings(ctx: FigureContext) -> list[Line]:
    """The lines of the month's published ranking in the 口径 (none before it is published)."""
    if not ranking_published(ctx):
        return []
    q = ctx.query
    qs = Standing.objects.filter(
        ranking__year=q.year,
        ranking__month=q.month,
        ranking__published_at__isnull=False,
        span=Standing.Span.MONTH,
    )
    fields = ("pk", "unit_id", "unit__name", "group", "score", "rank", "previous_rank")
    return list(map(Line._make, _units(ctx, qs).order_by("pk").values_list(*fields)))


def not_published(ctx: FigureContext) -> FigureValue | None:
    """无, with why, when the month's ranking is not published (None when it is)."""
    if ranking_published(ctx):
        return None
    q = ctx.query
    return FigureValue(
        None,
        note=gettext("%(year)s年%(month)s月考核排名尚未公布") % {"year": q.year, "month": q.month},
    )


def _register_count(key: str, label: Any, definition: Any, test: Any) -> None:
    def fn(ctx: FigureContext) -> FigureValue:
        return not_published(ctx) or count_of([s.id for s in standings(ctx) if test(s)])

    register_figure(
        key,
        label=label,
        definition=definition,
        kind=COUNT,
        row_model=STANDING,
        measure="unit",
        group="assessment",
    )(fn)


_register_count(
    "assessment.ranked_units",
    _("参加考核排名单位"),
    _("本月已公布的考核月榜中参加排名的单位数。"),
    lambda s: True,
)
_register_count(
    "assessment.first_places",
    _("组内排名第一单位"),
    _("本月考核月榜中在本考核分组排名第一（含并列）的单位数。"),
    lambda s: s.rank == 1,
)
_register_count(
    "assessment.rank_up",
    _("排名上升单位"),
    _("本月考核月榜中组内排名较上月上升的单位数（上月未排名的不计）。"),
    lambda s: s.previous_rank is not None and s.rank < s.previous_rank,
)
_register_count(
    "assessment.rank_down",
    _("排名下降单位"),
    _("本月考核月榜中组内排名较上月下降的单位数（上月未排名的不计）。"),
    lambda s: s.previous_rank is not None and s.rank > s.previous_rank,
)


@register_figure(
    "assessment.average_score",
    label=_("考核平均得分"),
    definition=_("本月考核月榜中参加排名单位的月度得分的平均值。"),
    kind=SCORE,
    row_model=STANDING,
    group="assessment",
)
def average_score(ctx: FigureContext) -> FigureValue:
    missing = not_published(ctx)
    if missing is not None:
        return missing
    lines = standings(ctx)
    if not lines:
        return FigureValue(None)
    total = sum((s.score for s in lines), Decimal(0))
    return FigureValue(
        total / len(lines),
        tuple(s.id for s in lines),
        tuple(s.score for s in lines),
        total,
        Decimal(len(lines)),
    )


def _extreme(ctx: FigureContext, pick: Any) -> FigureValue:
    """The highest or lowest month score; its rows: the units that scored it."""
    missing = not_published(ctx)
    if missing is not None:
        return missing
    lines = standings(ctx)
    if not lines:
        return FigureValue(None)
    best = pick(s.score for s in lines)
    return FigureValue(best, tuple(s.id for s in lines if s.score == best))


register_figure(
    "assessment.top_score",
    label=_("考核最高得分"),
    definition=_("本月考核月榜中参加排名单位的最高月度得分（明细为得分最高的单位）。"),
    kind=SCORE,
    row_model=STANDING,
    group="assessment",
)(lambda ctx: _extreme(ctx, max))
register_figure(
    "assessment.bottom_score",
    label=_("考核最低得分"),
    definition=_("本月考核月榜中参加排名单位的最低月度得分（明细为得分最低的单位）。"),
    kind=SCORE,
    row_model=STANDING,
    group="assessment",
)(lambda ctx: _extreme(ctx, min))

"""Figures of supervision: prompts issued and the items they listed, cards by colour, flags
and interviews ("下发工作提示114次、1351件").

Each is one query over the supervision tables, cut to the 口径: a unit's own (and its
sub-units'), a leader's area, or the prompts and flags on items of the levels counted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from duban.bulletins.catalogue import COUNT, FigureContext, FigureValue, count_of, register_figure
from duban.bulletins.figures import items_qs
from duban.org.scoping import unit_with_descendants
from duban.supervision.models import Card, Colour, Flag, Interview, Prompt, PromptItem

PROMPT = "supervision.prompt"
PROMPT_ITEM = "supervision.promptitem"
CARD = "supervision.card"
FLAG = "supervision.flag"
INTERVIEW = "supervision.interview"


def _units(ctx: FigureContext, qs: QuerySet[Any], path: str = "unit") -> QuerySet[Any]:
    """Cut rows carrying a unit to the 口径's unit (and below) or the leader's area."""
    q = ctx.query
    if q.unit_id is not None:
        qs = qs.filter(**{f"{path}_id__in": unit_with_descendants([q.unit_id])})
    if q.leader_id is not None or q.item_id is not None:
        qs = qs.filter(**{f"{path}_id__in": items_qs(ctx).values("lead_unit_id")})
    return qs


def _issued(ctx: FigureContext) -> QuerySet[Prompt]:
    q = ctx.query
    qs = Prompt.objects.filter(year=q.year, month__lte=q.month)
    qs = _units(ctx, qs).exclude(state=Prompt.State.DRAFT)
    if q.levels or q.item_id is not None:
        qs = qs.filter(lines__work_item__in=items_qs(ctx).values("pk")).distinct()
    return qs


def _ids(qs: QuerySet[Any]) -> FigureValue:
    return count_of(list(qs.order_by().values_list("pk", flat=True).distinct()))


@register_figure(
    "supervision.prompts",
    label=_("下发工作提示"),
    definition=_("本年1月至本月下发（非草稿）的工作提示份数。"),
    kind=COUNT,
    row_model=PROMPT,
    measure="time",
    group="supervision",
)
def prompts_issued(ctx: FigureContext) -> FigureValue:
    return _ids(_issued(ctx))


@register_figure(
    "supervision.prompts_month",
    label=_("本月下发工作提示"),
    definition=_("本月下发（非草稿）的工作提示份数。"),
    kind=COUNT,
    row_model=PROMPT,
    measure="time",
    group="supervision",
)
def prompts_month(ctx: FigureContext) -> FigureValue:
    return _ids(_issued(ctx).filter(month=ctx.query.month))


@register_figure(
    "supervision.prompt_items",
    label=_("提示事项"),
    definition=_("本年1月至本月下发的工作提示所列（未剔除）的事项和问题件数。"),
    kind=COUNT,
    row_model=PROMPT_ITEM,
    measure="piece",
    group="supervision",
)
def prompt_items(ctx: FigureContext) -> FigureValue:
    return _ids(PromptItem.objects.filter(prompt__in=_issued(ctx).values("pk"), dropped=False))


@register_figure(
    "supervision.prompts_late_reply",
    label=_("逾期答复提示"),
    definition=_("本年1月至本月下发的工作提示中逾期答复的份数。"),
    kind=COUNT,
    row_model=PROMPT,
    measure="time",
    group="supervision",
)
def prompts_late(ctx: FigureContext) -> FigureValue:
    return _ids(_issued(ctx).filter(reply_late=True))


def _cards(ctx: FigureContext) -> list[tuple[int, str]]:
    """The month's cards (a card belongs to a closed month; the office's colour counts)."""

    def load() -> list[tuple[int, str]]:
        q = ctx.query
        qs = _units(ctx, Card.objects.filter(year=q.year, month=q.month))
        return list(qs.order_by("pk").values_list("pk", "colour"))

    cards: list[tuple[int, str]] = ctx.memo("cards", load)
    return cards


for _colour, _label in Colour.choices:

    def _card_count(ctx: FigureContext, colour: str = _colour) -> FigureValue:
        return count_of([pk for pk, c in _cards(ctx) if c == colour])

    register_figure(
        f"supervision.cards.{_colour}",
        label=_label,
        definition=_("本月各单位亮牌中该颜色的张数（以推进办确认的颜色为准）。"),
        kind=COUNT,
        row_model=CARD,
        measure="张",
        group="supervision",
    )(_card_count)


def _flags(ctx: FigureContext) -> QuerySet[Flag]:
    qs = _units(ctx, Flag.objects.all())
    if ctx.query.item_id is not None:
        qs = qs.filter(work_item__in=items_qs(ctx).values("pk"))
    elif ctx.query.levels:
        qs = qs.filter(Q(work_item__in=items_qs(ctx).values("pk")) | Q(target=Flag.Target.UNIT))
    return qs


def _year_span(ctx: FigureContext) -> tuple[date, date]:
    return date(ctx.query.year, 1, 1), ctx.query.period.last_day


for _key, _label, _definition, _field in (
    (
        "supervision.flags",
        _("挂牌督办"),
        _("本年1月至本月末挂牌督办的单位、事项和问题数。"),
        "flagged_on",
    ),
    (
        "supervision.flags_delisted",
        _("摘牌"),
        _("本年1月至本月末摘牌的挂牌督办数。"),
        "delisted_on",
    ),
):

    def _flags_in_year(ctx: FigureContext, field: str = _field) -> FigureValue:
        return _ids(_flags(ctx).filter(**{f"{field}__range": _year_span(ctx)}))

    register_figure(
        _key,
        label=_label,
        definition=_definition,
        kind=COUNT,
        row_model=FLAG,
        measure="piece",
        group="supervision",
    )(_flags_in_year)


@register_figure(
    "supervision.flags_open",
    label=_("挂牌督办中"),
    definition=_("到本月末已挂牌、尚未摘牌的挂牌督办数。"),
    kind=COUNT,
    row_model=FLAG,
    measure="piece",
    group="supervision",
)
def flags_open(ctx: FigureContext) -> FigureValue:
    end = ctx.query.period.last_day
    return _ids(
        _flags(ctx)
        .filter(flagged_on__lte=end)
        .filter(Q(delisted_on__isnull=True) | Q(delisted_on__gt=end))
        .exclude(state=Flag.State.DISMISSED)
    )


@register_figure(
    "supervision.interviews",
    label=_("约谈"),
    definition=_("本年1月至本月已约谈的单位次数。"),
    kind=COUNT,
    row_model=INTERVIEW,
    measure="time",
    group="supervision",
)
def interviews_done(ctx: FigureContext) -> FigureValue:
    q = ctx.query
    qs = Interview.objects.filter(year=q.year, month__lte=q.month, state=Interview.State.DONE)
    return _ids(_units(ctx, qs))

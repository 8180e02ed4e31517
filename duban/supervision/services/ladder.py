"""The sanctions ladder (DOMAIN.md §4): after a close, each card proposes an interview, and
three reds running also a flag; red items two months running and problems overdue at level 4
are suggested for flags. The office confirms or dismisses each proposal."""

from __future__ import annotations

from django.utils.translation import gettext as _

from duban.core import clock
from duban.problems.models import Problem
from duban.supervision.models import Card, Colour, Flag, Interview

TOP_LEVEL = 4


def previous_colours(card: Card, n: int) -> list[str]:
    """The colours of the unit's `n` cards before this one, most recent first (fewer at the
    start of its history)."""
    period = card.period
    out = []
    for _i in range(n):
        period = period.previous()
        row = (
            Card.objects.filter(unit_id=card.unit_id, year=period.year, month=period.month)
            .values_list("colour", flat=True)
            .first()
        )
        if row is None:
            break
        out.append(row)
    return out


def ladder_step(colour: str, before: list[str]) -> str | None:
    """The interview a card calls for, given the colours of the cards before it."""
    if colour == Colour.RED:
        return (
            Interview.Level.PANEL
            if before[:2] == [Colour.RED, Colour.RED]
            else (Interview.Level.LEADER_IN_CHARGE)
        )
    if colour == Colour.YELLOW:
        return (
            Interview.Level.LEADER_HEAD
            if before[:1] == [Colour.YELLOW]
            else (Interview.Level.ITEM_PERSON)
        )
    return None


def _suggest(
    *, unit_id: int, because: str, work_item_id: int | None = None, problem_id: int | None = None
) -> Flag | None:
    target = (
        Flag.Target.ITEM
        if work_item_id
        else Flag.Target.PROBLEM
        if problem_id
        else Flag.Target.UNIT
    )
    same: dict[str, object] = {"work_item_id": work_item_id, "problem_id": problem_id}
    live = Flag.objects.filter(
        **same,
        target=target,
        unit_id=unit_id,
        state__in=(Flag.State.SUGGESTED, Flag.State.OPEN, Flag.State.DELIST_REQUESTED),
    )
    if live.exists():
        return None
    return Flag.objects.create(
        target=target,
        unit_id=unit_id,
        work_item_id=work_item_id,
        problem_id=problem_id,
        state=Flag.State.SUGGESTED,
        suggested_because=because[:300],
    )


def ladder_propose(*, card: Card) -> Interview | None:
    """Propose the interview (and flags) this card calls for. Idempotent: a proposal the office
    has not acted on is replaced; one it confirmed or dismissed is left alone."""
    before = previous_colours(card, 2)
    level = ladder_step(card.colour, before)
    existing = Interview.objects.filter(unit_id=card.unit_id, year=card.year, month=card.month)
    if existing.exclude(state=Interview.State.PROPOSED).exists():
        return existing.first()
    existing.delete()
    label = card.period.label
    for item_id in card.facts.get("red_running", []):
        _suggest(
            unit_id=card.unit_id,
            work_item_id=item_id,
            because=_("%(p)s事项连续红灯") % {"p": label},
        )
    if level is None:
        return None
    if level == Interview.Level.PANEL:
        _suggest(unit_id=card.unit_id, because=_("%(p)s连续三个月红牌") % {"p": label})
    because = {
        Interview.Level.ITEM_PERSON: _("%(p)s黄牌"),
        Interview.Level.LEADER_HEAD: _("%(p)s连续两个月黄牌"),
        Interview.Level.LEADER_IN_CHARGE: _("%(p)s红牌"),
        Interview.Level.PANEL: _("%(p)s连续三个月红牌"),
    }[Interview.Level(level)] % {"p": label}
    return Interview.objects.create(
        unit_id=card.unit_id,
        card=card,
        year=card.year,
        month=card.month,
        level=level,
        because=because,
    )


def problem_flags_suggest() -> list[Flag]:
    """Suggest a flag for every problem overdue at the top level (the district's 主要领导)."""
    today = clock.today()
    out = []
    rows = Problem.objects.filter(
        level__gte=TOP_LEVEL,
        due_date__lt=today,
        lead_unit__isnull=False,
        state__in=(Problem.State.ASSIGNED, Problem.State.FEEDBACK_SUBMITTED),
    ).values_list("pk", "lead_unit_id")
    for pk, unit_id in rows:
        flag = _suggest(unit_id=unit_id, problem_id=pk, because=str(_("问题升至四级调度仍逾期")))
        if flag:
            out.append(flag)
    return out

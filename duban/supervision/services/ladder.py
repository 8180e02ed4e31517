"""The sanctions ladder (DOMAIN.md §4): after a close, each card proposes an interview, and
three reds running also a flag; red items two months running and problems overdue at level 4
are suggested for flags. The office confirms or dismisses each proposal."""

from __future__ import annotations

from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.periods import Period
from duban.problems.models import Problem
from duban.supervision.models import FLAG_BECAUSE, INTERVIEW_BECAUSE, Card, Colour, Flag, Interview

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
    *,
    unit_id: int,
    why: str,
    period: Period | None = None,
    work_item_id: int | None = None,
    problem_id: int | None = None,
) -> Flag | None:
    """Suggest a flag (unless one is live for the same target), saying why: a code of
    `FLAG_BECAUSE` and the month of the card behind it, shown in the reader's language, and
    the text as written now."""
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
        suggested_why=why,
        suggested_year=period.year if period else None,
        suggested_month=period.month if period else None,
        suggested_because=(_(FLAG_BECAUSE[why]) % {"p": period.label if period else ""})[:300],
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
    period = card.period
    for item_id in card.facts.get("red_running", []):
        _suggest(unit_id=card.unit_id, work_item_id=item_id, why="red_running", period=period)
    if level is None:
        return None
    if level == Interview.Level.PANEL:
        _suggest(unit_id=card.unit_id, why="red_three", period=period)
    because = _(INTERVIEW_BECAUSE[level]) % {"p": period.label}
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
        flag = _suggest(unit_id=unit_id, problem_id=pk, why="top_overdue")
        if flag:
            out.append(flag)
    return out

"""The sanctions ladder (DOMAIN.md §4): after a close, each card proposes an interview, and
three reds running also a flag; red items two months running and problems overdue at level 4
are suggested for flags. The office confirms or dismisses each proposal.

Set-based: a close proposes for every assessed unit (2,000 on a province) in a fixed number of
statements, whatever the number of cards, flags and problems."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.bulk import insert_many, values_in
from duban.core.periods import Period
from duban.org.models import User
from duban.problems.models import Problem
from duban.supervision.models import FLAG_BECAUSE, INTERVIEW_BECAUSE, Card, Colour, Flag, Interview

TOP_LEVEL = 4
# A flag is live (a new suggestion for its target would repeat it) until delisted or dismissed.
LIVE_FLAG = (Flag.State.SUGGESTED, Flag.State.OPEN, Flag.State.DELIST_REQUESTED)


def ladder_step(colour: str, before: list[str]) -> str | None:
    """The interview a card calls for, given the colours of the cards before it (most recent
    first)."""
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


def _ids(keys: Iterable[int | None]) -> RawSQL:
    """Keys for `__in`, as one parameter (a province's thousands of units, items, problems)."""
    return values_in(sorted({k for k in keys if k}), of="bigint")


def _units_in_months(pairs: Sequence[tuple[int, Period]]) -> Q:
    """The rows of these (unit, month) pairs: one condition per month."""
    by_month: dict[Period, list[int]] = defaultdict(list)
    for unit_id, period in pairs:
        by_month[period].append(unit_id)
    return reduce(
        or_,
        (Q(year=p.year, month=p.month, unit_id__in=_ids(units)) for p, units in by_month.items()),
        Q(pk__in=[]),
    )


def previous_colours(cards: Sequence[Card], n: int) -> dict[int, list[str]]:
    """For each card (by unit and month), the colours of the unit's `n` cards before it, most
    recent first (fewer at the start of its history: a month without a card ends the run).
    One query."""
    wanted = []
    for card in cards:
        period = card.period
        for _i in range(n):
            period = period.previous()
            wanted.append((card.unit_id, period))
    found = {
        (unit_id, Period(year, month)): colour
        for unit_id, year, month, colour in Card.objects.filter(
            _units_in_months(wanted)
        ).values_list("unit_id", "year", "month", "colour")
    }
    out: dict[int, list[str]] = {}
    for card in cards:
        colours, period = [], card.period
        for _i in range(n):
            period = period.previous()
            colour = found.get((card.unit_id, period))
            if colour is None:
                break
            colours.append(colour)
        out[id(card)] = colours
    return out


@dataclass(frozen=True)
class _Suggestion:
    unit_id: int
    why: str
    period: Period | None = None
    work_item_id: int | None = None
    problem_id: int | None = None

    @property
    def target(self) -> str:
        # Plain strings: compared with the values read back from the database.
        if self.work_item_id:
            return Flag.Target.ITEM.value
        return Flag.Target.PROBLEM.value if self.problem_id else Flag.Target.UNIT.value

    @property
    def same(self) -> tuple[str, int, int | None, int | None]:
        return (self.target, self.unit_id, self.work_item_id, self.problem_id)


def _suggest(suggestions: Sequence[_Suggestion], by: User | None) -> list[int]:
    """Suggest the flags (each unless one is live for the same target, or suggested just
    before in the same batch), saying why: a code of `FLAG_BECAUSE` and the month of the card
    behind it, shown in the reader's language, and the text as written now. Two statements
    (and the flags' history); returns the new flags' keys."""
    if not suggestions:
        return []
    by_target: dict[str, list[_Suggestion]] = defaultdict(list)
    for s in suggestions:
        by_target[s.target].append(s)
    live: set[tuple[str, int, int | None, int | None]] = set(
        Flag.objects.filter(
            Q(target=Flag.Target.UNIT, unit_id__in=_ids(s.unit_id for s in by_target["unit"]))
            | Q(work_item_id__in=_ids(s.work_item_id for s in by_target["item"]))
            | Q(problem_id__in=_ids(s.problem_id for s in by_target["problem"])),
            state__in=LIVE_FLAG,
        ).values_list("target", "unit_id", "work_item_id", "problem_id")
    )
    rows = []
    for s in suggestions:
        if s.same in live:
            continue
        live.add(s.same)
        label = s.period.label if s.period else ""
        rows.append(
            {
                "target": s.target,
                "unit_id": s.unit_id,
                "work_item_id": s.work_item_id,
                "problem_id": s.problem_id,
                "state": Flag.State.SUGGESTED,
                "suggested_why": s.why,
                "suggested_year": s.period.year if s.period else None,
                "suggested_month": s.period.month if s.period else None,
                "suggested_because": (_(FLAG_BECAUSE[s.why]) % {"p": label})[:300],
            }
        )
    return insert_many(Flag, rows, history_user_id=by.pk if by else None)


def ladder_propose(cards: Sequence[Card], *, by: User | None = None) -> list[int]:
    """Propose the interviews (and flags) these cards call for. Idempotent: a proposal the
    office has not acted on is replaced; a card whose interview the office confirmed or
    dismissed is left alone. A fixed number of statements whatever the number of cards;
    returns the new interviews' keys."""
    if not cards:
        return []
    which = _units_in_months([(c.unit_id, c.period) for c in cards])
    acted = set(
        Interview.objects.filter(which)
        .exclude(state=Interview.State.PROPOSED)
        .values_list("unit_id", "year", "month")
    )
    cards = [c for c in cards if (c.unit_id, c.year, c.month) not in acted]
    if not cards:
        return []
    # The proposals not acted on, replaced (each deletion kept in the history).
    Interview.objects.filter(
        _units_in_months([(c.unit_id, c.period) for c in cards]),
        state=Interview.State.PROPOSED,
    ).delete()
    before = previous_colours(cards, 2)
    flags: list[_Suggestion] = []
    interviews = []
    for card in cards:
        period = card.period
        flags.extend(
            _Suggestion(card.unit_id, "red_running", period, work_item_id=item_id)
            for item_id in card.facts.get("red_running", [])
        )
        level = ladder_step(card.colour, before[id(card)])
        if level is None:
            continue
        if level == Interview.Level.PANEL:
            flags.append(_Suggestion(card.unit_id, "red_three", period))
        interviews.append(
            {
                "unit_id": card.unit_id,
                "card_id": card.pk,
                "year": card.year,
                "month": card.month,
                "level": level,
                "because": _(INTERVIEW_BECAUSE[level]) % {"p": period.label},
            }
        )
    _suggest(flags, by)
    return insert_many(Interview, interviews, history_user_id=by.pk if by else None)


def problem_flags_suggest(*, by: User | None = None) -> list[int]:
    """Suggest a flag for every problem overdue at the top level (the district's 主要领导);
    returns the new flags' keys."""
    rows = Problem.objects.filter(
        level__gte=TOP_LEVEL,
        due_date__lt=clock.today(),
        lead_unit__isnull=False,
        state__in=(Problem.State.ASSIGNED, Problem.State.FEEDBACK_SUBMITTED),
    ).values_list("pk", "lead_unit_id")
    return _suggest(
        [_Suggestion(unit_id, "top_overdue", problem_id=pk) for pk, unit_id in rows], by
    )

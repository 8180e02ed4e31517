"""Reads of the supervision app, each scoped to a user: the office sees everything; anyone
else the units of their scope (a unit its own and those below it, a leader the units in their
charge). Cards are seen by units and leaders only once published. Out of scope = 404."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.problems.models import Problem
from duban.reporting.models import MonthlyReport
from duban.supervision.models import (
    Card,
    CardRules,
    Colour,
    FalseReport,
    Flag,
    Interview,
    Prompt,
    PromptItem,
)
from duban.supervision.services.cards import rule_hits


def units_q(user: User, path: str = "unit") -> Q:
    """A filter on any model with a unit: the units the user supervises or answers for."""
    scope = scope_for(user)
    if scope.everything:
        return Q()
    return Q(**{f"{path}_id__in": scope.unit_ids})


def prompt_list(
    *,
    user: User,
    year: int | None = None,
    month: int | None = None,
    kind: str | None = None,
    state: str | None = None,
) -> QuerySet[Prompt]:
    """Prompts the user may see (drafts only for the office), newest first: those to the
    user's units, and those to a leader's area listing lines of the user's units (or to the
    leader)."""
    qs = Prompt.objects.select_related("unit", "leader")
    scope = scope_for(user)
    if not scope.everything:
        lines = PromptItem.objects.filter(unit_id__in=scope.unit_ids).values("prompt_id")
        qs = qs.filter(
            Q(unit_id__in=scope.unit_ids) | Q(pk__in=lines) | Q(leader_id=user.pk)
        ).exclude(state=Prompt.State.DRAFT)
    if year:
        qs = qs.filter(year=year)
    if month:
        qs = qs.filter(month=month)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    return qs.annotate(listed=Count("lines", filter=Q(lines__dropped=False)))


def prompt_get_for_user(*, user: User, prompt_id: int) -> Prompt:
    return get_object_or_404(prompt_list(user=user), pk=prompt_id)


def prompts_awaiting_reply(*, user: User) -> QuerySet[Prompt]:
    return prompt_list(user=user).filter(state__in=(Prompt.State.ISSUED, Prompt.State.RETURNED))


def prompts_listing_item(*, user: User, item_id: int) -> QuerySet[Prompt]:
    """The issued prompts that listed an item (the item page)."""
    return (
        prompt_list(user=user).filter(lines__work_item_id=item_id, lines__dropped=False).distinct()
    )


@dataclass(frozen=True)
class PromptFigures:
    month: int
    kind: str
    unit: str
    prompts: int
    items: int
    replied_on_time: int
    replied_late: int

    @property
    def kind_label(self) -> str:
        return str(Prompt.Kind(self.kind).label)


@dataclass(frozen=True)
class PromptMonthFigures:
    """A month's prompts of one kind (`month` 0: the year), each counted once however many
    units it lists, with the units' own figures."""

    month: int
    kind: str
    prompts: int
    items: int
    replied_on_time: int
    replied_late: int
    units: list[PromptFigures]

    @property
    def kind_label(self) -> str:
        return str(Prompt.Kind(self.kind).label) if self.kind else ""


class _Tally:
    """Prompts (as sets of ids), lines, replies on time and late, under one key."""

    def __init__(self) -> None:
        self.prompts: dict[Any, set[int]] = defaultdict(set)
        self.items: dict[Any, int] = defaultdict(int)
        self.on_time: dict[Any, set[int]] = defaultdict(set)
        self.late: dict[Any, set[int]] = defaultdict(set)

    def add(self, key: Any, pk: int, reply_late: bool, replied: bool) -> None:
        self.prompts[key].add(pk)
        self.items[key] += 1
        if reply_late:
            self.late[key].add(pk)
        elif replied:
            self.on_time[key].add(pk)

    def counts(self, key: Any) -> tuple[int, int, int, int]:
        return (
            len(self.prompts[key]),
            self.items[key],
            len(self.on_time[key]),
            len(self.late[key]),
        )


def _prompt_tallies(user: User, year: int) -> tuple[_Tally, _Tally]:
    """The year's issued prompts' lines in the user's units, tallied per (month, kind, unit)
    and per (month, kind) — (0, "") for the year —: one query."""
    scope = scope_for(user)
    lines = (
        PromptItem.objects.filter(prompt__year=year, dropped=False, unit__isnull=False)
        .exclude(prompt__state=Prompt.State.DRAFT)
        .values_list(
            "prompt_id",
            "prompt__month",
            "prompt__kind",
            "unit__name",
            "unit_id",
            "prompt__reply_late",
            "prompt__replied_at",
        )
    )
    by_unit, by_month = _Tally(), _Tally()
    for pk, month, kind, unit, unit_id, reply_late, replied_at in lines:
        if not scope.everything and unit_id not in scope.unit_ids:
            continue
        replied = replied_at is not None
        by_unit.add((month, kind, unit), pk, reply_late, replied)
        by_month.add((month, kind), pk, reply_late, replied)
        by_month.add((0, ""), pk, reply_late, replied)
    return by_unit, by_month


def prompt_figures(*, user: User, year: int) -> list[PromptFigures]:
    """Prompts issued and lines listed per month, kind and unit (a prompt to a leader's area
    counts once for each unit it lists); replies on time and late."""
    by_unit, _by_month = _prompt_tallies(user, year)
    return [
        PromptFigures(m, k, u, *by_unit.counts((m, k, u))) for (m, k, u) in sorted(by_unit.prompts)
    ]


def prompt_summary(*, user: User, year: int) -> list[PromptMonthFigures]:
    """The year's prompts per month and kind, each prompt counted once (a prompt to a leader's
    area lists several units), with each unit's figures beside; the last row is the year's
    (month 0). Empty when nothing was issued in the user's units."""
    by_unit, by_month = _prompt_tallies(user, year)
    units: dict[tuple[int, str], list[PromptFigures]] = defaultdict(list)
    for m, k, u in sorted(by_unit.prompts):
        units[(m, k)].append(PromptFigures(m, k, u, *by_unit.counts((m, k, u))))
    rows = [
        PromptMonthFigures(m, k, *by_month.counts((m, k)), units[(m, k)])
        for (m, k) in sorted(key for key in by_month.prompts if key[0])
    ]
    if rows:
        rows.append(PromptMonthFigures(0, "", *by_month.counts((0, "")), []))
    return rows


# -- cards ---------------------------------------------------------------------------------


def card_list(*, user: User, year: int | None = None, month: int | None = None) -> QuerySet[Card]:
    """Cards the user may see: the office all; others their units' published cards."""
    qs = Card.objects.filter(units_q(user)).select_related("unit", "rules")
    if not scope_for(user).everything:
        qs = qs.filter(published_at__isnull=False)
    if year:
        qs = qs.filter(year=year)
    if month:
        qs = qs.filter(month=month)
    return qs


def card_periods(*, user: User) -> list[Period]:
    """The months holding cards the user may see, oldest first: the cards page offers these
    and no others (a month before its close has none)."""
    rows = card_list(user=user).order_by("year", "month").values_list("year", "month").distinct()
    return [Period(year, month) for year, month in rows]


def card_get_for_user(*, user: User, card_id: int) -> Card:
    return get_object_or_404(card_list(user=user), pk=card_id)


@dataclass(frozen=True)
class CardCounts:
    green: int = 0
    yellow: int = 0
    red: int = 0

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red


def card_counts(*, user: User, year: int, month: int | None = None) -> CardCounts:
    """The district's (or the user's units') green, yellow and red cards for a month or year."""
    rows = dict(
        card_list(user=user, year=year, month=month)
        .order_by()
        .values("colour")
        .annotate(n=Count("pk"))
        .values_list("colour", "n")
    )
    return CardCounts(rows.get("green", 0), rows.get("yellow", 0), rows.get("red", 0))


def unit_year_cards(*, user: User, unit: Unit, year: int) -> list[Card | None]:
    """A unit's twelve months: its card or None, January first."""
    cards = {c.month: c for c in card_list(user=user, year=year).filter(unit=unit)}
    return [cards.get(m) for m in range(1, 13)]


@dataclass(frozen=True)
class ExplanationLine:
    colour: str
    text: str
    links: list[tuple[str, str]]


_FACT_TEXT: dict[tuple[str, str], Any] = {
    ("red_items", "red"): gettext_lazy("有%(n)s个红灯事项（达到%(t)s个亮红牌）"),
    ("red_running", "red"): gettext_lazy("有%(n)s个事项连续红灯"),
    ("missed_flags", "red"): gettext_lazy("有%(n)s项挂牌督办逾期未摘牌"),
    ("red_items", "yellow"): gettext_lazy("有%(n)s个红灯事项"),
    ("late_reports", "yellow"): gettext_lazy("有%(n)s个事项月报逾期或未报"),
    ("late_replies", "yellow"): gettext_lazy("有%(n)s份提示逾期答复"),
    ("overdue_problems", "yellow"): gettext_lazy("有%(n)s个问题逾期未办结"),
    ("false_reports", "red"): gettext_lazy("有%(n)s份月报被认定为虚假填报"),
    ("missed_targets", "yellow"): gettext_lazy(
        "有%(n)s个事项未完成月度计划（低于累计月度计划%(pp)s个百分点及以上）"
    ),
}


# The rows a card's fact names, and where their names come from (the rest link by number).
_ITEM_FACTS = ("red_items", "red_running", "late_reports", "missed_targets")
_NAMED: dict[str, tuple[type[Any], str]] = {
    "item": (WorkItem, "title"),
    "prompt": (Prompt, "number"),
    "problem": (Problem, "title"),
}


def _named_as(fact: str) -> str | None:
    if fact in _ITEM_FACTS:
        return "item"
    if fact == "late_replies":
        return "prompt"
    if fact in ("false_reports", "missed_flags"):
        return None
    return "problem"


def _links(fact: str, ids: list[int], names: dict[str, dict[int, str]]) -> list[tuple[str, str]]:
    if fact == "false_reports":
        return [(_("月报%(n)s") % {"n": i}, reverse("reporting:report", args=[i])) for i in ids]
    if fact == "missed_flags":
        return [(_("挂牌督办%(n)s") % {"n": i}, reverse("supervision:flag", args=[i])) for i in ids]
    kind = _named_as(fact)
    assert kind is not None  # noqa: S101 — the two unnamed facts returned above
    url = {"item": "ledger:item", "prompt": "supervision:prompt", "problem": "problems:problem"}
    got = names.get(kind, {})
    return [(got.get(i) or str(i), reverse(url[kind], args=[i])) for i in ids]


def _hits(card: Card) -> list[tuple[str, str, Any]]:
    """The rules the card's facts met, as shown: a red card leaves out its yellow for red items."""
    hits = rule_hits(card.facts, card.rules or CardRules())
    red = any(colour == Colour.RED for _f, colour, _t in hits)
    return [h for h in hits if not (red and h[1] == Colour.YELLOW and h[0] == "red_items")]


def cards_explained(cards: list[Card]) -> dict[int, list[ExplanationLine]]:
    """Each card's explanation (`card_explanation`), for many cards at once: the rows their
    facts name read in one query per kind of row (items, prompts, problems), not per card."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for card in cards:
        for fact, _colour, _t in _hits(card):
            kind = _named_as(fact)
            if kind is not None:
                wanted[kind].update(card.facts.get(fact, []))
    names: dict[str, dict[int, str]] = {}
    for kind, ids in wanted.items():
        model, field = _NAMED[kind]
        names[kind] = dict(model.objects.filter(pk__in=ids).values_list("pk", field))
    return {card.pk: _explained(card, names) for card in cards}


def card_explanation(card: Card) -> list[ExplanationLine]:
    """The card line by line: each rule the unit's facts met, with links to the rows; a green
    card says why it is green."""
    return cards_explained([card])[card.pk]


def _explained(card: Card, names: dict[str, dict[int, str]]) -> list[ExplanationLine]:
    rules = card.rules or CardRules()
    hits = _hits(card)
    lines = []
    for fact, colour, threshold in hits:
        ids = card.facts.get(fact, [])
        text = str(_FACT_TEXT[(fact, colour)]) % {
            "n": len(ids),
            "t": threshold,
            "pp": f"{Decimal(str(rules.missed_target_pp)).normalize():f}",
        }
        lines.append(ExplanationLine(colour, text, _links(fact, ids, names)))
    if not hits:
        lines.append(
            ExplanationLine(
                Colour.GREEN,
                _(
                    "无红灯事项，月报按时报送、无虚假填报，完成月度计划，提示按时答复，"
                    "问题按期办结，无逾期挂牌"
                ),
                [],
            )
        )
    if card.colour != card.computed:
        lines.append(
            ExplanationLine(
                card.colour,
                _("推进办将%(a)s调整为%(b)s：%(r)s")
                % {
                    "a": Colour(card.computed).label,
                    "b": Colour(card.colour).label,
                    "r": card.override_reason,
                },
                [],
            )
        )
    return lines


# -- flags and interviews -------------------------------------------------------------------


def flag_list(*, user: User, state: str | None = None) -> QuerySet[Flag]:
    qs = Flag.objects.filter(units_q(user)).select_related(
        "unit", "work_item", "problem", "flagged_by"
    )
    if not scope_for(user).everything:
        qs = qs.exclude(state__in=(Flag.State.SUGGESTED, Flag.State.DISMISSED))
    if state:
        qs = qs.filter(state=state)
    return qs


def flag_get_for_user(*, user: User, flag_id: int) -> Flag:
    return get_object_or_404(flag_list(user=user), pk=flag_id)


def flag_subject(*, user: User, target: str, pk: int) -> dict[str, Any]:
    """The unit, item or problem a new flag is on, as `flag_create`'s keyword (404 when it is
    missing or out of the user's scope)."""
    if target == Flag.Target.ITEM:
        return {
            "work_item": get_object_or_404(
                WorkItem.objects.filter(units_q(user, "lead_unit")), pk=pk
            )
        }
    if target == Flag.Target.PROBLEM:
        return {
            "problem": get_object_or_404(Problem.objects.filter(units_q(user, "lead_unit")), pk=pk)
        }
    scope = scope_for(user)
    units = Unit.objects.all() if scope.everything else Unit.objects.filter(pk__in=scope.unit_ids)
    return {"unit": get_object_or_404(units, pk=pk)}


def false_report_list(
    *, user: User, year: int | None = None, month: int | None = None
) -> QuerySet[FalseReport]:
    qs = FalseReport.objects.filter(units_q(user)).select_related("unit", "report__work_item")
    if year:
        qs = qs.filter(year=year)
    if month:
        qs = qs.filter(month=month)
    return qs


def report_for_office(*, user: User, report_id: int) -> MonthlyReport:
    """A monthly report in the user's scope (the office: any), with its item."""
    return get_object_or_404(
        MonthlyReport.objects.filter(units_q(user, "work_item__lead_unit")).select_related(
            "work_item"
        ),
        pk=report_id,
    )


def open_flags(*, user: User) -> QuerySet[Flag]:
    return flag_list(user=user).filter(state__in=(Flag.State.OPEN, Flag.State.DELIST_REQUESTED))


def interview_list(*, user: User, state: str | None = None) -> QuerySet[Interview]:
    qs = Interview.objects.filter(units_q(user)).select_related("unit", "card")
    if not scope_for(user).everything:
        qs = qs.exclude(state__in=(Interview.State.PROPOSED, Interview.State.DISMISSED))
    if state:
        qs = qs.filter(state=state)
    return qs


def interview_get_for_user(*, user: User, interview_id: int) -> Interview:
    return get_object_or_404(interview_list(user=user), pk=interview_id)


@dataclass(frozen=True)
class HistoryRow:
    year: int
    month: int
    kind: str
    text: str
    obj: Any


def unit_history(*, user: User, unit: Unit) -> list[HistoryRow]:
    """A unit's cards, flags and interviews together, newest first."""
    rows = [
        HistoryRow(c.year, c.month, "card", c.get_colour_display(), c)
        for c in card_list(user=user).filter(unit=unit)
    ]
    for fl in flag_list(user=user).filter(unit=unit):
        day = fl.flagged_on or fl.created_at.date()
        rows.append(HistoryRow(day.year, day.month, "flag", fl.get_state_display(), fl))
    rows.extend(
        HistoryRow(iv.year, iv.month, "interview", iv.get_level_display(), iv)
        for iv in interview_list(user=user).filter(unit=unit)
    )
    return sorted(rows, key=lambda r: (r.year, r.month), reverse=True)


@dataclass(frozen=True)
class SupervisionBox:
    """What a unit's home page shows: prompts to answer, its latest published card, open flags."""

    prompts: list[Prompt]
    card: Card | None
    flags: list[Flag]

    @property
    def empty(self) -> bool:
        return not (self.prompts or self.card or self.flags)


def supervision_box(*, user: User) -> SupervisionBox:
    if user.role not in (User.Role.UNIT_HEAD, User.Role.REPORTER) or not user.unit_id:
        return SupervisionBox([], None, [])
    own = Q(unit_id=user.unit_id)
    card = card_list(user=user).filter(own).order_by("-year", "-month").first()
    unanswered = PromptItem.objects.filter(
        unit_id=user.unit_id, dropped=False, answered_at__isnull=True
    ).values("prompt_id")
    return SupervisionBox(
        list(
            prompts_awaiting_reply(user=user).filter(own | Q(unit__isnull=True, pk__in=unanswered))[
                :20
            ]
        ),
        card,
        list(open_flags(user=user).filter(own)[:20]),
    )


def item_panel(user: User, item: WorkItem) -> tuple[str, dict[str, Any]] | None:
    """The item page's panel: the prompts that listed the item and its flags (in scope)."""
    listed = prompts_listing_item(user=user, item_id=item.pk).exclude(state=Prompt.State.DRAFT)
    prompts = list(listed[:20])
    flags = list(flag_list(user=user).filter(work_item=item))
    office = user.is_office
    if not (prompts or flags or office):
        return None
    # The office's actions: flag the item, return a submitted report as false.
    reports = (
        list(
            MonthlyReport.objects.filter(
                work_item=item,
                state__in=(MonthlyReport.State.SUBMITTED, MonthlyReport.State.RETURNED),
            ).order_by("-year", "-month")[:3]
        )
        if office
        else []
    )
    return "supervision/_item.html", {
        "prompts": prompts,
        "flags": flags,
        "is_office": office,
        "item": item,
        "reports": reports,
    }

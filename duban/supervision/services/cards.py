"""三色亮牌: every assessed unit's card for a closed month, computed from its frozen snapshots
inside the close's transaction, then reviewed, overridden with a reason, and published."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.bulk import insert_many
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.models import Unit, User
from duban.problems.models import Problem
from duban.reporting.models import ItemSnapshot, MonthClose
from duban.reporting.progress import Light, ReportStatus, item_figures
from duban.supervision import events
from duban.supervision.models import (
    Card,
    CardRules,
    Colour,
    FalseReport,
    Flag,
    Prompt,
    PromptItem,
)
from duban.supervision.services import locked
from duban.supervision.services.ladder import ladder_propose, problem_flags_suggest
from duban.supervision.services.prompts import HANDLED_PROBLEM_STATES


def card_rules_in_force() -> CardRules:
    """The newest card rule set (created with the defaults when there is none)."""
    row = CardRules.objects.order_by("-pk").first()
    return row or CardRules.objects.create(note=str(_("默认规则（DOMAIN §4）")))


def _red_ids_before(period: Period, months: int) -> list[set[int]]:
    """Per earlier month (most recent first), the items red in its snapshot."""
    out = []
    p = period
    for _i in range(months):
        p = p.previous()
        out.append(
            set(
                ItemSnapshot.objects.filter(
                    year=p.year, month=p.month, light=Light.RED
                ).values_list("work_item_id", flat=True)
            )
        )
    return out


def missed_target(snap: ItemSnapshot, rules: CardRules) -> bool:
    """An item with a monthly plan curve whose year-to-date completion at the month's end is
    below its cumulative monthly plan by at least `missed_target_pp` points (the progress
    core's figures of the frozen month: gap to 序时 on the curve)."""
    if snap.cumulative_plan is None or not snap.annual_plan:
        return False
    figures = item_figures(
        month=snap.month,
        annual_plan=snap.annual_plan,
        prior_cumulative=snap.prior_cumulative,
        ytd=snap.ytd_investment,
        investment_month=snap.investment_month,
        cumulative_plan=snap.cumulative_plan,
    )
    return figures.gap_pp is not None and figures.gap_pp <= -rules.missed_target_pp


def card_facts(period: Period, rules: CardRules) -> dict[int, dict[str, list[int]]]:
    """The facts behind each unit's card for a closed month, as lists of ids, read from the
    month's snapshots, the prompts due in the month, open flags and problems."""
    facts: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    earlier = _red_ids_before(period, rules.red_item_months - 1)
    # Only what the rules read (not the reasons' JSON): 20,000 snapshots on a province.
    snaps = ItemSnapshot.objects.filter(year=period.year, month=period.month).only(
        "work_item_id",
        "lead_unit_id",
        "light",
        "report",
        "month",
        "annual_plan",
        "prior_cumulative",
        "ytd_investment",
        "investment_month",
        "cumulative_plan",
    )
    for snap in snaps:
        item_id, unit_id = snap.work_item_id, snap.lead_unit_id
        if snap.light == Light.RED:
            facts[unit_id]["red_items"].append(item_id)
            if all(item_id in reds for reds in earlier):
                facts[unit_id]["red_running"].append(item_id)
        if snap.report in (ReportStatus.LATE, ReportStatus.MISSING):
            facts[unit_id]["late_reports"].append(item_id)
        if missed_target(snap, rules):
            facts[unit_id]["missed_targets"].append(item_id)
    for pk, unit_id in FalseReport.objects.filter(year=period.year, month=period.month).values_list(
        "report_id", "unit_id"
    ):
        facts[unit_id]["false_reports"].append(pk)
    late_prompts = Prompt.objects.filter(
        reply_late=True,
        reply_due__gte=period.first_day,
        reply_due__lte=period.last_day,
    )
    for pk, unit_id in late_prompts.filter(unit__isnull=False).values_list("pk", "unit_id"):
        facts[unit_id]["late_replies"].append(pk)
    # A prompt to a leader's area: late for the units whose lines were answered after the
    # deadline or not at all.
    area_lines = PromptItem.objects.filter(
        prompt__in=late_prompts.filter(unit__isnull=True), dropped=False, unit__isnull=False
    ).values_list("prompt_id", "unit_id", "answered_at", "prompt__reply_due")
    late_units: set[tuple[int, int]] = set()
    for pk, unit_id, answered_at, due in area_lines:
        if answered_at is None or (due is not None and timezone.localdate(answered_at) > due):
            late_units.add((unit_id, pk))
    for unit_id, pk in sorted(late_units):
        facts[unit_id]["late_replies"].append(pk)
    problems = Problem.objects.filter(
        state__in=HANDLED_PROBLEM_STATES, lead_unit__isnull=False, due_date__lt=period.last_day
    ).values_list("pk", "lead_unit_id")
    for pk, unit_id in problems:
        facts[unit_id]["overdue_problems"].append(pk)
    flags = Flag.objects.filter(
        state__in=(Flag.State.OPEN, Flag.State.DELIST_REQUESTED),
        deadline__lt=period.last_day,
    ).values_list("pk", "unit_id")
    for pk, unit_id in flags:
        facts[unit_id]["missed_flags"].append(pk)
    return {k: {f: sorted(ids) for f, ids in v.items()} for k, v in facts.items()}


# The card rules, in the order the explanation reads them: (fact, colour, threshold field).
RULES: tuple[tuple[str, str, str | None], ...] = (
    ("red_items", Colour.RED, "several_red"),
    ("red_running", Colour.RED, None),
    ("missed_flags", Colour.RED, None),
    ("false_reports", Colour.RED, "red_false_reports"),
    ("red_items", Colour.YELLOW, "yellow_red_items"),
    ("late_reports", Colour.YELLOW, "yellow_late_reports"),
    ("late_replies", Colour.YELLOW, "yellow_late_replies"),
    ("overdue_problems", Colour.YELLOW, "yellow_overdue_problems"),
    ("missed_targets", Colour.YELLOW, "yellow_missed_targets"),
)


def rule_hits(facts: dict[str, Any], rules: CardRules) -> list[tuple[str, str, int]]:
    """The rules a unit's facts meet: (fact, colour, threshold) in reading order."""
    hits = []
    for fact, colour, field in RULES:
        threshold = getattr(rules, field) if field else 1
        if len(facts.get(fact, [])) >= threshold:
            hits.append((fact, str(colour), threshold))
    return hits


def colour_of(facts: dict[str, Any], rules: CardRules) -> str:
    """The card a unit's facts give: red on any red rule, yellow on any yellow one, else green."""
    colours = {colour for _f, colour, _t in rule_hits(facts, rules)}
    if Colour.RED in colours:
        return Colour.RED
    return Colour.YELLOW if Colour.YELLOW in colours else Colour.GREEN


def assessed_units() -> list[Unit]:
    return list(Unit.objects.filter(assessed=True, is_active=True).order_by("sort_order", "pk"))


def cards_compute(*, close: MonthClose, by: User | None = None) -> list[Card]:
    """Compute (or recompute, before publication) every assessed unit's card for the closed
    month; then the ladder proposes interviews and flags. Runs inside the close."""
    period = Period(close.year, close.month)
    if Card.objects.filter(
        year=period.year, month=period.month, published_at__isnull=False
    ).exists():
        raise ApplicationError(_("该月亮牌已公布，不能重新计算。"))
    rules = card_rules_in_force()
    facts = card_facts(period, rules)
    Card.objects.filter(year=period.year, month=period.month).delete()
    cards = []
    for unit in assessed_units():
        f = facts.get(unit.pk, {})
        colour = colour_of(f, rules)
        cards.append(
            Card(
                close=close,
                unit=unit,
                year=period.year,
                month=period.month,
                computed=colour,
                colour=colour,
                facts=f,
                rules=rules,
            )
        )
    keys = insert_many(
        Card,
        [
            {
                "close": close,
                "unit": card.unit,
                "year": card.year,
                "month": card.month,
                "computed": card.computed,
                "colour": card.colour,
                "facts": card.facts,
                "rules": rules,
            }
            for card in cards
        ],
        history_user_id=by.pk if by else None,
    )
    for card, key in zip(cards, keys, strict=True):
        card.pk = key
    ladder_propose(cards, by=by)
    return cards


def on_month_closed(sender: object, *, close: MonthClose, by: User, **kwargs: object) -> None:
    """The receiver of `reporting.signals.month_closed`: cards, interviews and flag candidates."""
    cards_compute(close=close, by=by)
    problem_flags_suggest(by=by)


@transaction.atomic
def card_override(*, card: Card, colour: str, reason: str, by: User, version: int) -> Card:
    """Override a card before publication: the computed colour stays, the reason, who and when
    are kept in the card and its history; the ladder's proposal follows the new colour."""
    c = locked(Card, card.pk, version, _("亮牌"))
    if c.published_at is not None:
        raise ApplicationError(_("已公布的亮牌不能调整。"))
    if colour not in Colour.values:
        raise ApplicationError(_("亮牌颜色无效。"), code="invalid")
    if not reason.strip():
        raise ApplicationError(_("调整亮牌须写明理由。"), code="invalid")
    c.colour, c.override_reason = colour, reason.strip()
    c.overridden_by, c.overridden_at = by, clock.now()
    c.version += 1
    c._history_user = by  # type: ignore[attr-defined]
    c.save()
    ladder_propose([c], by=by)
    return c


@transaction.atomic
def cards_publish(*, period: Period, by: User) -> int:
    """Publish a closed month's cards: units see them from now on. Returns how many."""
    if not MonthClose.objects.filter(year=period.year, month=period.month).exists():
        raise ApplicationError(
            _("%(p)s尚未关账，不能公布亮牌。") % {"p": period.label}, code="invalid"
        )
    cards = Card.objects.select_for_update().filter(year=period.year, month=period.month)
    if not cards.exists():
        raise ApplicationError(_("该月没有亮牌。"), code="invalid")
    if cards.filter(published_at__isnull=False).exists():
        raise ApplicationError(_("该月亮牌已公布。"))
    published = list(cards.select_related("unit"))
    count = cards.update(published_at=clock.now())
    events.cards_published(published)
    return count

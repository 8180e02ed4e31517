"""The events supervision raises for notify (which subscribes; supervision never imports it):
a prompt issued, a month's cards published, a flag set."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_noop

from duban.core.events import Event, NotificationKind, district_text, emit
from duban.supervision.models import Card, Colour, Flag, Prompt

K = NotificationKind


def prompt_units(prompt: Prompt, *, unanswered: bool = False) -> tuple[int, ...]:
    """The units a prompt is for: its unit, or for a leader's area the units of its lines
    (with `unanswered`, only those still to answer)."""
    if prompt.unit_id is not None:
        return (prompt.unit_id,)
    lines = prompt.lines.filter(dropped=False, unit__isnull=False)
    if unanswered:
        lines = lines.filter(answered_at__isnull=True)
    return tuple(sorted({i for i in lines.values_list("unit_id", flat=True) if i is not None}))


def prompts_issued(prompts: Iterable[Prompt]) -> None:
    for p in prompts:
        kind = Prompt.Kind(p.kind).label
        if p.reply_due:
            text = district_text(
                gettext_noop("收到%(kind)s“%(number)s”，请于%(due)s前答复"),
                kind=kind,
                number=p.number,
                due=p.reply_due,
            )
        else:
            text = district_text(
                gettext_noop("收到%(kind)s“%(number)s”"), kind=kind, number=p.number
            )
        emit(
            Event.about(
                K.PROMPT_ISSUED,
                p,
                text=text,
                url=reverse("supervision:prompt", args=[p.pk]),
                unit_ids=prompt_units(p),
                user_ids=(p.leader_id,) if p.leader_id else (),
            )
        )


def cards_published(cards: Iterable[Card]) -> None:
    for c in cards:
        emit(
            Event.about(
                K.CARD_PUBLISHED,
                c,
                text=district_text(
                    gettext_noop("%(period)s督办亮牌已公布：%(unit)s为%(colour)s"),
                    period=lambda c=c: c.period.label,
                    unit=c.unit,
                    colour=Colour(c.colour).label,
                ),
                url=reverse("supervision:card", args=[c.pk]),
                unit_ids=(c.unit_id,),
                unit_roles=("unit_head", "reporter"),
            )
        )


def flag_set(flag: Flag) -> None:
    what = flag.number or Flag.Target(flag.target).label
    if flag.deadline:
        text = district_text(
            gettext_noop("%(unit)s被挂牌督办（%(what)s），整改时限%(due)s"),
            unit=flag.unit,
            what=what,
            due=flag.deadline,
        )
    else:
        text = district_text(
            gettext_noop("%(unit)s被挂牌督办（%(what)s）"), unit=flag.unit, what=what
        )
    emit(
        Event.about(
            K.FLAG_SET,
            flag,
            text=text,
            url=reverse("supervision:flag", args=[flag.pk]),
            unit_ids=(flag.unit_id,),
        )
    )

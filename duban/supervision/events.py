"""The events supervision raises for notify (which subscribes; supervision never imports it):
a prompt issued, a month's cards published, a flag set."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from duban.core.events import Event, NotificationKind, emit
from duban.core.formatting import date_cn
from duban.supervision.models import Card, Flag, Prompt

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
        due = f"，请于{date_cn(p.reply_due)}前答复" if p.reply_due else ""
        emit(
            Event.about(
                K.PROMPT_ISSUED,
                p,
                text=f"收到{p.get_kind_display()}“{p.number}”{due}",
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
                text=f"{c.period.label}督办亮牌已公布：{c.unit}为{c.get_colour_display()}",
                url=reverse("supervision:card", args=[c.pk]),
                unit_ids=(c.unit_id,),
                unit_roles=("unit_head", "reporter"),
            )
        )


def flag_set(flag: Flag) -> None:
    deadline = f"，整改时限{date_cn(flag.deadline)}" if flag.deadline else ""
    emit(
        Event.about(
            K.FLAG_SET,
            flag,
            text=f"{flag.unit}被挂牌督办（{flag.number or flag.get_target_display()}）{deadline}",
            url=reverse("supervision:flag", args=[flag.pk]),
            unit_ids=(flag.unit_id,),
        )
    )

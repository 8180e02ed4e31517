"""Events that services raise for the people who must act, without knowing who listens.

A service calls `emit(Event(...))` inside its transaction; the event reaches the subscribers
only after the transaction commits (never for a rolled-back write), and a subscriber that fails
is logged and never undoes or blocks the service that raised it. The notify app subscribes in
its AppConfig.ready(); the apps below it never import notify (the layering rule).

A request (or a command) may raise many events: a unit's month submitted in one batch raises one
per report. Inside `collecting()` (every request runs in it, `EventBatchMiddleware`) the events
that committed are held and handed over together when it ends, so a subscriber registered with
`subscribe_batch` does its work for all of them in one pass (a few bulk queries, not a few per
event). An event still never reaches anyone before its transaction commits.

An event names its kind (see `NotificationKind`), a key that is unique for that happening (so that the same
event raised twice, e.g. by a command run twice on one day, tells each person once), the object
it is about (its model label and id, which the subscriber uses to check every recipient's scope),
the link and a sentence in Chinese, and its audience: members of units (optionally only some
roles), single users, and/or the office.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import TextChoices
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from duban.core.formatting import date_cn

logger = logging.getLogger(__name__)


class NotificationKind(TextChoices):
    """Every kind of event; notify and the settings pages use this one list."""

    REPORT_DUE_SOON = "report_due_soon", _("月报即将到期")
    REPORT_DUE_TODAY = "report_due_today", _("月报今日到期")
    REPORT_LATE = "report_late", _("月报逾期未报")
    REPORT_RETURNED = "report_returned", _("月报被退回")
    REPORT_SIGNOFF = "report_signoff", _("月报待审签")
    REPORT_REVIEW = "report_review", _("月报待审核")
    PROBLEM_ASSIGNED = "problem_assigned", _("问题已交办")
    PROBLEM_DUE_SOON = "problem_due_soon", _("问题即将到期")
    PROBLEM_OVERDUE = "problem_overdue", _("问题已逾期")
    PROBLEM_ESCALATED = "problem_escalated", _("问题已升级")
    PROBLEM_RETURNED = "problem_returned", _("问题核实未通过")
    EXTENSION_DECIDED = "extension_decided", _("延期申请已处理")
    OPINION_ADDRESSED = "opinion_addressed", _("协调意见待落实")
    MEETING_SCHEDULED = "meeting_scheduled", _("调度会已安排")
    # Raised by the supervision, assessment and bulletin features as they land.
    PROMPT_ISSUED = "prompt_issued", _("督办提示已下发")
    PROMPT_REPLY_DUE = "prompt_reply_due", _("督办提示即将到期")
    PROMPT_REPLY_LATE = "prompt_reply_late", _("督办提示逾期未复")
    CARD_PUBLISHED = "card_published", _("督办卡片已发布")
    FLAG_SET = "flag_set", _("已被挂牌督办")
    FLAG_DEADLINE_NEAR = "flag_deadline_near", _("挂牌督办即将到期")
    RANKING_PUBLISHED = "ranking_published", _("排名已发布")
    BULLETIN_PUBLISHED = "bulletin_published", _("通报已发布")


@dataclass(frozen=True)
class Event:
    kind: str
    key: str
    target: str  # model label, e.g. "reporting.monthlyreport"
    target_id: int
    text: str
    url: str = ""
    unit_ids: tuple[int, ...] = ()
    unit_roles: tuple[str, ...] = ()  # empty: every member of the units
    user_ids: tuple[int, ...] = ()
    office: bool = False
    mobiles: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def about(cls, kind: str, obj: Any, **rest: Any) -> Event:
        """The event of `kind` about a saved object: its key is the kind and the object's id
        (told once), its target the object's model label and id."""
        return cls(
            kind=kind,
            key=f"{kind}:{obj.pk}",
            target=obj._meta.label_lower,
            target_id=obj.pk,
            **rest,
        )


def district_text(message: str, **params: Any) -> str:
    """An event's sentence in the district's language (LANGUAGE_CODE), as notifications,
    emails and robot messages are stored and sent: `message` is a msgid marked with
    `gettext_noop`, its placeholders `%(name)s` filled from `params` (lazy labels of choices are
    rendered in that language too, dates are written as that language writes them, and a
    callable is called there: `period=lambda: p.label`)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = translation.gettext(message)
        values = {k: _district_value(v() if callable(v) else v) for k, v in params.items()}
        return text % values if params else text


def _district_value(value: Any) -> str:
    return date_cn(value) if isinstance(value, date) else str(value)


Subscriber = Callable[[Event], object]
BatchSubscriber = Callable[[Sequence[Event]], object]
_SUBSCRIBERS: list[Subscriber] = []
_BATCH_SUBSCRIBERS: list[BatchSubscriber] = []
BATCH = 500  # events handed to a batch subscriber at once
# The committed events held for one pass at the end of `collecting()` (None: deliver at once).
_collected: ContextVar[list[Event] | None] = ContextVar("duban_events_collected", default=None)
_suspended: ContextVar[bool] = ContextVar("duban_events_suspended", default=False)
_immediate: ContextVar[bool] = ContextVar("duban_events_immediate", default=False)


@contextmanager
def suspended() -> Iterator[None]:
    """Events raised (and committed) inside reach nobody: a replayed story is history, not news
    (the demo builds months of past work through the services)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def subscribe(subscriber: Subscriber) -> None:
    """Register a receiver of every event (idempotent: ready() may run more than once)."""
    if subscriber not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(subscriber)


def subscribe_batch(subscriber: BatchSubscriber) -> None:
    """Register a receiver of events in batches: every event one request (or one
    `collecting()` block) committed, in the order they were raised."""
    if subscriber not in _BATCH_SUBSCRIBERS:
        _BATCH_SUBSCRIBERS.append(subscriber)


def unsubscribe(subscriber: Subscriber | BatchSubscriber) -> None:
    if subscriber in _SUBSCRIBERS:
        _SUBSCRIBERS.remove(subscriber)  # type: ignore[arg-type]
    if subscriber in _BATCH_SUBSCRIBERS:
        _BATCH_SUBSCRIBERS.remove(subscriber)  # type: ignore[arg-type]


@contextmanager
def collecting() -> Iterator[None]:
    """Hold the events that commit inside and deliver them together when the block ends
    (an event whose transaction commits after the block is delivered on its own, at commit)."""
    held: list[Event] = []
    token = _collected.set(held)
    try:
        yield
    finally:
        _collected.reset(token)
        # In slices, so that a day's reminders for a province stay within a query's bounds.
        for start in range(0, len(held), BATCH):
            deliver_many(held[start : start + BATCH])


@contextmanager
def immediate() -> Iterator[None]:
    """Events raised inside are delivered at once, not at commit: for code that writes nothing
    the event depends on (the demo raising today's news from finished data)."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)


def deliver(event: Event) -> None:
    """Hand an event to every subscriber now; a failing one is logged, never raised."""
    deliver_many([event])


def deliver_many(events: Sequence[Event]) -> None:
    """Hand events to every subscriber now (batch subscribers once for all of them); a failing
    subscriber is logged, never raised, and never keeps the others from their events."""
    if _suspended.get() or not events:
        return
    for batch_subscriber in _BATCH_SUBSCRIBERS:
        try:
            batch_subscriber(events)
        except Exception:
            logger.exception(
                "event.subscriber_failed",
                extra={"kind": events[0].kind, "key": events[0].key, "count": len(events)},
            )
    for event in events:
        for subscriber in _SUBSCRIBERS:
            try:
                subscriber(event)
            except Exception:
                logger.exception(
                    "event.subscriber_failed", extra={"kind": event.kind, "key": event.key}
                )


def _committed(event: Event) -> None:
    if _suspended.get():
        return
    held = _collected.get()
    if held is None:
        deliver(event)
    else:
        held.append(event)


def emit(event: Event) -> None:
    """Raise an event: delivered after the current transaction commits (now if there is none),
    with the other events of the request when it runs inside `collecting()`."""
    if _immediate.get():
        deliver(event)
        return
    transaction.on_commit(lambda: _committed(event), robust=True)


class EventBatchMiddleware:
    """Every request collects its committed events and delivers them in one pass at its end."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with collecting():
            return self.get_response(request)

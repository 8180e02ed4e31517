"""Channels beyond the inbox: group notices for work groups, digests (one message grouping
everything since the last), and the sending of each message with retries, backoff and a
per-robot throttle that holds across workers (counted in the database).

The Delivery table is the durable outbox. `digests_build` turns what waits into Delivery rows
(a notification or notice is linked to exactly one delivery, under a row lock: nothing is sent
twice), and each new row is handed to the task queue after commit (`notify.tasks`:
django-tasks with its database backend, or Celery); `delivery_attempt` claims one due row,
posts it, and records the platform's answer and when to try again. A worker that dies mid-send
leaves a claimed row that another worker reclaims after `CLAIM_TIMEOUT`; the URL and secret of
a robot never reach a log.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.events import Event, NotificationKind
from duban.notify.models import (
    ChannelSetting,
    Delivery,
    DigestRules,
    GroupNotice,
    Mode,
    Notification,
    WorkGroup,
)
from duban.notify.robots import RATE_PER_MINUTE, Answer, build_request, read_answer
from duban.notify.targets import target_item_ids, target_items_q
from duban.org.models import User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = timedelta(minutes=5)
# The platforms count messages as they arrive; a send can land a little after its claim, so
# claims are counted over a minute plus a margin (never 21 arrivals in one platform minute).
WINDOW = timedelta(seconds=65)
HTTP_TIMEOUT = 10


# ---- group notices -----------------------------------------------------------------------


def group_notices_for_events(events: Sequence[Event]) -> list[GroupNotice]:
    """For each event, one notice for each active work group that covers it and receives its
    kind; the batch subscriber: a request's events in a few queries whatever their number."""
    if not events:
        return []
    unit_ids = {u for e in events for u in e.unit_ids}
    user_ids = {u for e in events for u in e.user_ids}
    targets = {(e.target, e.target_id) for e in events}
    # The groups first (one query, the items the events hang off as subqueries): most
    # districts have no group covering a submission, and then nothing else is read.
    groups = list(
        WorkGroup.objects.filter(
            Q(units__in=unit_ids) | Q(leaders__in=user_ids) | target_items_q(targets),
            active=True,
        )
        .distinct()
        .order_by("pk")
    )
    if not groups:
        return []
    items = target_item_ids(targets)
    covered: dict[str, dict[int, set[int]]] = {}
    for field in ("units", "leaders", "items"):
        through = getattr(WorkGroup, field).through
        column = {"units": "unit_id", "leaders": "user_id", "items": "workitem_id"}[field]
        links: dict[int, set[int]] = defaultdict(set)
        for group_id, other in through.objects.filter(
            workgroup_id__in=[g.pk for g in groups]
        ).values_list("workgroup_id", column):
            links[group_id].add(other)
        covered[field] = links
    phones: list[tuple[int, str, str]] = []
    if unit_ids and any(g.mention for g in groups):
        phones = list(
            User.objects.filter(unit_id__in=unit_ids, is_active=True)
            .exclude(phone="")
            .values_list("unit_id", "role", "phone")
        )
    notices = []
    for event in events:
        item_id = items.get((event.target, event.target_id))
        for group in groups:
            group_units = covered["units"][group.pk] & set(event.unit_ids)
            if not (
                group_units
                or covered["leaders"][group.pk] & set(event.user_ids)
                or (item_id is not None and item_id in covered["items"][group.pk])
            ) or not group.receives(event.kind):
                continue
            mobiles: list[str] = []
            if group.mention and group_units:
                mobiles = sorted(
                    {
                        phone
                        for unit_id, role, phone in phones
                        if unit_id in group_units
                        and (not event.unit_roles or role in event.unit_roles)
                    }
                )
            notices.append(
                GroupNotice(
                    group=group,
                    kind=event.kind,
                    key=event.key[:200],
                    text=str(event.text)[:500],
                    mobiles=mobiles,
                )
            )
    GroupNotice.objects.bulk_create(notices, ignore_conflicts=True)
    return notices


def group_notices_for_event(event: Event) -> list[GroupNotice]:
    """One notice for each active work group that covers the event and receives its kind."""
    return group_notices_for_events([event])


# ---- when a digest is due ----------------------------------------------------------------


def in_quiet_hours(rules: DigestRules, at: time) -> bool:
    start, end = rules.quiet_start, rules.quiet_end
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end  # overnight, e.g. 22:00–07:00


def last_slot(rules: DigestRules, mode: str, now: datetime) -> datetime | None:
    """The latest scheduled digest moment at or before `now` for a daily or weekly mode."""
    local = timezone.localtime(now)
    slot = local.replace(
        hour=rules.digest_time.hour, minute=rules.digest_time.minute, second=0, microsecond=0
    )
    if mode == Mode.DAILY:
        return slot if slot <= local else slot - timedelta(days=1)
    if mode == Mode.WEEKLY:
        slot -= timedelta(days=(local.weekday() - rules.digest_weekday) % 7)
        return slot if slot <= local else slot - timedelta(days=7)
    return None


def due_modes(rules: DigestRules, now: datetime) -> set[str]:
    """The modes whose messages may go now: immediate always, a digest once per slot; none
    in quiet hours."""
    if in_quiet_hours(rules, timezone.localtime(now).time()):
        return set()
    due = {Mode.IMMEDIATE.value}
    for mode in (Mode.DAILY, Mode.WEEKLY):
        slot = last_slot(rules, mode, now)
        if slot is not None and (rules.last_digest_at is None or rules.last_digest_at < slot):
            due.add(mode.value)
    return due


# ---- the message -------------------------------------------------------------------------


def digest_text(title: str, entries: Sequence[tuple[str, str]]) -> str:
    """One message for everything since the last: a summary line by kind, then each line.

    e.g. "区住建局：月报逾期未报2条；问题已逾期1条" and the sentences grouped by kind."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, text in entries:
        by_kind[kind].append(text)
    order = [k for k in NotificationKind.values if k in by_kind]
    with translation.override(settings.LANGUAGE_CODE):
        summary = _("；").join(
            _("%(label)s%(n)s条") % {"label": NotificationKind(k).label, "n": len(by_kind[k])}
            for k in order
        )
        lines = [f"{title}：{summary}"]
        for k in order:
            lines.append(f"【{NotificationKind(k).label}】")
            lines.extend(f"- {t}" for t in by_kind[k])
    return "\n".join(lines)


@dataclass
class BuildResult:
    emails: int = 0
    group_messages: int = 0


def _new_delivery(**fields: object) -> Delivery:
    """A new row of the outbox, handed to the task queue once the transaction commits."""
    from duban.notify.tasks import enqueue_send  # the tasks module imports this one

    now = clock.now()
    delivery = Delivery.objects.create(next_attempt_at=now, queued_at=now, **fields)  # type: ignore[arg-type]
    pk = delivery.pk
    transaction.on_commit(lambda: enqueue_send(pk), robust=True)
    return delivery


def _user_digest(setting: ChannelSetting, now: datetime) -> Delivery | None:
    user = setting.user
    due = due_modes(setting, now)
    if not due or not user.email:
        return None
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update()
            .filter(recipient=user, delivery__isnull=True, read_at__isnull=True)
            .order_by("created_at", "pk")
        )
        chosen = [n for n in pending if setting.mode_for(n.kind) in due]
        digest_modes = due - {Mode.IMMEDIATE.value}
        if digest_modes:
            ChannelSetting.objects.filter(pk=setting.pk).update(last_digest_at=now)
        if not chosen:
            return None
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("督办提醒：%(n)s条待办") % {"n": len(chosen)}
        delivery = _new_delivery(
            channel=Delivery.Channel.EMAIL,
            recipient=user,
            subject=subject,
            text=digest_text(user.display_name, [(n.kind, n.text) for n in chosen]),
        )
        Notification.objects.filter(pk__in=[n.pk for n in chosen], delivery__isnull=True).update(
            delivery=delivery
        )
    return delivery


def _group_digest(group: WorkGroup, now: datetime) -> Delivery | None:
    due = due_modes(group, now)
    if not due:
        return None
    with transaction.atomic():
        pending = list(
            GroupNotice.objects.select_for_update()
            .filter(group=group, delivery__isnull=True)
            .order_by("created_at", "pk")
        )
        chosen = [n for n in pending if group.mode_for(n.kind) in due]
        if due - {Mode.IMMEDIATE.value}:
            WorkGroup.objects.filter(pk=group.pk).update(last_digest_at=now)
        if not chosen:
            return None
        mobiles = sorted({m for n in chosen for m in n.mobiles})
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("%(g)s：%(n)s条提醒") % {"g": group.name, "n": len(chosen)}
        delivery = _new_delivery(
            channel=Delivery.Channel.ROBOT,
            group=group,
            subject=subject,
            text=digest_text(group.name, [(n.kind, n.text) for n in chosen]),
            mobiles=mobiles,
        )
        GroupNotice.objects.filter(pk__in=[n.pk for n in chosen], delivery__isnull=True).update(
            delivery=delivery
        )
    return delivery


def digests_build(*, now: datetime | None = None) -> BuildResult:
    """Turn what waits into messages for every person with email and every work group."""
    now = now or clock.now()
    result = BuildResult()
    settings_qs = ChannelSetting.objects.filter(email=True).select_related("user")
    for setting in settings_qs:
        if _user_digest(setting, now) is not None:
            result.emails += 1
    for group in WorkGroup.objects.filter(active=True):
        if _group_digest(group, now) is not None:
            result.group_messages += 1
    return result


# ---- sending -----------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """60 s, 2, 4, 8 minutes… (never under a minute: the throttle counts claims per minute)."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def _claim(delivery_id: int, now: datetime) -> Delivery | None:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .filter(
                Q(state=Delivery.State.PENDING, next_attempt_at__lte=now)
                | Q(state=Delivery.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT),
                pk=delivery_id,
            )
            .first()
        )
        if delivery is None:
            return None
        if delivery.group_id is not None:
            # Serialise the group's claims so the count below holds across workers.
            WorkGroup.objects.select_for_update().filter(pk=delivery.group_id).first()
            recent = list(
                Delivery.objects.filter(
                    group_id=delivery.group_id, claimed_at__gt=now - WINDOW
                ).values_list("claimed_at", flat=True)
            )
            if len(recent) >= RATE_PER_MINUTE:
                delivery.next_attempt_at = min(r for r in recent if r) + WINDOW
                delivery.queued_at = delivery.next_attempt_at
                delivery.save(update_fields=["next_attempt_at", "queued_at"])
                return None
        delivery.state = Delivery.State.SENDING
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.save(update_fields=["state", "claimed_at", "attempts"])
        return delivery


def _post_robot(delivery: Delivery) -> Answer:
    group = delivery.group
    if group is None:
        return Answer(False, False, "no group")
    request = build_request(
        group.platform,
        group.endpoint,
        group.secret,
        delivery.text,
        mobiles=delivery.mobiles,
        now_ms=int(clock.now().timestamp() * 1000),
    )
    http = urllib.request.Request(  # noqa: S310 (http(s) only: checked when the group is saved)
        request.url,
        data=request.data(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(http, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
            return read_answer(response.status, response.read(65536))
    except urllib.error.HTTPError as e:
        return read_answer(e.code, e.read(65536))
    except (urllib.error.URLError, OSError) as e:
        # The reason only (never the URL, which holds the robot's key).
        reason = getattr(e, "reason", e)
        return Answer(False, False, f"{type(e).__name__}: {reason}"[:300])


def _send_email(delivery: Delivery) -> Answer:
    user = delivery.recipient
    if user is None or not user.email:
        return Answer(False, False, "no email address")
    try:
        sent = send_mail(delivery.subject, delivery.text, None, [user.email])
    except Exception as e:  # the mail server's error, whatever its class
        return Answer(False, False, f"{type(e).__name__}: {e}"[:300])
    return Answer(bool(sent), False, "ok" if sent else "not sent")


@dataclass(frozen=True)
class Outcome:
    state: str
    # When this attempt put the message off (a retry, or the throttle): the task to run then.
    retry_at: datetime | None = None


def delivery_attempt(delivery_id: int) -> Outcome:
    """Send one message if it is due and not sent; its state afterwards, and when to try again
    if this attempt put it off.

    Safe to run twice and from two workers: only the worker that claims the row sends it."""
    now = clock.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        row = Delivery.objects.filter(pk=delivery_id).values("state", "next_attempt_at").first()
        if row is None:
            return Outcome("")
        throttled = row["state"] == Delivery.State.PENDING and row["next_attempt_at"] > now
        return Outcome(row["state"], row["next_attempt_at"] if throttled else None)
    if delivery.channel == Delivery.Channel.ROBOT:
        answer = _post_robot(delivery)
    else:
        answer = _send_email(delivery)
    delivery.answer = answer.detail
    if answer.ok:
        delivery.state, delivery.sent_at = Delivery.State.SENT, clock.now()
    elif answer.rate_limited and delivery.attempts < MAX_ATTEMPTS * 2:
        delivery.state = Delivery.State.PENDING
        delivery.next_attempt_at = clock.now() + WINDOW
    elif delivery.attempts < MAX_ATTEMPTS:
        delivery.state = Delivery.State.PENDING
        delivery.next_attempt_at = clock.now() + backoff(delivery.attempts)
    else:
        delivery.state = Delivery.State.FAILED
    retry = delivery.state == Delivery.State.PENDING
    if retry:
        delivery.queued_at = delivery.next_attempt_at
    delivery.save(update_fields=["state", "sent_at", "answer", "next_attempt_at", "queued_at"])
    log = logger.info if answer.ok else logger.warning
    log(
        "notify.delivery",
        extra={
            "delivery_id": delivery.pk,
            "channel": delivery.channel,
            "state": delivery.state,
            "attempts": delivery.attempts,
        },
    )
    return Outcome(delivery.state, delivery.next_attempt_at if retry else None)


def delivery_send(delivery_id: int) -> str:
    """Send one message now if it is due (see `delivery_attempt`); its state afterwards."""
    return delivery_attempt(delivery_id).state


def deliveries_due(
    *, now: datetime | None = None, limit: int = 100
) -> list[tuple[int, int | None]]:
    """The due messages, oldest first, as (id, work group id or None)."""
    now = now or clock.now()
    return list(
        Delivery.objects.filter(
            Q(state=Delivery.State.PENDING, next_attempt_at__lte=now)
            | Q(state=Delivery.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "group_id")[:limit]
    )


def delivery_resend(*, delivery: Delivery, by: User) -> Delivery:
    """The office sends a failed message again (from the delivery log)."""
    from duban.core.errors import ApplicationError
    from duban.notify.tasks import enqueue_send

    if not by.is_office:
        raise ApplicationError(_("只有推进办可以重新发送。"), code="forbidden")
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state != Delivery.State.FAILED:
            raise ApplicationError(_("只有发送失败的消息可以重新发送。"))
        delivery.state, delivery.attempts = Delivery.State.PENDING, 0
        delivery.next_attempt_at = delivery.queued_at = clock.now()
        delivery.save(update_fields=["state", "attempts", "next_attempt_at", "queued_at"])
        pk = delivery.pk
        transaction.on_commit(lambda: enqueue_send(pk), robust=True)
    return delivery


@dataclass
class WorkerRound:
    built: BuildResult
    sent: int
    failed: int


def worker_round(*, now: datetime | None = None, limit: int = 100) -> WorkerRound:
    """One pass in process (tests, the benchmark): build what is due into messages, then send
    what is due. A robot whose message was put off (throttle, error) is skipped for the rest of
    the pass: its other messages would be put off too."""
    built = digests_build(now=now)
    sent = failed = 0
    held: set[int] = set()
    for pk, group_id in deliveries_due(now=now, limit=limit):
        if group_id in held:
            continue
        outcome = delivery_attempt(pk)
        sent += outcome.state == Delivery.State.SENT
        failed += outcome.state == Delivery.State.FAILED
        if outcome.retry_at is not None and group_id is not None:
            held.add(group_id)
    return WorkerRound(built, sent, failed)


def work_group_test(*, group: WorkGroup, by: User) -> Delivery:
    """A test message to a group's robot, queued like any other (the office sends it)."""
    from duban.core.errors import ApplicationError

    if not by.is_office:
        raise ApplicationError(_("只有推进办可以发送测试消息。"), code="forbidden")
    with translation.override(settings.LANGUAGE_CODE):
        text = _("【测试】这是督办系统发往“%(g)s”的测试消息。") % {"g": group.name}
    return _new_delivery(channel=Delivery.Channel.ROBOT, group=group, subject=text[:200], text=text)

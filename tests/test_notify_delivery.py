"""Digests, channels and the delivery queue against a local fake robot server: signatures and
payloads, digest grouping, nothing sent twice, quiet hours, retries and failure, the per-robot
throttle measured on the fake, a restart in the middle of a batch, secrets kept out of logs."""

from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from duban.core import events
from duban.core.events import Event
from duban.core.events import NotificationKind as K
from duban.demo import fake_robot
from duban.notify.delivery import (
    MAX_ATTEMPTS,
    delivery_resend,
    delivery_send,
    digests_build,
    worker_round,
)
from duban.notify.models import ChannelSetting, Delivery, GroupNotice, Mode, Notification, WorkGroup

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def fake():
    server = fake_robot.start()
    yield server
    server.close()


def _at(time_machine, text: str) -> datetime:
    moment = datetime.fromisoformat(text).replace(tzinfo=SH)
    time_machine.move_to(moment, tick=False)
    return moment


def _group(fake, platform="wecom", name="住建工作群", **kw):
    secret = "" if platform == "wecom" else fake_robot.SECRET
    kw.setdefault("mode", Mode.IMMEDIATE)
    return WorkGroup.objects.create(
        name=name, platform=platform, endpoint=fake.url(platform), secret=secret, **kw
    )


def _event(district, n=1, kind=K.REPORT_LATE, item=None, unit=None):
    item = item or district.item_x
    unit = unit or district.unit_b
    ev = Event(
        kind=kind,
        key=f"{kind}:{item.pk}:{n}",
        target="ledger.workitem",
        target_id=item.pk,
        text=f"第{n}条：2024年3月月报“{item.title}”已逾期未报",
        unit_ids=(unit.pk,),
        unit_roles=("unit_head", "reporter"),
    )
    events.deliver(ev)
    return ev


@pytest.mark.parametrize("platform", ["wecom", "dingtalk", "feishu"])
def test_group_message_reaches_each_platform_signed_with_mentions(district, fake, platform):
    # given: unit B's head has a mobile; the group covers unit B
    district.head_b.phone = "13800000001"
    district.head_b.save()
    group = _group(fake, platform)
    group.units.add(district.unit_b)
    # when
    _event(district)
    result = worker_round()
    # then
    assert result.sent == 1 and fake.rejected == []
    [got] = fake.received
    text = got.body.get("text", {}).get("content") or got.body["content"]["text"]
    assert "住建项目丁" in text and text.startswith("住建工作群：月报逾期未报1条")
    if platform == "wecom":
        assert got.body["text"]["mentioned_mobile_list"] == ["13800000001"]
    if platform == "dingtalk":
        assert got.body["at"]["atMobiles"] == ["13800000001"]
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.SENT
    assert ('"errcode": 0' in delivery.answer) or ('"code": 0' in delivery.answer)


def test_group_not_covering_the_unit_or_not_receiving_the_kind_gets_nothing(district, fake):
    other = _group(fake, name="发改工作群")
    other.units.add(district.unit_a)
    picky = _group(fake, name="只收问题", kinds=[K.PROBLEM_OVERDUE])
    picky.units.add(district.unit_b)
    _event(district)
    assert GroupNotice.objects.count() == 0


def test_daily_digest_groups_everything_since_the_last_once(district, fake, time_machine):
    group = _group(fake, mode=Mode.DAILY, digest_time=time(9, 0))
    group.units.add(district.unit_b)
    _at(time_machine, "2024-04-03 10:00")
    digests_build()  # the 9:00 slot of today passes with nothing waiting
    for n in range(3):
        _event(district, n)
    _event(district, 9, kind=K.PROBLEM_OVERDUE)
    # before the next day's time: nothing
    _at(time_machine, "2024-04-04 08:59")
    assert worker_round().sent == 0
    # at the time: one message with all four, grouped by kind
    _at(time_machine, "2024-04-04 09:00")
    assert worker_round().sent == 1
    [got] = fake.received
    text = got.body["text"]["content"]
    assert text.splitlines()[0] == "住建工作群：月报逾期未报3条；问题已逾期1条"
    assert text.count("- 第") == 4
    # again the same day, and after new events before the next slot: nothing twice
    assert worker_round().sent == 0
    _event(district, 5)
    _at(time_machine, "2024-04-04 18:00")
    assert worker_round().sent == 0
    assert len(fake.received) == 1
    _at(time_machine, "2024-04-05 09:01")
    worker_round()
    assert len(fake.received) == 2 and "第5条" in fake.received[1].body["text"]["content"]
    assert "第0条" not in fake.received[1].body["text"]["content"]


def test_weekly_and_per_kind_modes(district, fake, time_machine):
    group = _group(
        fake, mode=Mode.WEEKLY, digest_weekday=0, kind_modes={K.PROBLEM_OVERDUE: "immediate"}
    )
    group.units.add(district.unit_b)
    _at(time_machine, "2024-04-03 10:00")  # a Wednesday
    digests_build()
    _event(district, 1)
    _event(district, 2, kind=K.PROBLEM_OVERDUE)
    worker_round()
    assert len(fake.received) == 1 and "问题已逾期1条" in fake.received[0].body["text"]["content"]
    _at(time_machine, "2024-04-08 09:00")  # Monday
    worker_round()
    assert len(fake.received) == 2 and "月报逾期未报1条" in fake.received[1].body["text"]["content"]


def test_quiet_hours_hold_messages_until_they_end(district, fake, time_machine):
    group = _group(fake, quiet_start=time(22, 0), quiet_end=time(7, 0))
    group.units.add(district.unit_b)
    _at(time_machine, "2024-04-03 23:30")
    _event(district)
    assert worker_round().sent == 0
    _at(time_machine, "2024-04-04 06:59")
    assert worker_round().sent == 0
    _at(time_machine, "2024-04-04 07:00")
    assert worker_round().sent == 1


def test_email_digest_goes_to_users_who_chose_email(district, settings, time_machine):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    district.reporter_b.email = "b@example.org"
    district.reporter_b.save()
    ChannelSetting.objects.create(user=district.reporter_b, email=True, mode=Mode.IMMEDIATE)
    _event(district, 1)
    _event(district, 2)
    worker_round()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["b@example.org"] and "月报逾期未报2条" in mail.outbox[0].body
    # head_b did not choose email; reporter_b's notifications are linked to the one email
    assert Notification.objects.filter(recipient=district.reporter_b, delivery=None).count() == 0
    _event(district, 2)  # the same event again
    worker_round()
    assert len(mail.outbox) == 1


def test_errors_retry_with_backoff_then_fail_and_office_resends(district, fake, time_machine):
    group = _group(fake, "dingtalk")
    group.units.add(district.unit_b)
    fake.fail_next = 100
    _event(district)
    _at(time_machine, "2024-04-03 10:00")
    worker_round()
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PENDING and delivery.attempts == 1
    assert "310000" in delivery.answer and fake.rejected == []
    # not retried before the backoff
    assert worker_round().sent == 0 and Delivery.objects.get().attempts == 1
    for minute in (1, 3, 7, 15):
        _at(time_machine, f"2024-04-03 10:{minute:02d}:01")
        worker_round()
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED and delivery.attempts == MAX_ATTEMPTS
    # the office resends once the robot is fixed
    fake.fail_next = 0
    delivery_resend(delivery=delivery, by=district.office)
    assert worker_round().sent == 1 and len(fake.received) == 1


def test_a_wrong_secret_is_refused_by_the_fake_and_logged_without_secrets(district, fake, caplog):
    group = _group(fake, "feishu")
    group.secret = "SECwrong-secret"
    group.save()
    group.units.add(district.unit_b)
    _event(district)
    with caplog.at_level(logging.DEBUG):
        worker_round()
    assert fake.rejected == ["feishu"] and fake.received == []
    assert Delivery.objects.get().state == Delivery.State.PENDING
    assert "SECwrong-secret" not in caplog.text and "uuid-0001" not in caplog.text
    assert "SECwrong-secret" not in Delivery.objects.get().answer


def test_throttle_keeps_one_robot_under_20_a_minute(district, fake, time_machine):
    # given: 30 messages waiting for one robot (the fake itself would allow 25)
    fake.limit_per_minute = 25
    group = _group(fake)
    now = _at(time_machine, "2024-04-03 10:00")
    for n in range(30):
        Delivery.objects.create(
            channel=Delivery.Channel.ROBOT,
            group=group,
            subject="s",
            text=f"m{n}",
            next_attempt_at=now,
        )
    # when: the worker runs every 10 seconds for three minutes
    for step in range(18):
        _at(time_machine, f"2024-04-03 10:{step * 10 // 60:02d}:{step * 10 % 60:02d}")
        worker_round()
    # then: all sent, never more than 20 in any minute, measured on the fake
    assert len(fake.received) == 30
    assert fake.max_in_a_minute() == 20
    assert fake.rejected == []


def test_two_workers_send_each_message_once(district, fake):
    group = _group(fake)
    group.units.add(district.unit_b)
    _event(district)
    digests_build()
    delivery = Delivery.objects.get()
    # worker 1 and worker 2 both got the id; only one claims it
    assert delivery_send(delivery.pk) == Delivery.State.SENT
    assert delivery_send(delivery.pk) == Delivery.State.SENT
    assert len(fake.received) == 1
    # building again does not make a second message from the same notices
    assert digests_build().group_messages == 0


def test_restart_mid_batch_loses_nothing_and_doubles_nothing(district, fake, time_machine):
    group = _group(fake)
    now = _at(time_machine, "2024-04-03 10:00")
    for n in range(5):
        Delivery.objects.create(
            channel=Delivery.Channel.ROBOT,
            group=group,
            subject="s",
            text=f"m{n}",
            next_attempt_at=now,
        )
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    # a worker sent two, claimed the third and died before posting it
    delivery_send(ids[0])
    delivery_send(ids[1])
    Delivery.objects.filter(pk=ids[2]).update(
        state=Delivery.State.SENDING, claimed_at=now, attempts=1
    )
    # a new worker starts at once: the claimed one is left alone for now
    worker_round()
    assert sorted(r.body["text"]["content"] for r in fake.received) == ["m0", "m1", "m3", "m4"]
    # after the claim timeout it is taken over and sent once
    _at(time_machine, "2024-04-03 10:06")
    worker_round()
    worker_round()
    texts = sorted(r.body["text"]["content"] for r in fake.received)
    assert texts == ["m0", "m1", "m2", "m3", "m4"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}

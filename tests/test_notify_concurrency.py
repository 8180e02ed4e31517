"""Two workers at once, on a server database (two real connections): each message is posted
once, and one robot never gets more than 20 a minute (measured on the fake server)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from duban.core import clock
from duban.demo import fake_robot
from duban.notify.delivery import delivery_send, worker_round
from duban.notify.models import Delivery, WorkGroup


@pytest.fixture
def fake():
    server = fake_robot.start()
    yield server
    server.close()


def _two_workers(job) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            job()
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


def _queue(fake, n: int) -> list[int]:
    group = WorkGroup.objects.create(name="g", platform="wecom", endpoint=fake.url("wecom"))
    now = clock.now()
    return [
        Delivery.objects.create(
            channel="robot", group=group, subject="s", text=f"m{i}", next_attempt_at=now
        ).pk
        for i in range(n)
    ]


@pytest.mark.django_db(transaction=True)
def test_two_workers_post_each_message_once(on_postgres, fake):
    if not on_postgres:
        pytest.skip("two connections need a server database (SQLite tests share one in memory)")
    ids = _queue(fake, 12)
    _two_workers(lambda: [delivery_send(pk) for pk in ids])
    texts = sorted(r.body["text"]["content"] for r in fake.received)
    assert texts == sorted(f"m{i}" for i in range(12))
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_throttle(on_postgres, fake):
    if not on_postgres:
        pytest.skip("two connections need a server database (SQLite tests share one in memory)")
    _queue(fake, 30)
    _two_workers(lambda: [worker_round() for _ in range(3)])
    assert len(fake.received) == 20 and fake.rejected == []
    assert Delivery.objects.filter(state=Delivery.State.PENDING).count() == 10

"""The task queue under the delivery outbox (django-tasks with its database backend by default,
Celery when configured: the same task code), and robot secrets encrypted at rest."""

from __future__ import annotations

import io
import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from duban.core import clock, events
from duban.core.events import Event
from duban.core.events import NotificationKind as K
from duban.demo import fake_robot
from duban.notify import crypto, queue
from duban.notify.delivery import RATE_PER_MINUTE, delivery_attempt, digests_build
from duban.notify.models import Delivery, Mode, WorkGroup
from duban.notify.tasks import STRANDED, notify_tick, requeue_stranded, send_delivery


@pytest.fixture
def fake():
    server = fake_robot.start()
    yield server
    server.close()


@pytest.fixture
def keep_connection(monkeypatch):
    """The worker closes stale connections between passes; a test's own transaction must stay
    open (PostgreSQL with CONN_MAX_AGE would close it)."""
    import django_tasks_db.management.commands.db_worker as db_worker

    import duban.notify.management.commands.worker as worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)


def _group(fake, platform="wecom", **kw):
    secret = "" if platform == "wecom" else fake_robot.SECRET
    return WorkGroup.objects.create(
        name=f"{platform}群",
        platform=platform,
        endpoint=fake.url(platform),
        secret=secret,
        mode=Mode.IMMEDIATE,
        **kw,
    )


def _raw(group: WorkGroup) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT endpoint, secret FROM notify_workgroup WHERE id = %s", [group.pk])
        return cursor.fetchone()


def _news(district, n=1):
    events.deliver(
        Event(
            kind=K.REPORT_LATE,
            key=f"q:{n}",
            target="ledger.workitem",
            target_id=district.item_x.pk,
            text=f"第{n}条：月报已逾期未报",
            unit_ids=(district.unit_b.pk,),
        )
    )


# ---- secrets at rest ---------------------------------------------------------------------


def test_robot_url_and_secret_are_encrypted_in_the_database(db, fake):
    group = _group(fake, "dingtalk")
    endpoint, secret = _raw(group)
    assert endpoint.startswith(crypto.PREFIX) and secret.startswith(crypto.PREFIX)
    assert "token-0001" not in endpoint and fake_robot.SECRET not in secret
    group.refresh_from_db()
    assert group.endpoint == fake.url("dingtalk") and group.secret == fake_robot.SECRET


def test_a_value_no_key_opens_reads_empty_and_is_never_shown(db, fake, settings):
    group = _group(fake, "dingtalk")
    settings.DUBAN_ROBOT_KEYS = [Fernet.generate_key().decode()]
    group = WorkGroup.objects.get(pk=group.pk)
    assert group.endpoint == "" and group.secret == ""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):
        call_command("robot_keys", stdout=out, stderr=err)
    assert "unreadable" in err.getvalue() and "fernet" not in err.getvalue()


def test_key_rotation_re_encrypts_with_the_new_key(db, fake, settings):
    group = _group(fake, "feishu")
    old = crypto.derived_key(settings.SECRET_KEY).decode()
    new = Fernet.generate_key().decode()
    settings.DUBAN_ROBOT_KEYS = [new, old]
    call_command("robot_keys", "--rotate", stdout=io.StringIO())
    settings.DUBAN_ROBOT_KEYS = [new]
    group = WorkGroup.objects.get(pk=group.pk)
    assert group.endpoint == fake.url("feishu") and group.secret == fake_robot.SECRET


def test_clear_values_from_before_encryption_are_read_then_encrypted(db, fake):
    group = _group(fake, "wecom")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notify_workgroup SET endpoint = %s WHERE id = %s", [fake.url("wecom"), group.pk]
        )
    assert WorkGroup.objects.get(pk=group.pk).endpoint == fake.url("wecom")
    call_command("robot_keys", "--rotate", stdout=io.StringIO())
    assert _raw(group)[0].startswith(crypto.PREFIX)
    assert WorkGroup.objects.get(pk=group.pk).endpoint == fake.url("wecom")


def test_secret_key_fallbacks_keep_robots_readable_after_a_new_secret_key(db, fake, settings):
    group = _group(fake, "dingtalk")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert WorkGroup.objects.get(pk=group.pk).secret == fake_robot.SECRET


# ---- the database task backend (the default) ---------------------------------------------


def test_a_new_message_is_queued_as_a_task_and_the_worker_sends_it(
    district, fake, django_capture_on_commit_callbacks, keep_connection
):
    _group(fake).units.add(district.unit_b)
    _news(district)
    with django_capture_on_commit_callbacks(execute=True):
        digests_build()
    task = DBTaskResult.objects.get()
    assert task.task_path == send_delivery.module_path and task.args_kwargs["args"] == [
        Delivery.objects.get().pk
    ]
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    assert len(fake.received) == 1
    assert Delivery.objects.get().state == Delivery.State.SENT
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_the_worker_tick_builds_digests_and_runs_their_tasks(district, fake, keep_connection):
    _group(fake).units.add(district.unit_b)
    _news(district, 1)
    _news(district, 2)
    # outside a test transaction the tick's messages are queued as they commit; here the
    # worker's sweep hands over what waits (nothing is lost when a task is)
    call_command("worker", "--once", stdout=io.StringIO())
    assert Delivery.objects.get().state in (Delivery.State.PENDING, Delivery.State.SENT)
    Delivery.objects.update(queued_at=None)
    call_command("worker", "--once", stdout=io.StringIO())
    assert len(fake.received) == 1 and "第2条" in fake.received[0].body["text"]["content"]
    assert Delivery.objects.get().state == Delivery.State.SENT


def test_a_failed_try_queues_the_next_one_with_backoff(district, fake):
    group = _group(fake)
    delivery = Delivery.objects.create(
        channel="robot", group=group, subject="s", text="t", next_attempt_at=clock.now()
    )
    fake.fail_next = 1
    state = send_delivery.call(delivery.pk)
    assert state == Delivery.State.PENDING
    retry = DBTaskResult.objects.get()
    assert retry.run_after is not None and retry.args_kwargs["args"] == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.queued_at == delivery.next_attempt_at > clock.now()


def test_the_throttle_puts_a_message_off_and_queues_it_for_when_the_minute_ends(district, fake):
    group = _group(fake)
    now = clock.now()
    ids = [
        Delivery.objects.create(
            channel="robot", group=group, subject="s", text=f"m{i}", next_attempt_at=now
        ).pk
        for i in range(RATE_PER_MINUTE + 1)
    ]
    for pk in ids[:-1]:
        assert delivery_attempt(pk).state == Delivery.State.SENT
    late = delivery_attempt(ids[-1])
    assert late.state == Delivery.State.PENDING and late.retry_at is not None
    assert late.retry_at >= now + timedelta(seconds=60)
    send_delivery.call(ids[-1])
    assert DBTaskResult.objects.filter(run_after__isnull=False).count() == 1
    assert len(fake.received) == RATE_PER_MINUTE


def test_a_message_whose_task_was_lost_is_queued_again_once(district, fake, time_machine):
    group = _group(fake)
    time_machine.move_to(clock.now(), tick=False)
    now = clock.now()
    Delivery.objects.create(
        channel="robot", group=group, subject="s", text="t", next_attempt_at=now, queued_at=now
    )
    assert requeue_stranded() == 0  # its task is on its way
    time_machine.shift(STRANDED + timedelta(seconds=1))
    assert requeue_stranded() == 1
    assert requeue_stranded() == 0  # not again before another STRANDED
    assert DBTaskResult.objects.count() == 1
    assert notify_tick.call()["requeued"] == 0


# ---- Celery (the same task code) ---------------------------------------------------------


@pytest.fixture
def celery_eager(settings):
    queue._app = None
    settings.TASKS = {
        "default": {
            "BACKEND": "duban.notify.queue.CeleryBackend",
            "OPTIONS": {"BROKER_URL": "memory://", "EAGER": True},
        }
    }
    yield queue.celery_app()
    queue._app = None


def test_celery_backend_runs_the_same_task(district, fake, celery_eager):
    group = _group(fake)
    delivery = Delivery.objects.create(
        channel="robot", group=group, subject="s", text="经Celery", next_attempt_at=clock.now()
    )
    result = send_delivery.enqueue(delivery.pk)
    assert result.backend == "default" and result.id
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT and not DBTaskResult.objects.exists()
    assert fake.received[0].body["text"]["content"] == "经Celery"


def test_celery_backend_defers_a_retry_with_an_eta(district, fake, celery_eager, monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(
        celery_eager.tasks[queue.RUN_TASK], "apply_async", lambda **kw: sent.append(kw) or _Id()
    )
    later = clock.now() + timedelta(minutes=2)
    from duban.notify.tasks import enqueue_send

    enqueue_send(7, at=later)
    assert sent[0]["args"][0] == send_delivery.module_path and sent[0]["args"][1] == [7]
    assert sent[0]["eta"] is not None


class _Id:
    id = "x"


def test_celery_worker_argv_runs_the_tick_on_a_beat(settings, celery_eager):
    argv = queue.celery_worker_argv(concurrency=2, beat=True, interval=5)
    assert "--beat" in argv and "--concurrency=2" in argv
    entry = celery_eager.conf.beat_schedule["notify-tick"]
    assert entry["task"] == queue.RUN_TASK and entry["args"][0] == notify_tick.module_path
    assert "--beat" not in queue.celery_worker_argv(concurrency=1, beat=False, interval=5)


# ---- a real Celery worker against a local Redis (bounded) ---------------------------------


@pytest.fixture
def local_redis(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_on_redis_sends_the_queued_messages_once(settings, local_redis, fake):
    from celery.contrib.testing.worker import start_worker

    queue._app = None
    settings.TASKS = {
        "default": {
            "BACKEND": "duban.notify.queue.CeleryBackend",
            "OPTIONS": {"BROKER_URL": local_redis},
        }
    }
    try:
        app = queue.celery_app()
        group = _group(fake)
        ids = [
            Delivery.objects.create(
                channel="robot", group=group, subject="s", text=f"r{i}", next_attempt_at=clock.now()
            ).pk
            for i in range(3)
        ]
        for pk in ids:
            send_delivery.enqueue(pk)
        send_delivery.enqueue(ids[0])  # the same message queued twice is sent once
        # One worker thread (SQLite's shared in-memory test database takes one writer); the
        # test watches the fake server, not the database, while the worker runs.
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(fake.received) < 3:
                time.sleep(0.2)
            time.sleep(1)
        assert sorted(r.body["text"]["content"] for r in fake.received) == ["r0", "r1", "r2"]
        assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.SENT}
    finally:
        queue._app = None

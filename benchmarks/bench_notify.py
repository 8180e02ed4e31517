"""A month-end burst through the database queue: 5,000 notifications to 500 users and 50 work
groups, then digests and sending (email to a memory backend, robots to the local fake 企业微信
server) through the task queue as `duban worker` runs it (django-tasks-db: one task per
message, run by its database worker), printing throughput and what the per-robot throttle does.

    .venv/bin/python benchmarks/bench_notify.py [--users 500 --groups 50 --per-user 10]
                                                [--extra-per-robot 30]

Runs in a throw-away SQLite database under a temporary DUBAN_DATA_DIR. Simulated time: the
worker passes run on `duban.core.clock` moved 10 s at a time, so the throttle's effect (at most
20 messages a minute to one robot) shows as simulated minutes, not as a wait.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--groups", type=int, default=50)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--extra-per-robot", type=int, default=30)
    args = parser.parse_args()
    os.environ["DUBAN_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-notify-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django_tasks_db.models import DBTaskResult

    from duban.core import clock, events
    from duban.core.events import Event, NotificationKind
    from duban.demo import fake_robot
    from duban.ledger.models import WorkItem
    from duban.notify.delivery import worker_round
    from duban.notify.models import ChannelSetting, Delivery, Mode, Notification, WorkGroup
    from duban.notify.tasks import database_worker, notify_tick
    from duban.org.models import Unit, User

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    from benchmarks import migrate

    migrate()
    fake = fake_robot.start()
    fake.limit_per_minute = 10**9  # the fake counts real seconds; the throttle is ours
    per_unit = max(1, args.users // args.groups)
    units = Unit.objects.bulk_create(
        Unit(code=f"u{n:03d}", name=f"单位{n:03d}", sort_order=n) for n in range(args.groups)
    )
    users = User.objects.bulk_create(
        User(
            username=f"user{n:04d}",
            role=User.Role.REPORTER,
            unit=units[n // per_unit % len(units)],
            email=f"user{n:04d}@example.org",
            phone=f"138{n:08d}",
        )
        for n in range(args.users)
    )
    ChannelSetting.objects.bulk_create(
        ChannelSetting(user=u, email=True, mode=Mode.IMMEDIATE) for u in users
    )
    year = clock.today().year
    items = [
        WorkItem.objects.create(
            year=year,
            kind=WorkItem.Kind.TASK,
            title=f"事项{n:03d}",
            lead_unit=unit,
            status=WorkItem.Status.ACTIVE,
        )
        for n, unit in enumerate(units)
    ]
    for n, unit in enumerate(units):
        group = WorkGroup.objects.create(
            name=f"工作群{n:03d}", platform="wecom", endpoint=fake.url("wecom"), mode=Mode.IMMEDIATE
        )
        group.units.add(unit)

    # The burst: per_user events per unit, each to the unit's members and its group.
    started = time.perf_counter()
    for k in range(args.per_user):
        for item, unit in zip(items, units, strict=True):
            events.deliver(
                Event(
                    kind=NotificationKind.REPORT_LATE,
                    key=f"bench:{item.pk}:{k}",
                    target="ledger.workitem",
                    target_id=item.pk,
                    text=f"2024年3月月报“{item.title}”已逾期未报（{k}）",
                    unit_ids=(unit.pk,),
                )
            )
    raised = time.perf_counter() - started
    count = Notification.objects.count()
    print(
        f"events → notifications: {count} notifications to {len(users)} users and "
        f"{WorkGroup.objects.count()} groups in {raised:.2f} s ({count / raised:.0f}/s)"
    )

    # Digests and sending as `duban worker` does it: the tick builds the digests (each message
    # queued as a task when it commits), then the database worker runs the tasks.
    started = time.perf_counter()
    passes = 0
    while True:
        notify_tick.call()
        database_worker("bench").run()
        passes += 1
        if not Delivery.objects.exclude(state=Delivery.State.SENT).exists() or passes > 20:
            break
    sent_time = time.perf_counter() - started
    emails, robots = len(mail.outbox), len(fake.received)
    tasks = DBTaskResult.objects.filter(status="SUCCESSFUL").count()
    print(
        f"digests and sending: {emails} emails + {robots} robot messages in {sent_time:.2f} s "
        f"({(emails + robots) / sent_time:.0f} messages/s, {tasks} tasks through the database "
        f"queue, {passes} worker passes); without digests that would have been {count} emails "
        f"and {count // per_unit} robot posts"
    )

    # The throttle: extra messages per robot, drained by worker passes 10 simulated seconds apart.
    now = clock.now()
    Delivery.objects.bulk_create(
        Delivery(channel="robot", group=g, subject="s", text=f"补发{i}", next_attempt_at=now)
        for g in WorkGroup.objects.all()
        for i in range(args.extra_per_robot)
    )
    before = len(fake.received)
    started = time.perf_counter()
    step = 0
    while Delivery.objects.exclude(state=Delivery.State.SENT).exists():
        with clock.travel(now + timedelta(seconds=10 * step)):
            worker_round(limit=10_000)
        step += 1
    wall = time.perf_counter() - started
    sent_at = sorted(
        t
        for t in Delivery.objects.filter(group__name="工作群000").values_list("sent_at", flat=True)
        if t is not None
    )
    busiest = max(
        sum(1 for t in sent_at if start <= t < start + timedelta(seconds=60)) for start in sent_at
    )
    sent = len(fake.received) - before
    print(
        f"throttle: {sent} messages to {args.groups} robots ({args.extra_per_robot} each) took "
        f"{step * 10} simulated seconds ({wall:.2f} s of work); at most {busiest} a minute "
        f"went to one robot (limit 20)"
    )
    fake.close()


if __name__ == "__main__":
    main()

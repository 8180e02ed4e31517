"""The background work of notify, as tasks of Django's task framework (the `django-tasks`
backport; `django.tasks` from Django 6).

The same task code runs on either backend, chosen by `DUBAN_TASKS`:

- `db` (default): django-tasks-db keeps the tasks in the database; `duban worker` runs them.
  One office needs no extra server.
- `celery`: the tasks go through a Celery broker (Redis), `duban worker` on each machine runs a
  Celery worker (`notify.queue`), so a city can run workers on several machines.

What must not be lost lives in the Delivery table (the outbox), not in the queue: a task only
says "try delivery N now". Sending is idempotent (a row is claimed under a lock), so a task run
twice sends once, and `notify_tick` queues again any message whose task was lost (a broker
restarted empty, a worker killed mid-send).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from duban.core import clock
from duban.notify.delivery import CLAIM_TIMEOUT, delivery_attempt, digests_build
from duban.notify.models import Delivery

logger = logging.getLogger(__name__)

# A due message whose task has not run for this long is queued again.
STRANDED = timedelta(minutes=10)


@task()
def send_delivery(delivery_id: int) -> str:
    """Try one message of the outbox; when it is put off (retry with backoff, or the robot's
    throttle), queue the next try for then."""
    outcome = delivery_attempt(delivery_id)
    if outcome.retry_at is not None:
        enqueue_send(delivery_id, at=outcome.retry_at)
    return outcome.state


@task()
def notify_tick() -> dict[str, int]:
    """Build the digests that are due (their messages are queued as they commit) and queue
    again the messages whose task was lost. `duban worker` runs it every few seconds."""
    built = digests_build()
    return {
        "emails": built.emails,
        "group_messages": built.group_messages,
        "requeued": requeue_stranded(),
    }


def database_worker(worker_id: str) -> Any:
    """django-tasks-db's worker in batch mode: `.run()` runs every ready task, then returns."""
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def enqueue_send(delivery_id: int, *, at: datetime | None = None) -> None:
    """Hand one message to the task queue (to run at `at`, a time of `duban.core.clock`).

    A queue that cannot be reached is logged, not raised: the row waits in the outbox and
    `notify_tick` queues it again."""
    now = clock.now()
    job = send_delivery
    if at is not None and at > now:
        # The queue's own clock is the real one (the demo and tests may move duban's).
        job = send_delivery.using(run_after=timezone.now() + (at - now))
    try:
        job.enqueue(delivery_id)
    except Exception as e:  # the broker's error, whatever its class
        logger.warning(
            "notify.enqueue_failed", extra={"delivery_id": delivery_id, "error": type(e).__name__}
        )


def requeue_stranded(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue again the due messages whose task was handed over long ago and never ran."""
    now = now or clock.now()
    due = Q(state=Delivery.State.PENDING, next_attempt_at__lte=now) | Q(
        state=Delivery.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
    )
    old = Q(queued_at__isnull=True) | Q(queued_at__lt=now - STRANDED)
    ids = list(
        Delivery.objects.filter(due)
        .filter(old)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        Delivery.objects.filter(pk__in=ids).update(queued_at=now)
        for pk in ids:
            enqueue_send(pk)
        logger.info("notify.requeued", extra={"count": len(ids)})
    return len(ids)

"""Celery under Django's task framework: `DUBAN_TASKS=celery` makes `CeleryBackend` the
default task backend, so the same `@task` functions (`notify.tasks`) run on Celery workers on
several machines, with a broker (Redis) between them.

One Celery task, `duban.run_task`, runs any Django task by its module path. Messages are acked
late and given back when a worker dies, so a restart loses nothing; the outbox (the Delivery
table) and the idempotent send keep a message sent once. `duban worker` starts a Celery worker
and, unless `--no-beat`, the beat that runs `notify_tick` every few seconds (run the beat on one
machine only; a second one does no harm, only double work).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import Celery
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import normalize_json

RUN_TASK = "duban.run_task"
_app: Celery | None = None


def run_task(module_path: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """The body of `duban.run_task`: the Django task named by its module path."""
    job = import_string(module_path)
    if not isinstance(job, Task):
        raise TypeError(f"{module_path} is not a task")
    return normalize_json(job.call(*args, **kwargs))


def celery_options() -> dict[str, Any]:
    backend: dict[str, Any] = settings.TASKS.get("default", {})
    return dict(backend.get("OPTIONS", {}))


def celery_app() -> Celery:
    """The Celery application, configured from the task backend's OPTIONS (made once)."""
    global _app
    if _app is None:
        options = celery_options()
        app = Celery("duban", set_as_current=False)
        app.conf.update(
            broker_url=options.get("BROKER_URL") or "memory://",
            broker_connection_retry_on_startup=True,
            task_serializer="json",
            accept_content=["json"],
            task_ignore_result=True,
            task_acks_late=True,
            task_reject_on_worker_lost=True,
            worker_prefetch_multiplier=1,
            task_always_eager=bool(options.get("EAGER", False)),
            task_eager_propagates=True,
            timezone=settings.TIME_ZONE,
            enable_utc=True,
        )
        app.task(name=RUN_TASK)(run_task)
        _app = app
    return _app


def beat_schedule(interval: float) -> dict[str, Any]:
    from duban.notify.tasks import notify_tick

    return {
        "notify-tick": {
            "task": RUN_TASK,
            "schedule": interval,
            "args": (notify_tick.module_path, [], {}),
            # A tick nobody ran in time is dropped: the next one does the same work.
            "options": {"expires": interval},
        }
    }


def celery_worker_argv(*, concurrency: int, beat: bool, interval: float) -> list[str]:
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--hostname=duban@%h"]
    if beat:
        celery_app().conf.beat_schedule = beat_schedule(interval)
        schedule = Path(settings.DATA_DIR) / "celerybeat-schedule"
        argv += ["--beat", f"--schedule={schedule}"]
    return argv


class CeleryBackend(BaseTaskBackend):
    """A task backend that hands each task to Celery (eta for `run_after`)."""

    supports_defer = True

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:  # type: ignore[type-arg]
        self.validate_task(task)
        app = celery_app()
        sent = app.tasks[RUN_TASK].apply_async(
            args=[task.module_path, normalize_json(list(args)), normalize_json(dict(kwargs))],
            eta=task.run_after,
        )
        result: TaskResult = TaskResult(  # type: ignore[type-arg]
            task=task,
            id=str(sent.id),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            finished_at=None,
            last_attempted_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        task_enqueued.send(type(self), task_result=result)
        return result

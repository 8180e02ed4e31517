"""`duban worker`: the background worker of Django's task framework for notify (digests, email,
chat-group robots, with retries).

With the database backend (the default) it runs, every `--interval` seconds, the tick (due
digests, lost tasks queued again) and then every task that is ready (django-tasks-db's worker,
batch mode). With `DUBAN_TASKS=celery` it starts a Celery worker (and its beat for the tick,
unless `--no-beat`) against the broker.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import OperationalError, close_old_connections
from django.utils.crypto import get_random_string


class Command(BaseCommand):
    help = "Run the background worker: digests, email and chat-group robots, with retries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit (database).")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between ticks (default 5)."
        )
        parser.add_argument(
            "--concurrency", type=int, default=2, help="Celery: worker processes (default 2)."
        )
        parser.add_argument(
            "--no-beat", action="store_true", help="Celery: do not run the tick's beat here."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = max(0.2, float(options["interval"]))
        if getattr(settings, "DUBAN_TASKS", "db") == "celery":
            self._celery(options, interval)
            return
        self._database(options, interval)

    def _celery(self, options: dict[str, Any], interval: float) -> None:
        from duban.notify.queue import celery_app, celery_worker_argv

        if not celery_app().conf.broker_url or celery_app().conf.broker_url == "memory://":
            raise CommandError("DUBAN_TASKS=celery needs DUBAN_CELERY_BROKER_URL (redis://…).")
        argv = celery_worker_argv(
            concurrency=max(1, int(options["concurrency"])),
            beat=not options["no_beat"],
            interval=interval,
        )
        celery_app().worker_main(argv)

    def _database(self, options: dict[str, Any], interval: float) -> None:
        from duban.notify.tasks import database_worker, notify_tick

        stopping = False
        runner: Any = None

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True
            if runner is not None:
                runner.running = False  # stop after the task that runs now

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        worker_id = f"duban-{get_random_string(12)}"
        while True:
            try:
                tick = notify_tick.call()
                runner = database_worker(worker_id)
                runner.run()
            except OperationalError as e:
                # A busy database (another worker's write): try again on the next pass.
                self.stderr.write(f"worker: database busy ({type(e).__name__}), retrying")
            else:
                if options["verbosity"] > 1 or any(tick.values()):
                    self.stdout.write(
                        f"digests {tick['emails']}+{tick['group_messages']}, "
                        f"requeued {tick['requeued']}, tasks run {runner._run_tasks}"
                    )
            close_old_connections()
            if options["once"] or stopping:
                return
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(0.2)
                slept += 0.2
            if stopping:
                return

"""`duban worker`: build digests and send messages (email, robots) from the delivery queue."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import OperationalError, close_old_connections

from duban.notify.delivery import worker_round


class Command(BaseCommand):
    help = "Run the background worker: digests, email and chat-group robots, with retries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="One pass, then exit.")
        parser.add_argument(
            "--interval", type=float, default=5.0, help="Seconds between passes (default 5)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        interval = max(0.2, float(options["interval"]))
        while True:
            try:
                result = worker_round()
            except OperationalError as e:
                # A busy database (another worker's write): try again on the next pass.
                self.stderr.write(f"worker: database busy ({type(e).__name__}), retrying")
            else:
                if options["verbosity"] > 1 or result.sent or result.failed:
                    self.stdout.write(
                        f"digests {result.built.emails}+{result.built.group_messages}, "
                        f"sent {result.sent}, failed {result.failed}"
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

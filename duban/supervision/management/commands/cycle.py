"""`duban cycle`: the daily supervision cycle; cron runs it every morning (idempotent)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.supervision.services.cycle import cycle_run


class Command(BaseCommand):
    help = (
        "Escalate overdue problems, mark late prompt replies and missed flags, and draft the "
        "prompt batches on their configured days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", help="Run as of this day (YYYY-MM-DD); default today (local time)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        on = None
        if options.get("date"):
            try:
                on = date.fromisoformat(options["date"])
            except ValueError as e:
                raise CommandError(f"--date must be YYYY-MM-DD: {options['date']}") from e
        result = cycle_run(on=on)
        drafted = ", ".join(f"{k}: {v}" for k, v in result.drafted.items()) or "none"
        self.stdout.write(
            self.style.SUCCESS(
                f"escalated: {result.escalated}; late replies: {result.late_replies}; "
                f"missed flags: {result.missed_flags}; prompt drafts: {drafted}"
            )
        )

"""`duban remind`: the day's time-based reminders; cron runs it daily (idempotent for a day)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.notify.reminders import reminders_raise


class Command(BaseCommand):
    help = "Raise the reminders that depend on the day: reports and problems due soon, due, late."

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
        result = reminders_raise(on=on)
        self.stdout.write(
            self.style.SUCCESS(
                f"reminders: reports {result.reports}, problems {result.problems}, "
                f"prompts and flags {result.supervision}"
            )
        )

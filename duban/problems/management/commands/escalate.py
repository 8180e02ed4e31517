"""`duban escalate`: raise overdue problems one level; cron runs it daily (idempotent)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.problems.services import escalate_overdue_problems


class Command(BaseCommand):
    help = "Raise every problem past its due date and grace period by one dispatch level."

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
        done = escalate_overdue_problems(on=on)
        for escalation in done:
            self.stdout.write(
                f"#{escalation.problem_id} L{escalation.from_level} → L{escalation.to_level}"
            )
        self.stdout.write(self.style.SUCCESS(f"escalated: {len(done)}"))

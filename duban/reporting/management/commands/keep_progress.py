"""`duban keep_progress [--period YYYY-MM]`: judge and keep the open month's progress for today."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.reporting.selectors.periods import reporting_period_default
from duban.reporting.selectors.progress import progress_keep


class Command(BaseCommand):
    help = (
        "Judge every item's figures and light of an open month (default: the month being "
        "reported) for today and keep them, so the first page of the day does not wait for it. "
        "Run it from cron after midnight; it is cheap when nothing is left to judge."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="YYYY-MM (default: the month being reported)")

    def handle(self, *args: Any, **options: Any) -> None:
        period = reporting_period_default()
        if options.get("period"):
            try:
                period = Period.parse(options["period"])
            except (ValueError, TypeError, ApplicationError) as e:
                raise CommandError(f"--period must be YYYY-MM: {options['period']}") from e
        judged = progress_keep(period)
        if judged is None:
            self.stdout.write(f"{period}: closed, its snapshot is read")
        else:
            self.stdout.write(self.style.SUCCESS(f"{period}: {judged} items judged and kept"))

"""`duban close --period YYYY-MM`: close a month and freeze its figures and lights."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.models import User
from duban.reporting.services import month_close, month_close_blockers


class Command(BaseCommand):
    help = (
        "Close a month: lock its reports and freeze every item's figures and light and each "
        "unit's counts. Exit 1 when the month cannot be closed (the reason is printed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="The month to close, YYYY-MM.")
        parser.add_argument(
            "--user",
            help="The office user who closes it (needed when the district has several).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except ApplicationError as e:
            raise CommandError(str(e.message), returncode=2) from e
        by = self._user(options.get("user"))
        try:
            close = month_close(period=period, by=by)
        except ApplicationError as e:
            self.stderr.write(str(e.message))
            for b in month_close_blockers(period):
                self.stderr.write(
                    f"  #{b.report_id} {b.unit_name} {b.item_title}（{b.state_label}）"
                )
            raise CommandError(str(e.message), returncode=1) from e
        s = close.summary
        self.stdout.write(
            self.style.SUCCESS(
                f"{period} closed: items {s.get('items', 0)} (red {s.get('red', 0)}, "
                f"yellow {s.get('yellow', 0)}, green {s.get('green', 0)}), units "
                f"{s.get('units', 0)}, reports on time {s.get('on_time', 0)}, late "
                f"{s.get('late', 0)}, missing {s.get('missing', 0)}; rules v{close.rules_id}"
            )
        )

    def _user(self, name: str | None) -> User:
        office = User.objects.filter(role=User.Role.OFFICE, is_active=True)
        if name:
            user = User.objects.filter(username=name, is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {name}", returncode=2)
            return user
        if office.count() == 1:
            return office.get()
        raise CommandError("several office users: say who closes with --user NAME", returncode=2)

"""`duban assess --period YYYY-MM [--publish]`: score a closed month again (idempotent: the
same facts give the same events) and rank it; `--publish` publishes its ranking."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.assessment.models import ScoreEvent, Standing
from duban.assessment.services.scoring import events_compute, ranking_publish
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.models import User


class Command(BaseCommand):
    help = (
        "Derive a closed month's score events from its facts and rank the units (running it "
        "twice changes nothing); --publish publishes the ranking. Exit 1 when refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="The closed month, YYYY-MM.")
        parser.add_argument("--publish", action="store_true", help="Publish the ranking.")
        parser.add_argument(
            "--user", help="The office user acting (needed when the district has several)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = Period.parse(options["period"])
        except ApplicationError as e:
            raise CommandError(str(e.message), returncode=2) from e
        by = self._user(options.get("user"))
        try:
            if options["publish"]:
                ranking = ranking_publish(period=period, by=by)
            else:
                ranking = events_compute(period=period, by=by)
        except ApplicationError as e:
            raise CommandError(str(e.message), returncode=1) from e
        events = ScoreEvent.objects.filter(year=period.year, month=period.month)
        ranked = Standing.objects.filter(ranking=ranking, span=Standing.Span.MONTH).count()
        state = "published" if ranking.published_at else "computed"
        self.stdout.write(
            self.style.SUCCESS(
                f"{period} {state}: events {events.count()} "
                f"(valid {events.filter(state=ScoreEvent.State.APPROVED).count()}), "
                f"units ranked {ranked}; scheme v{ranking.scheme.number}"
            )
        )

    def _user(self, name: str | None) -> User:
        if name:
            user = User.objects.filter(username=name, is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {name}", returncode=2)
            return user
        office = User.objects.filter(role=User.Role.OFFICE, is_active=True)
        if office.count() == 1:
            return office.get()
        raise CommandError("several office users: say who acts with --user NAME", returncode=2)

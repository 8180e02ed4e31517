"""The demo's bulletins: the closed year's 12 monthly reports and notices, four quarterly
summaries and the year-end summary (published), and the reporting month's draft."""

from __future__ import annotations

from duban.bulletins.models import Bulletin, Kind
from duban.bulletins.services import bulletin_generate, bulletin_publish
from duban.demo.calendar import DemoCalendar
from duban.org.models import User


def build_bulletins(calendar: DemoCalendar, office: User) -> list[Bulletin]:
    made: list[Bulletin] = []
    year = calendar.last_year
    for month in range(1, 13):
        made.extend(
            bulletin_generate(kind=kind, year=year, month=month, by=office)
            for kind in (Kind.MONTHLY, Kind.NOTICE)
        )
        if month % 3 == 0:
            made.append(bulletin_generate(kind=Kind.QUARTERLY, year=year, month=month, by=office))
    made.append(bulletin_generate(kind=Kind.ANNUAL, year=year, month=None, by=office))
    published = [bulletin_publish(bulletin=b, by=office) for b in made if not b.draft]
    period = calendar.period
    draft = bulletin_generate(kind=Kind.MONTHLY, year=period.year, month=period.month, by=office)
    return [*published, draft]

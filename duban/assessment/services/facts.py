"""The facts of a closed month that automatic rules score, one derivation per source.

Each fact names its unit, the object it came from and a stable key, so that deriving the facts
of a month twice gives the same list (recomputation finds the events it made before). Item
reports are read from the month's frozen snapshots (the progress core decided on time, late
or missing); the rest from the rows the apps below keep, by the dates the rules name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.assessment.models import MeetingAbsence, Source
from duban.core.periods import Period
from duban.problems.models import Coordination, Feedback, Meeting, Problem
from duban.reporting.models import ItemSnapshot
from duban.reporting.progress import ReportStatus
from duban.supervision.models import Card, Colour, FalseReport, Flag, Prompt


@dataclass(frozen=True)
class Fact:
    source: str
    unit_id: int
    origin: str
    origin_id: int
    label: str

    @property
    def key(self) -> str:
        return f"{self.source}:{self.origin}:{self.origin_id}"


def _bounds(period: Period) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(period.first_day, time.min, tzinfo=tz)
    return start, datetime.combine(period.next().first_day, time.min, tzinfo=tz)


def _reports(period: Period) -> Iterable[Fact]:
    rows = ItemSnapshot.objects.filter(year=period.year, month=period.month).values_list(
        "work_item_id", "lead_unit_id", "report", "work_item__title"
    )
    late = (ReportStatus.LATE.value, ReportStatus.MISSING.value)
    for item_id, unit_id, report, title in rows:
        if report == ReportStatus.ON_TIME:
            yield Fact(Source.REPORT_ON_TIME, unit_id, "item", item_id, title)
        elif report in late:
            yield Fact(Source.REPORT_LATE, unit_id, "item", item_id, title)


def _false_reports(period: Period) -> Iterable[Fact]:
    rows = FalseReport.objects.filter(year=period.year, month=period.month).values_list(
        "report_id", "unit_id", "report__work_item__title"
    )
    for report_id, unit_id, title in rows:
        yield Fact(Source.REPORT_FALSE, unit_id, "report", report_id, title)


def _late_replies(period: Period) -> Iterable[Fact]:
    rows = (
        Prompt.objects.filter(
            reply_late=True, reply_due__gte=period.first_day, reply_due__lte=period.last_day
        )
        .exclude(state=Prompt.State.DRAFT)
        .values_list("pk", "unit_id", "number")
    )
    for pk, unit_id, number in rows:
        yield Fact(Source.REPLY_LATE, unit_id, "prompt", pk, number or _("提示%(n)s") % {"n": pk})


def _late_feedback(period: Period) -> Iterable[Fact]:
    """Each unit an opinion due in the month named, whose first feedback came after the
    deadline (or not at all by the close)."""
    opinions = Coordination.objects.filter(
        deadline__gte=period.first_day, deadline__lte=period.last_day
    )
    first = {
        (c, u): at
        for c, u, at in Feedback.objects.filter(coordination__in=opinions)
        .values("coordination_id", "unit_id")
        .annotate(at=Min("created_at"))
        .values_list("coordination_id", "unit_id", "at")
    }
    for pk, deadline, unit_id, text in opinions.values_list(
        "pk", "deadline", "units", "problem__title"
    ):
        if unit_id is None:
            continue
        at = first.get((pk, unit_id))
        if at is None or timezone.localtime(at).date() > deadline:
            yield Fact(Source.FEEDBACK_LATE, unit_id, "opinion", pk, text)


def _absences(period: Period) -> Iterable[Fact]:
    rows = MeetingAbsence.objects.filter(
        meeting__state=Meeting.State.HELD,
        meeting__date__gte=period.first_day,
        meeting__date__lte=period.last_day,
    ).values_list("meeting_id", "unit_id", "meeting__title")
    for meeting_id, unit_id, title in rows:
        yield Fact(Source.MEETING_MISSED, unit_id, "meeting", meeting_id, title)


_CARD_SOURCE = {
    Colour.GREEN.value: Source.CARD_GREEN,
    Colour.YELLOW.value: Source.CARD_YELLOW,
    Colour.RED.value: Source.CARD_RED,
}


def _cards(period: Period) -> Iterable[Fact]:
    rows = Card.objects.filter(year=period.year, month=period.month).values_list(
        "pk", "unit_id", "colour"
    )
    for pk, unit_id, colour in rows:
        label = _("%(p)s%(c)s") % {"p": period.label, "c": Colour(colour).label}
        yield Fact(_CARD_SOURCE[colour], unit_id, "card", pk, label)


def _problems(period: Period) -> Iterable[Fact]:
    rows = Problem.objects.filter(
        state=Problem.State.CLOSED,
        close_year=period.year,
        close_month=period.month,
        lead_unit__isnull=False,
        original_due_date__isnull=False,
    ).values_list("pk", "lead_unit_id", "closed_at", "original_due_date", "title")
    for pk, unit_id, closed_at, due, title in rows:
        on_time = (
            closed_at is not None
            and due is not None
            and (timezone.localtime(closed_at).date() <= due)
        )
        source = Source.PROBLEM_ON_TIME if on_time else Source.PROBLEM_LATE
        yield Fact(source, unit_id, "problem", pk, title)


def _demands(period: Period) -> Iterable[Fact]:
    start, end = _bounds(period)
    rows = Problem.objects.filter(
        source=Problem.Source.DEMAND,
        plan_due_at__gte=start,
        plan_due_at__lt=end,
        lead_unit__isnull=False,
    ).values_list("pk", "lead_unit_id", "plan_due_at", "answered_at", "title")
    for pk, unit_id, due, answered, title in rows:
        if due is not None and (answered is None or answered > due):
            yield Fact(Source.DEMAND_LATE, unit_id, "problem", pk, title)


def _flags(period: Period) -> Iterable[Fact]:
    rows = Flag.objects.filter(
        state__in=(Flag.State.OPEN, Flag.State.DELIST_REQUESTED, Flag.State.DELISTED),
        deadline__gte=period.first_day,
        deadline__lte=period.last_day,
    ).values_list("pk", "unit_id", "deadline", "delisted_on", "reason")
    for pk, unit_id, deadline, delisted_on, reason in rows:
        if deadline is not None and (delisted_on is None or delisted_on > deadline):
            label = reason[:80] or _("挂牌督办%(n)s") % {"n": pk}
            yield Fact(Source.FLAG_MISSED, unit_id, "flag", pk, label)


DERIVATIONS: dict[str, Callable[[Period], Iterable[Fact]]] = {
    "reports": _reports,
    "false_reports": _false_reports,
    "late_replies": _late_replies,
    "late_feedback": _late_feedback,
    "absences": _absences,
    "cards": _cards,
    "problems": _problems,
    "demands": _demands,
    "flags": _flags,
}

# Which derivation yields each source (a scheme without a source's rule skips its query).
SOURCE_DERIVATION: dict[str, str] = {
    Source.REPORT_ON_TIME: "reports",
    Source.REPORT_LATE: "reports",
    Source.REPORT_FALSE: "false_reports",
    Source.REPLY_LATE: "late_replies",
    Source.FEEDBACK_LATE: "late_feedback",
    Source.MEETING_MISSED: "absences",
    Source.CARD_GREEN: "cards",
    Source.CARD_YELLOW: "cards",
    Source.CARD_RED: "cards",
    Source.PROBLEM_ON_TIME: "problems",
    Source.PROBLEM_LATE: "problems",
    Source.DEMAND_LATE: "demands",
    Source.FLAG_MISSED: "flags",
}


def month_facts(period: Period, sources: set[str]) -> list[Fact]:
    """Every fact of the closed month for the given sources, in a fixed number of queries."""
    needed = {SOURCE_DERIVATION[s] for s in sources if s in SOURCE_DERIVATION}
    out: list[Fact] = []
    for name in sorted(needed):
        out.extend(f for f in DERIVATIONS[name](period) if f.source in sources)
    return out

"""The facts of a closed month that automatic rules score, one grouped query per source.

Each derivation is a query whose rows are facts: the unit, the source (which rule scores it),
the object it came from (a kind and an id) and a label. The key of a fact is
`source:origin:origin_id`, so that deriving the facts of a month twice gives the same keys
(recomputation finds the events it made before). The derivations are combined into one
`UNION ALL` that scoring uses inside its statements (services/scoring.py): the facts are never
read into Python one by one. Item reports are read from the month's frozen snapshots (the
progress core decided on time, late or missing); the rest from the rows the apps below keep,
by the dates the rules name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Substr
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.assessment.models import MeetingAbsence, Source
from duban.core.periods import Period
from duban.problems.models import Coordination, Feedback, Meeting, Problem
from duban.reporting.models import ItemSnapshot
from duban.reporting.progress import ReportStatus
from duban.supervision.models import Card, Colour, FalseReport, Flag, Prompt

# The columns of every derivation, in this order (a fact's unit, source, origin kind, origin
# id and label); prefixed so that they never clash with a model's own field names.
COLUMNS = ("fact_unit", "fact_source", "fact_origin", "fact_origin_id", "fact_label")
LABEL_LENGTH = 300  # ScoreEvent.label


def fact_key(source: str, origin: str, origin_id: int) -> str:
    """The key of a fact (and of the event scoring it); `key_sql` is the same in SQL."""
    return f"{source}:{origin}:{origin_id}"


def key_sql(alias: str) -> str:
    """`fact_key` of a row of the facts query named `alias`, as an SQL expression."""
    return (
        f"{alias}.fact_source || ':' || {alias}.fact_origin || ':' "
        f"|| CAST({alias}.fact_origin_id AS TEXT)"
    )


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def _numbered(template: str) -> Concat:
    """A translated "…%(n)s…" with the row's own key for n, as an SQL expression."""
    before, _sep, after = template.partition("%(n)s")
    return Concat(_text(before), Cast("pk", CharField()), _text(after), output_field=CharField())


def _facts(
    qs: QuerySet[Any], *, unit: str, source: Any, origin: str, origin_id: str, label: Any
) -> QuerySet[Any]:
    label_expr = Substr(label, 1, LABEL_LENGTH) if isinstance(label, str) else label
    source_expr = _text(source) if isinstance(source, str) else source
    return (
        qs.order_by()
        .annotate(
            fact_unit=F(unit),
            fact_source=source_expr,
            fact_origin=_text(origin),
            fact_origin_id=F(origin_id),
            fact_label=label_expr,
        )
        .values_list(*COLUMNS)
    )


def _bounds(period: Period) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(period.first_day, time.min, tzinfo=tz)
    return start, datetime.combine(period.next().first_day, time.min, tzinfo=tz)


@lru_cache(maxsize=64)
def _steady_offset(zone: str, year: int) -> int | None:
    """The time zone's UTC offset in minutes when it is the same every day from ten years
    before `year` to two years after it (no daylight saving, no change of offset: Asia/Shanghai
    since 1991), else None."""
    tz = ZoneInfo(zone)
    day = datetime(year - 10, 1, 1, 12, tzinfo=UTC)
    offsets = set()
    while day.year <= year + 2:
        offset = day.astimezone(tz).utcoffset()
        offsets.add(offset)
        if len(offsets) > 1 or offset is None:
            return None
        day += timedelta(days=1)
    [offset] = offsets
    return int(offset.total_seconds()) // 60 if offset is not None else None


def _local_offset(period: Period) -> int | None:
    """On SQLite, the current time zone's steady UTC offset in minutes (see `_steady_offset`):
    a stored UTC time's local date is then a fixed shift of it, compared in SQL rather than
    through Django's per-row Python function (≈10,000 calls a month at a province's size).
    None elsewhere (PostgreSQL converts in SQL) or when the zone's offset changes."""
    if connection.vendor != "sqlite":
        return None
    return _steady_offset(str(timezone.get_current_timezone()), period.year)


def _date_lte(moment: str, day: Any, period: Period) -> Any:
    """`moment`'s local date (a datetime field) on or before `day` (a date expression), as a
    condition: Django's `__date` lookup, or on SQLite with a steady offset the stored UTC text
    shifted by it in SQL — the same dates."""
    minutes = _local_offset(period)
    if minutes is None:
        return Q(**{f"{moment}__date__lte": day})
    local = Func(
        F(moment), Value(f"{minutes:+d} minutes"), function="date", output_field=DateField()
    )
    return LessThanOrEqual(local, day)


def _reports(period: Period) -> QuerySet[Any]:
    late = (ReportStatus.LATE.value, ReportStatus.MISSING.value)
    return _facts(
        ItemSnapshot.objects.filter(
            year=period.year, month=period.month, report__in=(ReportStatus.ON_TIME.value, *late)
        ),
        unit="lead_unit_id",
        source=Case(
            When(report=ReportStatus.ON_TIME.value, then=_text(Source.REPORT_ON_TIME)),
            default=_text(Source.REPORT_LATE),
            output_field=CharField(),
        ),
        origin="item",
        origin_id="work_item_id",
        label="work_item__title",
    )


def _false_reports(period: Period) -> QuerySet[Any]:
    return _facts(
        FalseReport.objects.filter(year=period.year, month=period.month),
        unit="unit_id",
        source=Source.REPORT_FALSE,
        origin="report",
        origin_id="report_id",
        label="report__work_item__title",
    )


def _late_replies(period: Period) -> QuerySet[Any]:
    return _facts(
        Prompt.objects.filter(
            reply_late=True, reply_due__gte=period.first_day, reply_due__lte=period.last_day
        ).exclude(state=Prompt.State.DRAFT),
        unit="unit_id",
        source=Source.REPLY_LATE,
        origin="prompt",
        origin_id="pk",
        label=Substr(
            Coalesce(NullIf("number", _text("")), _numbered(_("提示%(n)s"))), 1, LABEL_LENGTH
        ),
    )


def _late_feedback(period: Period) -> QuerySet[Any]:
    """Each unit an opinion due in the month named that gave no feedback by the deadline
    (its first feedback came after it, or none by the close)."""
    Named = Coordination.units.through  # noqa: N806 — the model of the many-to-many rows
    in_time = Feedback.objects.filter(
        coordination_id=OuterRef("coordination_id"),
        unit_id=OuterRef("unit_id"),
    ).filter(_date_lte("created_at", OuterRef("coordination__deadline"), period))
    return _facts(
        Named.objects.filter(
            coordination__deadline__gte=period.first_day,
            coordination__deadline__lte=period.last_day,
        ).filter(~Exists(in_time)),
        unit="unit_id",
        source=Source.FEEDBACK_LATE,
        origin="opinion",
        origin_id="coordination_id",
        label="coordination__problem__title",
    )


def _absences(period: Period) -> QuerySet[Any]:
    return _facts(
        MeetingAbsence.objects.filter(
            meeting__state=Meeting.State.HELD,
            meeting__date__gte=period.first_day,
            meeting__date__lte=period.last_day,
        ),
        unit="unit_id",
        source=Source.MEETING_MISSED,
        origin="meeting",
        origin_id="meeting_id",
        label="meeting__title",
    )


_CARD_SOURCE = {
    Colour.GREEN.value: Source.CARD_GREEN,
    Colour.YELLOW.value: Source.CARD_YELLOW,
    Colour.RED.value: Source.CARD_RED,
}


def _cards(period: Period) -> QuerySet[Any]:
    def by_colour(value: Callable[[str], str]) -> Case:
        return Case(
            *(When(colour=c, then=_text(value(c))) for c in _CARD_SOURCE),
            output_field=CharField(),
        )

    return _facts(
        Card.objects.filter(year=period.year, month=period.month, colour__in=list(_CARD_SOURCE)),
        unit="unit_id",
        source=by_colour(lambda c: _CARD_SOURCE[c]),
        origin="card",
        origin_id="pk",
        label=by_colour(
            lambda c: (_("%(p)s%(c)s") % {"p": period.label, "c": Colour(c).label})[:LABEL_LENGTH]
        ),
    )


def _problems(period: Period) -> QuerySet[Any]:
    """A problem closed in the month, on time when closed by its original due date (local
    time): extensions don't help."""
    return _facts(
        Problem.objects.filter(
            state=Problem.State.CLOSED,
            close_year=period.year,
            close_month=period.month,
            lead_unit__isnull=False,
            original_due_date__isnull=False,
        ),
        unit="lead_unit_id",
        source=Case(
            When(
                Q(closed_at__isnull=False)
                & Q(_date_lte("closed_at", F("original_due_date"), period)),
                then=_text(Source.PROBLEM_ON_TIME),
            ),
            default=_text(Source.PROBLEM_LATE),
            output_field=CharField(),
        ),
        origin="problem",
        origin_id="pk",
        label="title",
    )


def _demands(period: Period) -> QuerySet[Any]:
    start, end = _bounds(period)
    return _facts(
        Problem.objects.filter(
            source=Problem.Source.DEMAND,
            plan_due_at__gte=start,
            plan_due_at__lt=end,
            lead_unit__isnull=False,
        ).filter(Q(answered_at__isnull=True) | Q(answered_at__gt=F("plan_due_at"))),
        unit="lead_unit_id",
        source=Source.DEMAND_LATE,
        origin="problem",
        origin_id="pk",
        label="title",
    )


def _flags(period: Period) -> QuerySet[Any]:
    return _facts(
        Flag.objects.filter(
            state__in=(Flag.State.OPEN, Flag.State.DELIST_REQUESTED, Flag.State.DELISTED),
            deadline__gte=period.first_day,
            deadline__lte=period.last_day,
        ).filter(Q(delisted_on__isnull=True) | Q(delisted_on__gt=F("deadline"))),
        unit="unit_id",
        source=Source.FLAG_MISSED,
        origin="flag",
        origin_id="pk",
        label=Coalesce(NullIf(Substr("reason", 1, 80), _text("")), _numbered(_("挂牌督办%(n)s"))),
    )


DERIVATIONS: dict[str, Callable[[Period], QuerySet[Any]]] = {
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


def month_facts_query(period: Period, sources: set[str]) -> QuerySet[Any] | None:
    """Every fact of the closed month for the given sources, as one query of `COLUMNS` (the
    derivations `UNION ALL`); None when no source has a derivation. Facts of a source not
    asked for may be among the rows (a derivation yields several): the caller keeps those of
    its rules."""
    needed = sorted({SOURCE_DERIVATION[s] for s in sources if s in SOURCE_DERIVATION})
    if not needed:
        return None
    first, *rest = (DERIVATIONS[name](period) for name in needed)
    return first.union(*rest, all=True) if rest else first

"""A January with one fact for each default rule, closed (the close scores it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from duban.assessment.models import MeetingAbsence, ScoreEvent
from duban.core.periods import Period
from duban.problems.models import Meeting, Problem
from duban.reporting.models import MonthlyReport
from duban.reporting.services import month_close
from duban.supervision.models import FalseReport, Flag
from tests import factories as f
from tests import problem_factories as pf
from tests.supervision_fixtures import issued_prompt

JAN, FEB, MAR = Period(2024, 1), Period(2024, 2), Period(2024, 3)


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@dataclass
class Facts:
    prompt: object
    opinion: object
    meeting: Meeting
    on_time_problem: Problem
    late_problem: Problem
    demand: Problem
    flag: Flag
    false_report: MonthlyReport


def on_time(item, months) -> None:
    for m in months:
        f.ReportFactory(
            work_item=item,
            month=m,
            state=MonthlyReport.State.ACCEPTED,
            submitted_at=at(date(2024, m, 28)),
            first_submitted_at=at(date(2024, m, 28)),
        )


def january_facts(d) -> Facts:
    """A: item_a reported on time, an opinion answered late, a problem closed on time.
    A1: task_a never reported. B: three items unreported (one report returned as false),
    a late prompt reply, an absence, a problem closed late, a late demand, a missed flag."""
    on_time(d.item_a, [1])
    returned = f.ReportFactory(
        work_item=d.item_b,
        month=1,
        state=MonthlyReport.State.RETURNED,
        return_reason="数据不实",
        times_returned=1,
        submitted_at=None,
        first_submitted_at=None,
    )
    FalseReport.objects.create(
        report=returned,
        unit=d.item_b.lead_unit,
        year=2024,
        month=1,
        reason="现场核查未开工",
        found_by=d.office,
        found_at=at(date(2024, 1, 20)),
    )
    prompt = issued_prompt(d.unit_b, items=[d.item_b], reply_due=date(2024, 1, 20))
    prompt.reply_late = True
    prompt.save()
    problem_a = pf.AssignedProblemFactory(
        work_item=d.item_a, lead_unit=d.unit_a, due_date=date(2024, 1, 25), reported_by=d.reporter_a
    )
    opinion = pf.CoordinationFactory(
        problem=problem_a, leader=d.leader, deadline=date(2024, 1, 25), units=[d.unit_a]
    )
    meeting = pf.MeetingFactory(
        date=date(2024, 1, 15), state=Meeting.State.HELD, chair=d.leader, created_by=d.office
    )
    meeting.attendee_units.set([d.unit_a, d.unit_b])
    MeetingAbsence.objects.create(meeting=meeting, unit=d.unit_b, recorded_by=d.office)
    closed = {"state": Problem.State.CLOSED, "resolution": "已解决", "close_year": 2024}
    on_time_problem = pf.AssignedProblemFactory(
        work_item=d.item_a,
        reported_by=d.reporter_a,
        due_date=date(2024, 1, 20),
        closed_at=at(date(2024, 1, 10)),
        close_month=1,
        **closed,
    )
    late_problem = pf.AssignedProblemFactory(
        work_item=d.item_b,
        reported_by=d.reporter_b,
        due_date=date(2024, 2, 20),
        original_due_date=date(2024, 1, 20),
        closed_at=at(date(2024, 1, 28)),
        close_month=1,
        **closed,
    )
    demand = pf.AssignedProblemFactory(
        work_item=d.item_c,
        reported_by=d.reporter_b,
        source=Problem.Source.DEMAND,
        plan_due_at=at(date(2024, 1, 10)),
        answered_at=at(date(2024, 1, 12)),
    )
    flag = Flag.objects.create(
        target=Flag.Target.UNIT,
        unit=d.unit_b,
        state=Flag.State.OPEN,
        reason="连续红牌",
        deadline=date(2024, 1, 20),
    )
    month_close(period=JAN, by=d.office)
    return Facts(prompt, opinion, meeting, on_time_problem, late_problem, demand, flag, returned)


def events_of(unit, source: str, period: Period = JAN) -> list[ScoreEvent]:
    return list(
        ScoreEvent.objects.filter(
            unit=unit, rule__source=source, year=period.year, month=period.month
        ).order_by("pk")
    )


def points(unit, period: Period = JAN) -> Decimal:
    from duban.assessment.models import Standing

    return Standing.objects.get(
        unit=unit, ranking__year=period.year, ranking__month=period.month, span="month"
    ).points

"""The five lists and their figures against hand-computed values; scope per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404

from duban.core.periods import Period
from duban.liaison.selectors import liaison_figures
from duban.org.models import Responsibility, User
from duban.problems import services as svc
from duban.problems.models import Feedback, Problem
from duban.problems.selectors import (
    ProblemFilters,
    closeout_list,
    coordination_list,
    feedback_list,
    open_problem_list,
    problem_figures,
    problem_get_for_user,
    problem_inbox,
    problem_list,
    task_list,
)
from tests import factories as f
from tests.problem_factories import (
    AssignedProblemFactory,
    ClosedProblemFactory,
    ProblemFactory,
    VisitFactory,
)


@dataclass
class Book:
    p1: Problem
    p2: Problem
    p3: Problem
    p4: Problem
    p5: Problem
    p6: Problem
    p7: Problem


@pytest.fixture
def book(district) -> Book:
    """Today is 2024-04-03.

    p1 item_a (lead A)       reported 03-05, closed 2024-03
    p2 item_a (lead A)       reported 04-01, assigned, due 04-02 → overdue, category 资金, L2
    p3 item_b (lead B, co A) reported 04-02, assigned, due 04-30
    p4 item_x (lead B)       reported 02-10, rejected (never counted)
    p5 item_x (lead B)       reported 03-20, closed 2024-04
    p6 item_c (steward)      reported 04-02, reported
    p7 item_c (lead B)       reported 2023-12-01, closed 2024-01
    """
    d = district
    by = d.reporter_a
    return Book(
        p1=ClosedProblemFactory(
            work_item=d.item_a, reported_by=by, reported_on=date(2024, 3, 5), close_month=3
        ),
        p2=AssignedProblemFactory(
            work_item=d.item_a,
            reported_by=by,
            reported_on=date(2024, 4, 1),
            due_date=date(2024, 4, 2),
            category=Problem.Category.FUNDING,
            level=2,
        ),
        p3=_with_co_unit(
            AssignedProblemFactory(
                work_item=d.item_b, reported_by=d.reporter_b, reported_on=date(2024, 4, 2)
            ),
            d.unit_a,
        ),
        p4=ProblemFactory(
            work_item=d.item_x,
            reported_by=d.reporter_b,
            reported_on=date(2024, 2, 10),
            state=Problem.State.REJECTED,
            reject_reason="重复",
        ),
        p5=ClosedProblemFactory(
            work_item=d.item_x,
            reported_by=d.reporter_b,
            reported_on=date(2024, 3, 20),
            close_month=4,
        ),
        p6=ProblemFactory(work_item=d.item_c, reported_by=d.steward, reported_on=date(2024, 4, 2)),
        p7=ClosedProblemFactory(
            work_item=d.item_c,
            reported_by=d.reporter_b,
            reported_on=date(2023, 12, 1),
            close_month=1,
        ),
    )


def _with_co_unit(problem, unit):
    problem.co_units.add(unit)
    return problem


def _names(qs, book: Book) -> set[str]:
    ids = {getattr(book, n).pk: n for n in ("p1", "p2", "p3", "p4", "p5", "p6", "p7")}
    return {ids[p.pk] for p in qs}


def test_problem_figures_for_the_office(district, book):
    # when
    april = problem_figures(user=district.office, period=Period(2024, 4))
    march = problem_figures(user=district.office, period=Period(2024, 3))
    # then: April — total p1 p2 p3 p5 p6; new p2 p3 p6; closed p5; closed to date p1 p5
    assert (april.total, april.new, april.closed, april.closed_to_date) == (5, 3, 1, 2)
    assert april.completion_pct == Decimal(40)
    assert (april.open, april.overdue) == (3, 1)
    # March — total p1 p5; new p1 p5; closed p1; closed to date p1
    assert (march.total, march.new, march.closed, march.closed_to_date) == (2, 2, 1, 1)
    assert march.completion_pct == Decimal(50)
    # January: p7 (a 2023 problem) closed in January counts as closed that month only
    january = problem_figures(user=district.office, period=Period(2024, 1))
    assert (january.total, january.closed) == (0, 1)
    assert january.completion_pct is None


def test_problem_figures_for_a_unit_reporter_are_scoped_and_unrounded(district, book):
    figures = problem_figures(user=district.reporter_a, period=Period(2024, 4))
    # p1 p2 p3 only: closed to date p1
    assert (figures.total, figures.new, figures.closed, figures.closed_to_date) == (3, 2, 0, 1)
    assert figures.completion_pct == Decimal(100) / Decimal(3)
    assert (figures.open, figures.overdue) == (2, 1)


def test_problem_figures_follow_filters(district, book):
    figures = problem_figures(
        user=district.office,
        period=Period(2024, 4),
        filters=ProblemFilters(unit=district.unit_b.pk),
    )
    # lead or co-unit B: p3 p5 p6(no lead unit → no) … p3 (lead B), p5 (lead B)
    assert (figures.total, figures.closed_to_date) == (2, 1)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("office", {"p1", "p2", "p3", "p4", "p5", "p6", "p7"}),
        ("leader", {"p1", "p2", "p3"}),
        ("head_a", {"p1", "p2", "p3"}),
        ("reporter_a", {"p1", "p2", "p3"}),
        ("reporter_b", {"p3", "p4", "p5", "p6", "p7"}),
        ("head_b", {"p3", "p4", "p5", "p6", "p7"}),
        ("steward", {"p6", "p7"}),
        ("viewer", {"p3", "p4", "p5", "p6", "p7"}),
    ],
)
def test_problem_list_scope_per_role(district, book, role, expected):
    user = district.users()[role]
    assert _names(problem_list(user=user), book) == expected
    hidden = {"p1", "p2", "p3", "p4", "p5", "p6", "p7"} - expected
    for name in hidden:
        with pytest.raises(Http404):
            problem_get_for_user(user=user, problem_id=getattr(book, name).pk)
    for name in expected:
        assert problem_get_for_user(user=user, problem_id=getattr(book, name).pk).pk


def test_problem_list_of_a_unit_outside_everything_is_empty(district, book):
    stranger = f.UserFactory(role=User.Role.REPORTER)
    assert list(problem_list(user=stranger)) == []
    assert problem_figures(user=stranger, period=Period(2024, 4)).total == 0


def test_open_problem_list_and_filters(district, book):
    office = district.office
    assert [p.pk for p in open_problem_list(user=office)] == [book.p2.pk, book.p3.pk, book.p6.pk]
    cases = [
        (ProblemFilters(overdue=True), {"p2"}),
        (ProblemFilters(overdue=False), {"p3", "p6"}),
        (ProblemFilters(level=2), {"p2"}),
        (ProblemFilters(category="funding"), {"p2"}),
        (ProblemFilters(unit=district.unit_a.pk), {"p2", "p3"}),
        (ProblemFilters(leader=district.leader.pk), {"p2", "p3"}),
        (ProblemFilters(state="reported"), {"p6"}),
        (ProblemFilters(year=2024, month=4), {"p2", "p3", "p6"}),
    ]
    for filters, expected in cases:
        assert _names(open_problem_list(user=office, filters=filters), book) == expected, filters


def test_closeout_list_by_month(district, book):
    assert _names(closeout_list(user=district.office, period=Period(2024, 4)), book) == {"p5"}
    assert _names(closeout_list(user=district.office, period=Period(2024, 3)), book) == {"p1"}
    assert _names(closeout_list(user=district.reporter_a, period=Period(2024, 4)), book) == set()
    assert (
        _names(
            closeout_list(
                user=district.office,
                period=Period(2024, 3),
                filters=ProblemFilters(unit=district.unit_b.pk, year=2023, month=1),
            ),
            book,
        )
        == set()
    )


def test_task_list_counts_open_and_overdue_problems(district, book):
    rows = {
        i.title: (i.open_problem_count, i.overdue_problem_count)
        for i in task_list(user=district.office, filters=ProblemFilters(year=2024))
    }
    assert rows == {
        "发改项目甲": (1, 1),
        "住建项目乙": (1, 0),
        "住建项目丙": (1, 0),
        "住建项目丁": (0, 0),
        "优化营商环境": (0, 0),
    }
    overdue = task_list(user=district.office, filters=ProblemFilters(year=2024, overdue=True))
    assert [i.title for i in overdue] == ["发改项目甲"]
    mine = {i.title for i in task_list(user=district.reporter_a, filters=ProblemFilters(year=2024))}
    assert mine == {"发改项目甲", "住建项目乙", "优化营商环境"}


def test_coordination_and_feedback_lists(district, book):
    # given: the leader's opinion on p3 for unit B, and B's feedback on it
    opinion = svc.coordination_create(
        problem=book.p3,
        by=district.leader,
        text="请住建局三日内协调",
        units=[district.unit_b],
        deadline=date(2024, 4, 10),
    )
    feedback = svc.coordination_feedback(opinion=opinion, by=district.reporter_b, text="已协调")
    # then
    assert list(coordination_list(user=district.office)) == [opinion]
    assert list(coordination_list(user=district.reporter_a)) == [opinion]
    assert list(coordination_list(user=district.steward)) == []
    assert (
        list(
            coordination_list(user=district.office, filters=ProblemFilters(unit=district.unit_a.pk))
        )
        == []
    )
    assert list(
        coordination_list(user=district.office, filters=ProblemFilters(leader=district.leader.pk))
    ) == [opinion]
    assert list(coordination_list(user=district.office, filters=ProblemFilters(overdue=True))) == []
    assert list(feedback_list(user=district.office)) == [feedback]
    assert list(feedback_list(user=district.steward)) == []
    assert list(feedback_list(user=district.office, filters=ProblemFilters(state="accepted"))) == []
    # the office's inbox holds the feedback to review; B's inbox no longer the opinion
    assert problem_inbox(user=district.office).feedback == [feedback]
    assert problem_inbox(user=district.reporter_b).opinions == []
    # when: accepted → the opinion is carried out
    svc.feedback_accept(feedback=feedback, version=feedback.version, by=district.office)
    opinion.refresh_from_db()
    assert opinion.state == "completed"


def test_feedback_on_opinion_return_and_completion_needs_every_unit(district, book):
    opinion = svc.coordination_create(
        problem=book.p3,
        by=district.office,
        leader=district.leader,
        text="两单位共同推进",
        units=[district.unit_a, district.unit_b],
        deadline=date(2024, 4, 10),
    )
    fa = svc.coordination_feedback(opinion=opinion, by=district.reporter_a, text="A已办")
    with pytest.raises(Exception, match="待审核"):
        svc.coordination_feedback(opinion=opinion, by=district.head_a, text="A又办")
    svc.feedback_return(feedback=fa, version=fa.version, by=district.office, reason="不够具体")
    opinion.refresh_from_db()
    assert opinion.state == "issued"
    fa2 = svc.coordination_feedback(opinion=opinion, by=district.reporter_a, text="A已办，附材料")
    fb = svc.coordination_feedback(opinion=opinion, by=district.reporter_b, text="B已办")
    svc.feedback_accept(feedback=fa2, version=fa2.version, by=district.office)
    opinion.refresh_from_db()
    assert opinion.state == "feedback_submitted"
    svc.feedback_accept(feedback=fb, version=fb.version, by=district.office)
    opinion.refresh_from_db()
    assert opinion.state == "completed"
    assert Feedback.objects.get(pk=fa.pk).return_reason == "不够具体"


def test_opinion_refused_out_of_scope_or_on_closed_problem(district, book):
    from duban.core.errors import ApplicationError

    with pytest.raises(ApplicationError, match="范围内的区领导"):
        svc.coordination_create(
            problem=book.p6,
            by=district.leader,
            text="t",
            units=[district.unit_b],
            deadline=date(2024, 5, 1),
        )
    with pytest.raises(ApplicationError, match="已销号"):
        svc.coordination_create(
            problem=book.p1,
            by=district.leader,
            text="t",
            units=[district.unit_a],
            deadline=date(2024, 5, 1),
        )
    with pytest.raises(ApplicationError, match="指明"):
        svc.coordination_create(
            problem=book.p2,
            by=district.office,
            text="t",
            units=[district.unit_a],
            deadline=date(2024, 5, 1),
        )


def test_problem_inbox_per_role(district, book):
    office = problem_inbox(user=district.office)
    assert {p.pk for p in office.to_triage} == {book.p6.pk}
    assert office.to_verify == [] and office.to_close == []
    reporter_a = problem_inbox(user=district.reporter_a)
    assert [p.pk for p in reporter_a.to_act] == [book.p2.pk]
    assert reporter_a.to_triage == []
    assert problem_inbox(user=district.viewer).total == 0


def test_liaison_figures_per_leader(district, book):
    # given: the leader liaises with one enterprise and one project
    enterprise = f.EnterpriseFactory()
    f.ResponsibilityFactory(
        leader=district.leader, enterprise=enterprise, relation=Responsibility.Relation.LIAISON
    )
    f.ResponsibilityFactory(
        leader=district.leader, work_item=district.item_x, relation=Responsibility.Relation.LIAISON
    )
    ClosedProblemFactory(
        source=Problem.Source.DEMAND,
        enterprise=enterprise,
        work_item=None,
        reported_by=district.leader,
        satisfaction="satisfied",
    )
    AssignedProblemFactory(
        source=Problem.Source.DEMAND, work_item=district.item_x, reported_by=district.leader
    )
    ProblemFactory(
        source=Problem.Source.DEMAND,
        enterprise=enterprise,
        work_item=None,
        reported_by=district.leader,
        state=Problem.State.REJECTED,
        reject_reason="不属实",
    )
    VisitFactory(visitor=district.leader, work_item=district.item_x)
    # when
    rows = liaison_figures(user=district.office)
    # then
    assert len(rows) == 1
    row = rows[0]
    assert (row.leader, row.enterprises, row.projects, row.demands, row.resolved, row.visits) == (
        district.leader,
        1,
        1,
        2,
        1,
        1,
    )
    assert row.completion_pct == Decimal(50)
    assert [r.leader for r in liaison_figures(user=district.leader)] == [district.leader]
    assert liaison_figures(user=district.reporter_a) == []


def test_liaison_figures_count_each_demand_once_in_a_fixed_number_of_queries(district, book):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def leader_with_demands(n_demands):
        leader = f.UserFactory(role=User.Role.LEADER, unit=None)
        enterprise = f.EnterpriseFactory()
        for target in ({"enterprise": enterprise}, {"work_item": district.item_x}):
            f.ResponsibilityFactory(
                leader=leader, relation=Responsibility.Relation.LIAISON, **target
            )
        # each demand reaches the leader through its enterprise and its item: counted once
        for _ in range(n_demands):
            AssignedProblemFactory(
                source=Problem.Source.DEMAND,
                enterprise=enterprise,
                work_item=district.item_x,
                reported_by=leader,
            )
        VisitFactory(visitor=leader, work_item=district.item_x)
        return leader

    first = leader_with_demands(2)
    with CaptureQueriesContext(connection) as one:
        rows = liaison_figures(user=district.office)
    second = leader_with_demands(1)
    with CaptureQueriesContext(connection) as two:
        more = {r.leader: r for r in liaison_figures(user=district.office)}
    assert len(rows) == 1 and len(two.captured_queries) == len(one.captured_queries)
    # item_x's demands reach both leaders (both liaise with it); each enterprise's only its own
    assert (more[first].demands, more[first].enterprises, more[first].projects) == (3, 1, 1)
    assert (more[second].demands, more[second].visits, more[second].resolved) == (3, 1, 0)


def test_problem_list_query_count_is_fixed(district, book, django_assert_max_num_queries):
    for _ in range(5):
        AssignedProblemFactory(
            work_item=district.item_b, reported_by=district.reporter_b
        ).co_units.add(district.unit_a)
    with django_assert_max_num_queries(3):
        rows = [
            (p.lead_unit, p.work_item, list(p.co_units.all()))
            for p in problem_list(user=district.reporter_a)
        ]
    assert len(rows) == 8


def test_demand_figures(district):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from duban.problems.selectors import demand_figures

    tz = ZoneInfo("Asia/Shanghai")
    deadline = datetime(2024, 4, 2, 12, tzinfo=tz)
    common = {
        "source": Problem.Source.DEMAND,
        "work_item": district.item_a,
        "reported_by": district.office,
        "plan_due_at": deadline,
    }
    ClosedProblemFactory(
        **common, answered_at=deadline - timedelta(hours=1), satisfaction="satisfied"
    )
    ClosedProblemFactory(
        **common, answered_at=deadline - timedelta(days=1), satisfaction="unsatisfied"
    )
    AssignedProblemFactory(**common, answered_at=deadline + timedelta(hours=1))
    ProblemFactory(**common)  # never answered, deadline passed (today is 2024-04-03)
    ProblemFactory(**{**common, "plan_due_at": deadline + timedelta(days=5)})  # still in time
    figures = demand_figures(user=district.office, year=2024)
    assert (figures.received, figures.resolved) == (5, 2)
    assert (figures.answered_in_time, figures.answered_late) == (2, 2)
    assert (figures.satisfied, figures.basic, figures.unsatisfied) == (1, 0, 1)
    assert figures.completion_pct == Decimal(40)
    assert figures.satisfaction_pct == Decimal(50)
    assert demand_figures(user=district.reporter_b, year=2024).received == 0


def test_assigning_at_level_three_puts_it_on_the_next_meeting(district):
    from tests.problem_factories import MeetingFactory

    meeting = MeetingFactory(
        level=3, kind="special", chair=district.leader, created_by=district.office
    )
    problem = ProblemFactory(
        work_item=district.item_a, reported_by=district.reporter_a, state=Problem.State.ACCEPTED
    )
    svc.problem_assign(
        problem=problem,
        version=problem.version,
        by=district.office,
        lead_unit=district.unit_a,
        level=3,
    )
    assert list(meeting.agenda.values_list("problem_id", flat=True)) == [problem.pk]

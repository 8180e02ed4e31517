"""The demo district: built once for the module (it takes some seconds), rolled back after."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min, Q
from django.test import Client, override_settings
from django.utils import timezone

from duban.core.immutable import history_unlocked
from duban.core.periods import Period
from duban.demo.build import build_demo, demo_counts, demo_is_loaded
from duban.demo.catalogue import DEMO_PASSWORD, LEADERS, PROJECTS, TASKS, UNITS
from duban.demo.wipe import demo_wipe
from duban.ledger.models import NodeTemplateSet, Project, WorkItem
from duban.ledger.validators import validate_project_code
from duban.liaison.models import Visit
from duban.org.models import Enterprise, Responsibility, Unit, User
from duban.org.scoping import scope_for
from duban.org.validators import validate_credit_code
from duban.problems.minutes import meeting_minutes_docx
from duban.problems.models import (
    AgendaItem,
    Coordination,
    Escalation,
    ExtensionRequest,
    Feedback,
    Meeting,
    Problem,
    ProblemEvent,
)
from duban.problems.selectors import closeout_list, liaison_figures, problem_list
from duban.reporting.models import MonthClose, MonthlyReport, ReportingSettings
from duban.reporting.selectors import item_figures_for
from duban.reporting.services import report_is_late

S = MonthlyReport.State
MD5 = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Build the demo inside a transaction that is rolled back when the module is done."""
    # The same cheap hasher as conftest's per-test settings, or the accounts couldn't log in.
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=[MD5]):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            # The demo backdates its rows and their history: on PostgreSQL the history trigger
            # must be lifted for it (duban.core.immutable); `duban demo` needs the same.
            with history_unlocked():
                result = build_demo(seed=2024)
            yield result
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_demo_builds_units_people_projects_and_tasks(demo, db):
    # given the demo built once (fixture)
    # then
    assert demo.created
    assert Unit.objects.count() == len(UNITS)
    assert 12 <= len(UNITS) <= 18
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert kinds == set(Unit.Kind.values)
    leaders = User.objects.filter(role=User.Role.LEADER)
    assert leaders.count() == len(LEADERS) == 6
    for leader in leaders:
        relations = set(leader.responsibilities.values_list("relation", flat=True))
        assert Responsibility.Relation.IN_CHARGE in relations
        assert Responsibility.Relation.LIAISON in relations
    assert Responsibility.objects.filter(relation=Responsibility.Relation.LEAD).exists()
    viewer = User.objects.get(role=User.Role.VIEWER)
    assert viewer.responsibilities.filter(relation=Responsibility.Relation.CONTACT).count() >= 1
    for unit in Unit.objects.all():
        roles = set(unit.members.values_list("role", flat=True))
        assert {User.Role.UNIT_HEAD, User.Role.REPORTER} <= roles
    assert Project.objects.count() == len(PROJECTS) == 40
    assert WorkItem.objects.filter(year=2023, kind=WorkItem.Kind.TASK).count() == len(TASKS) == 20
    assert WorkItem.objects.filter(year=2023, kind=WorkItem.Kind.PROJECT).count() == 36
    assert WorkItem.objects.filter(year=2024).count() > 30
    levels = set(WorkItem.objects.filter(year=2023).values_list("level", flat=True))
    assert levels == set(WorkItem.Level.values)
    categories = set(
        WorkItem.objects.filter(year=2023, kind=WorkItem.Kind.PROJECT).values_list(
            "category", flat=True
        )
    )
    assert categories == set(WorkItem.Category.values)
    reserve = Project.objects.filter(stage=Project.Stage.RESERVE)
    assert reserve.count() >= 2
    assert reserve.filter(work_items__isnull=True).exists()
    assert ReportingSettings.objects.count() == 1


def test_demo_codes_are_valid(demo, db):
    for enterprise in Enterprise.objects.all():
        validate_credit_code(enterprise.credit_code)
    codes = [c for c in Project.objects.values_list("code", flat=True) if c]
    assert len(codes) >= 36
    for code in codes:
        assert len(code) == 24
        validate_project_code(code)


def test_demo_2023_is_fully_reported_and_closed(demo, db):
    items = WorkItem.objects.filter(year=2023)
    assert not items.filter(status=WorkItem.Status.DRAFT).exists()
    months = Counter(MonthlyReport.objects.filter(year=2023).values_list("work_item_id", flat=True))
    assert all(months[item.pk] == 12 for item in items)
    assert set(MonthlyReport.objects.filter(year=2023).values_list("state", flat=True)) == {
        S.ACCEPTED
    }
    closed = set(MonthClose.objects.filter(year=2023).values_list("month", flat=True))
    assert closed == set(range(1, 13))
    # The year's history: some reports were returned before being accepted, some were late.
    reports = list(MonthlyReport.objects.filter(year=2023))
    assert any(r.times_returned for r in reports)
    late = [r for r in reports if report_is_late(r, 5)]
    assert 0 < len(late) < len(reports) // 4
    assert all(r.first_submitted_at.year in (2023, 2024) for r in reports)
    # Finished items are done and were not carried; unfinished ones were.
    assert items.filter(status=WorkItem.Status.DONE).exists()
    carried = WorkItem.objects.filter(year=2024, carried_from__isnull=False)
    assert carried.count() >= 30
    assert not carried.filter(carried_from__status=WorkItem.Status.DONE).exists()
    assert not carried.filter(status=WorkItem.Status.DRAFT).exists()


def test_demo_2024_shows_every_report_state(demo, db):
    states = set(MonthlyReport.objects.filter(year=2024).values_list("state", flat=True))
    assert states == set(S.values)
    returned = MonthlyReport.objects.filter(year=2024, state=S.RETURNED)
    assert all(r.return_reason for r in returned)
    # Closed months hold only accepted reports; May is open and some reports are missing.
    closed = set(MonthClose.objects.filter(year=2024).values_list("month", flat=True))
    assert closed == {1, 2, 3}
    assert not MonthlyReport.objects.filter(year=2024, month__gt=5).exists()
    active = WorkItem.objects.filter(year=2024, status=WorkItem.Status.ACTIVE).count()
    may = MonthlyReport.objects.filter(year=2024, month=5).count()
    assert 0 < may < active
    late = [r for r in MonthlyReport.objects.filter(year=2024) if report_is_late(r, 5)]
    assert late


def test_demo_has_items_ahead_of_and_behind_time_progress(demo, db):
    gaps = []
    for item in WorkItem.objects.filter(year=2023, kind=WorkItem.Kind.PROJECT):
        figures = item_figures_for(item, Period(2023, 9))
        if figures.gap_pp is not None:
            gaps.append(figures.gap_pp)
    assert any(g > Decimal(5) for g in gaps)
    assert any(g < Decimal(-10) for g in gaps)
    assert WorkItem.objects.filter(year=2024, plan_months__isnull=False).distinct().count() >= 5


def test_demo_projects_over_threshold_have_stewards(demo, db):
    threshold = Decimal(settings.DUBAN_STEWARD_THRESHOLD)
    big = WorkItem.objects.filter(
        kind=WorkItem.Kind.PROJECT, project__total_investment__gt=threshold
    )
    assert big.exists()
    assert not big.filter(steward__isnull=True).exists()
    stewards = User.objects.filter(role=User.Role.STEWARD)
    assert 2 <= stewards.count() <= 5
    assert all(s.stewarded_items.count() >= 5 for s in stewards)


def test_demo_handed_out_items_satisfy_the_hand_out_rule(demo, db):
    handed_out = WorkItem.objects.exclude(status=WorkItem.Status.DRAFT).prefetch_related(
        "indicators", "milestones"
    )
    assert handed_out.count() == WorkItem.objects.count()
    # The service checked the full rule (deadlines in the item's year) when it handed each
    # item out; afterwards nodes get reached, so here the lasting part of the rule is checked.
    for item in handed_out:
        assert any(i.is_measurable for i in item.indicators.all()) or any(
            m.planned_date for m in item.milestones.all()
        ), item
        assert item.handed_out_at is not None
        assert item.handed_out_at.year == item.year


def test_demo_second_build_changes_nothing(demo, db):
    # given
    before = demo_counts()
    # when
    again = build_demo(seed=2024)
    # then
    assert not again.created
    assert demo_counts() == before


def test_demo_accounts_log_in(demo, db):
    assert len(demo.accounts) == len(User.Role.values)
    assert {a.role for a in demo.accounts} == {str(label) for label in User.Role.labels}
    for account in demo.accounts:
        assert Client().login(username=account.username, password=DEMO_PASSWORD), account
    office = User.objects.get(username=demo.accounts[0].username)
    assert office.is_office and office.is_superuser


def test_demo_wipe_empties_the_district_but_keeps_configuration(demo, db):
    # when (inside this test's savepoint: the module's demo comes back afterwards). On
    # PostgreSQL a trigger refuses deleting history rows; wiping a demo lifts it for the
    # transaction (duban.core.immutable.history_unlocked) — `duban demo --reset` needs the same.
    with history_unlocked():
        demo_wipe()
    # then
    assert not demo_is_loaded()
    assert demo_counts() == {
        "units": 0,
        "users": 0,
        "projects": 0,
        "items_2023": 0,
        "items_2024": 0,
        "reports": 0,
    }
    assert NodeTemplateSet.objects.filter(is_default=True).exists()
    assert ReportingSettings.objects.count() == 1
    # a merged problem protects the one it was merged into: wiped all the same
    assert not Problem.objects.exists()
    assert not Meeting.objects.exists()
    assert not Visit.objects.exists()


def test_demo_accounts_see_their_scope(demo, db):
    # given every item of both years
    everything = set(WorkItem.objects.values_list("pk", flat=True))
    seen = {
        a.username: set(
            scope_for(User.objects.get(username=a.username))
            .work_items()
            .values_list("pk", flat=True)
        )
        for a in demo.accounts
    }
    # then the office sees all, every other role a part that is not empty
    office, *others = demo.accounts
    assert seen[office.username] == everything
    for account in others:
        assert seen[account.username], account
        assert seen[account.username] < everything, account
    # the unit's head and reporter see the same items: those their unit leads or helps with
    zjj = Unit.objects.get(code="zjj")
    zjj_items = set(
        WorkItem.objects.filter(Q(lead_unit=zjj) | Q(co_units=zjj)).values_list("pk", flat=True)
    )
    assert seen["zjj-head"] == seen["zjj-reporter"] == zjj_items
    steward = User.objects.get(username="guanjia-sun")
    assert seen["guanjia-sun"] >= set(steward.stewarded_items.values_list("pk", flat=True))
    assert all(a.full_name for a in demo.accounts)


# -- the problem loop (issue 4) -------------------------------------------------------------


def test_demo_problems_cover_every_state_source_and_category(demo, db):
    problems = Problem.objects.all()
    assert set(problems.values_list("state", flat=True)) == set(Problem.State.values)
    assert set(problems.values_list("source", flat=True)) == set(Problem.Source.values)
    assert set(problems.values_list("category", flat=True)) == set(Problem.Category.values)
    assert problems.filter(reopen_count__gt=0, state=Problem.State.CLOSED).exists()
    assert all(p.reject_reason for p in problems.filter(state=Problem.State.REJECTED))
    assert all(p.merged_into_id for p in problems.filter(state=Problem.State.MERGED))
    # every problem hangs off an item of its year, or is a demand of an enterprise
    for p in problems.select_related("work_item"):
        assert p.work_item is None or p.work_item.year == p.reported_on.year, p
        assert p.work_item is not None or p.enterprise_id is not None, p
    extensions = set(ExtensionRequest.objects.values_list("state", flat=True))
    assert {ExtensionRequest.State.APPROVED, ExtensionRequest.State.REJECTED} <= extensions
    # opinions by leaders; feedback on problems and on opinions, accepted and returned
    assert Coordination.objects.filter(meeting__isnull=True).exists()
    assert not Coordination.objects.exclude(leader__role=User.Role.LEADER).exists()
    returned = Feedback.objects.filter(state=Feedback.State.RETURNED)
    assert Feedback.objects.filter(state=Feedback.State.ACCEPTED).exists()
    assert returned.filter(coordination__isnull=False).exists()
    assert returned.filter(problem__isnull=False).exists()
    assert all(f.return_reason for f in returned)


def test_demo_problems_escalate_at_every_level(demo, db):
    escalations = Escalation.objects.select_related("problem")
    for reason in Escalation.Reason.values:
        levels = set(escalations.filter(reason=reason).values_list("to_level", flat=True))
        assert levels == {2, 3, 4}, reason
    assert all(e.note for e in escalations.filter(reason=Escalation.Reason.MANUAL))
    assert set(Problem.objects.values_list("level", flat=True)) == {1, 2, 3, 4}
    # an escalation is dated the day it happened; an automatic one after the due date
    for e in escalations:
        assert e.on == timezone.localtime(e.at).date()
        assert e.problem.reported_on <= e.on
        if e.reason == Escalation.Reason.OVERDUE:
            assert e.on > e.problem.original_due_date, e


def test_demo_meetings_two_held_with_minutes_and_one_upcoming(demo, db):
    held = list(Meeting.objects.filter(state=Meeting.State.HELD).order_by("date"))
    assert [m.level for m in held] == [4, 3]
    for meeting in held:
        assert meeting.minutes
        assert meeting.agenda.filter(kind=AgendaItem.Kind.PROBLEM).exists()
        decisions = meeting.decisions.all()
        assert decisions.count() >= 2
        assert all(d.leader_id == meeting.chair_id for d in decisions)
        # a decision on the item furthest behind opened a problem of source 调度会
        assert decisions.filter(problem__source=Problem.Source.MEETING).exists()
        assert meeting_minutes_docx(meeting, user=meeting.chair)[:2] == b"PK"
    upcoming = Meeting.objects.get(state=Meeting.State.SCHEDULED)
    assert upcoming.level == 4
    assert upcoming.date > held[-1].date
    kinds = set(upcoming.agenda.values_list("kind", flat=True))
    assert {AgendaItem.Kind.PROBLEM, AgendaItem.Kind.BEHIND} <= kinds
    on_agenda = Problem.objects.filter(agenda_items__meeting=upcoming)
    assert set(on_agenda.values_list("level", flat=True)) == {4}


def test_demo_liaison_demands_and_visits(demo, db):
    demands = Problem.objects.filter(source=Problem.Source.DEMAND)
    rated = demands.exclude(satisfaction="")
    assert rated.exists()
    assert not rated.exclude(state=Problem.State.CLOSED).exists()
    urgent = demands.get(urgent=True)
    wait = urgent.plan_due_at - urgent.events.first().at
    assert timedelta(hours=2) - timedelta(seconds=1) < wait <= timedelta(hours=2)
    for demand in demands.exclude(answered_at=None):
        assert demand.answered_at <= demand.plan_due_at, demand
    liaison = Responsibility.objects.filter(relation=Responsibility.Relation.LIAISON)
    assert liaison.filter(enterprise__isnull=False).exists()
    assert liaison.filter(work_item__isnull=False).exists()
    office = User.objects.get(username="tuijinban")
    rows = liaison_figures(user=office)
    assert len(rows) == len(LEADERS)
    assert sum(r.demands for r in rows) > 0
    assert sum(r.visits for r in rows) > 0
    raised = Visit.objects.filter(problems__isnull=False).distinct()
    roles = set(raised.values_list("visitor__role", flat=True))
    assert roles == {User.Role.STEWARD, User.Role.LEADER}
    assert Visit.objects.filter(problems__isnull=True).count() > raised.count()
    assert all(v.findings for v in Visit.objects.all())
    for problem in Problem.objects.filter(visit__isnull=False).select_related("visit"):
        assert problem.visit.date == problem.reported_on


def test_demo_closes_out_problems_month_by_month(demo, db):
    closed = Problem.objects.filter(state=Problem.State.CLOSED)
    months_2024 = set(closed.filter(close_year=2024).values_list("close_month", flat=True))
    assert len(months_2024) >= 5
    assert max(months_2024) <= 5  # up to the last reported month
    for problem in Problem.objects.all():
        if problem.closed_at is not None:
            assert Period.of(problem.closed_at) == problem.close_period, problem
        else:
            assert problem.close_year is None and problem.close_month is None, problem
    office = User.objects.get(username="tuijinban")
    for month in months_2024:
        assert closeout_list(user=office, period=Period(2024, month)).exists()


def test_demo_problem_dates_tell_one_story(demo, db):
    first, last = date(2023, 5, 1), date(2024, 6, 12)
    for p in Problem.objects.prefetch_related("events"):
        assert first <= p.reported_on <= last, p
        if p.original_due_date is not None:
            assert p.reported_on < p.original_due_date <= p.due_date, p
        events = list(p.events.all())
        assert events[0].action == ProblemEvent.Action.REPORT
        assert timezone.localtime(events[0].at).date() == p.reported_on
        assert all(first <= timezone.localtime(e.at).date() <= last for e in events), p
        # the notes quote the story's dates, not those the services saw while it ran
        assert not any(str(year) in e.note for e in events for year in range(2025, 2040)), p
    for model in (Feedback, Coordination, ExtensionRequest, Meeting, Visit):
        assert not model.objects.filter(created_at__date__gt=last).exists(), model
    assert not Problem.history.filter(history_date__date__gt=last).exists()
    assert not Coordination.objects.filter(deadline__year__gt=2024).exists()


def test_demo_unit_reporter_sees_only_their_units_problems(demo, db):
    reporter = User.objects.get(username="zjj-reporter")
    zjj = reporter.unit
    items = set(
        WorkItem.objects.filter(Q(lead_unit=zjj) | Q(co_units=zjj)).values_list("pk", flat=True)
    )
    seen = list(problem_list(user=reporter))
    assert seen
    for problem in seen:
        assert (
            problem.lead_unit_id == zjj.pk
            or zjj in problem.co_units.all()
            or problem.reporting_unit_id == zjj.pk
            or problem.work_item_id in items
        ), problem
    led = set(Problem.objects.filter(lead_unit=zjj).values_list("pk", flat=True))
    assert led and {p.pk for p in seen} >= led
    assert len(seen) < Problem.objects.count()


def test_demo_ledger_history_tells_the_same_story_and_names_who_acted(demo, db):
    # the ledger's and the reports' history lies in 2023–2024, as their rows do
    first, last = date(2022, 12, 1), date(2024, 6, 30)
    for model in (Project, WorkItem, MonthlyReport):
        dates = model.history.aggregate(lo=Min("history_date"), hi=Max("history_date"))
        assert first <= timezone.localtime(dates["lo"]).date(), model
        assert timezone.localtime(dates["hi"]).date() <= last, model
        assert not model.objects.filter(created_at__date__gt=last).exists(), model
        # every change names a person: the office set the ledger up, units filled reports
        assert not model.history.filter(history_user__isnull=True).exists(), model
    # a report's history runs in order: drafted, then submitted, then reviewed
    report = MonthlyReport.objects.filter(state=MonthlyReport.State.ACCEPTED, year=2024).first()
    rows = list(report.history.order_by("history_id"))
    assert [r.history_date for r in rows] == sorted(r.history_date for r in rows)
    assert rows[-1].history_user_id == report.reviewed_by_id
    assert abs(rows[-1].history_date - report.reviewed_at) < timedelta(seconds=1)

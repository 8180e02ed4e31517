"""The demo district: built once for the module (it takes some seconds), rolled back after."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.test import Client, override_settings

from duban.core.periods import Period
from duban.demo.build import build_demo, demo_counts, demo_is_loaded
from duban.demo.catalogue import DEMO_PASSWORD, LEADERS, PROJECTS, TASKS, UNITS
from duban.demo.wipe import demo_wipe
from duban.ledger.models import NodeTemplateSet, Project, WorkItem
from duban.ledger.validators import validate_project_code
from duban.org.models import Enterprise, Responsibility, Unit, User
from duban.org.scoping import scope_for
from duban.org.validators import validate_credit_code
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
    # when (inside this test's savepoint: the module's demo comes back afterwards)
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

"""`duban demo --scale province`: a small variant, so CI runs the code without the full size."""

from __future__ import annotations

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import Client

from duban.core import clock
from duban.core.periods import Period
from duban.demo.calendar import DemoCalendar
from duban.demo.catalogue import DEMO_PASSWORD
from duban.demo.province import MARKER, ProvinceSize, build_province, province_counts
from duban.ledger.models import Milestone, PlanMonth, WorkItem
from duban.ledger.scoping import work_items_in
from duban.org.models import Responsibility, Unit, User
from duban.org.scoping import scope_for
from duban.problems.models import Problem, ProblemEvent
from duban.reporting.models import MonthClose, MonthlyReport
from duban.reporting.services import report_is_late

pytestmark = [pytest.mark.django_db]

SMALL = ProvinceSize(units=20, items=200, problems=600)


@pytest.fixture
def province():
    with clock.travel(date(2026, 11, 30)):
        yield build_province(seed=7, size=SMALL)


def test_province_has_the_sizes_asked_for(province):
    counts = province.counts
    assert province.created
    assert counts["units"] == 20
    assert counts["items"] == 200
    assert counts["projects"] == 150  # three projects to one task
    assert counts["plan_curves"] == 50  # a quarter of the items
    assert counts["milestones"] == 150 * 4
    assert counts["problems"] == 600
    # twelve months of last year, about 3% missing
    assert 0.95 * 200 * 12 <= counts["reports"] < 200 * 12
    assert province_counts() == counts


def test_province_is_one_year_reported_and_left_open(province):
    year = DemoCalendar(date(2026, 11, 30)).last_year
    assert set(WorkItem.objects.values_list("year", flat=True)) == {year}
    months = set(MonthlyReport.objects.values_list("year", "month"))
    assert months == {(year, m) for m in range(1, 13)}
    assert set(MonthlyReport.objects.values_list("state", flat=True)) == {
        MonthlyReport.State.ACCEPTED
    }
    assert not MonthClose.objects.exists()  # benchmarks close the months themselves
    reports = list(MonthlyReport.objects.all())
    late = [r for r in reports if report_is_late(r, 5)]
    assert 0.05 * len(reports) < len(late) < 0.15 * len(reports)
    assert all(r.reviewed_at > r.submitted_at for r in reports)
    # every plan curve has twelve months adding up to the annual plan
    curves = PlanMonth.objects.values("work_item_id").annotate(n=Count("id"))
    assert {c["n"] for c in curves} == {12}
    for item in WorkItem.objects.filter(plan_months__isnull=False).distinct()[:10]:
        assert sum(m.amount for m in item.plan_months.all()) == item.annual_plan


def test_province_is_a_valid_district(province):
    # a units tree; a head and a reporter in each unit; every role has an account
    assert Unit.objects.filter(parent__isnull=True).exists()
    assert Unit.objects.filter(parent__isnull=False).exists()
    for unit in Unit.objects.annotate(
        heads=Count("members", filter=Q(members__role=User.Role.UNIT_HEAD)),
        reporters=Count("members", filter=Q(members__role=User.Role.REPORTER)),
    ):
        assert unit.heads == 1 and unit.reporters == 1, unit
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)
    # items handed out, each with a lead unit in the tree; nodes only on projects
    assert not WorkItem.objects.exclude(status=WorkItem.Status.ACTIVE).exists()
    assert not WorkItem.objects.filter(lead_unit__isnull=True).exists()
    assert not Milestone.objects.filter(work_item__kind=WorkItem.Kind.TASK).exists()
    # scoping: the office sees all, a unit's reporter its unit's items, a leader theirs
    office = User.objects.get(username=MARKER)
    assert work_items_in(scope_for(office)).count() == 200
    reporter = User.objects.get(username="p00019-rep")  # of a unit without units below it
    assert not Unit.objects.filter(parent=reporter.unit).exists()
    seen = work_items_in(scope_for(reporter))
    assert 0 < seen.count() < 200
    assert set(seen.values_list("lead_unit_id", flat=True)) == {reporter.unit_id}
    leader = User.objects.get(username="p-leader0")
    assert Responsibility.objects.filter(leader=leader).exists()
    assert 0 < work_items_in(scope_for(leader)).count() < 200
    # the accounts sign in with the demo's password
    assert Client().login(username=MARKER, password=DEMO_PASSWORD)


def test_province_problems_in_every_state_with_agreeing_facts(province):
    states = Counter(Problem.objects.values_list("state", flat=True))
    assert set(states) == set(Problem.State.values)
    assert states[Problem.State.CLOSED] > len(Problem.State.values) * 10
    for problem in Problem.objects.all():
        if problem.state == Problem.State.CLOSED:
            assert problem.close_period == Period.of(problem.closed_at), problem
        else:
            assert problem.closed_at is None, problem
        if problem.state == Problem.State.MERGED:
            assert problem.merged_into.state == Problem.State.CLOSED
        if problem.state == Problem.State.REJECTED:
            assert problem.reject_reason
        if problem.due_date is not None:
            assert problem.reported_on < problem.due_date
    assert ProblemEvent.objects.filter(action=ProblemEvent.Action.REPORT).count() == 600
    # history: one creation row per problem
    assert Problem.history.filter(history_type="+").count() == 600


def test_province_is_deterministic_and_built_once(province):
    first = list(WorkItem.objects.order_by("pk").values_list("annual_plan", "planned_start"))
    again = build_province(seed=7, size=SMALL)
    assert not again.created
    assert again.counts == province.counts
    assert first == list(
        WorkItem.objects.order_by("pk").values_list("annual_plan", "planned_start")
    )


def test_demo_command_builds_a_small_province(settings, tmp_path, monkeypatch):
    from duban.demo.management.commands import demo as demo_command

    settings.DATA_DIR = tmp_path / "var"
    settings.SECRET_KEY = "insecure-test-key"
    monkeypatch.setattr(demo_command, "call_command", lambda *a, **kw: None)
    out = StringIO()
    call_command(
        "demo",
        "--scale",
        "province",
        "--units",
        "10",
        "--items",
        "40",
        "--problems",
        "50",
        "--no-serve",
        stdout=out,
    )
    text = out.getvalue()
    assert "省级规模数据已载入" in text and "事项40项" in text and "问题50个" in text
    assert MARKER in text and DEMO_PASSWORD in text
    assert WorkItem.objects.count() == 40


def test_demo_command_refuses_a_province_too_small(settings, tmp_path, monkeypatch):
    from django.core.management.base import CommandError

    from duban.demo.management.commands import demo as demo_command

    settings.DATA_DIR = tmp_path / "var"
    settings.SECRET_KEY = "insecure-test-key"
    monkeypatch.setattr(demo_command, "call_command", lambda *a, **kw: None)
    with pytest.raises(CommandError, match="至少需要10个单位"):
        call_command("demo", "--scale", "province", "--units", "3", "--no-serve")
    assert not WorkItem.objects.exists()


def test_demo_command_keeps_the_demo_and_the_province_apart(
    province, settings, tmp_path, monkeypatch
):
    from django.core.management.base import CommandError

    from duban.demo.management.commands import demo as demo_command

    settings.DATA_DIR = tmp_path / "var"
    settings.SECRET_KEY = "insecure-test-key"
    monkeypatch.setattr(demo_command, "call_command", lambda *a, **kw: None)
    before = province_counts()
    with pytest.raises(CommandError, match="省级规模数据"):
        call_command("demo", "--no-serve")
    assert province_counts() == before

"""Top leaders' scope (issue 12): a district's 主要领导 sees the whole district; the chair of a
meeting sees every problem on its agenda (and so may open each one the agenda links to)."""

from __future__ import annotations

from datetime import date

import pytest

from duban.core.errors import ApplicationError
from duban.ledger.selectors import work_item_list
from duban.org.models import User
from duban.org.scoping import forget_scope, scope_for
from duban.org.services import user_create
from duban.problems import services as svc
from duban.problems.models import Meeting, Problem
from duban.problems.scoping import problems_q
from tests import factories as f
from tests.problem_factories import AssignedProblemFactory


def _problems_seen(user: User) -> set[int]:
    return set(Problem.objects.filter(problems_q(scope_for(user))).values_list("pk", flat=True))


def test_principal_leader_sees_every_item_and_problem_of_the_district(district):
    # given: the leader is 分管 of unit A only, and a problem of unit B's item exists
    d = district
    other = AssignedProblemFactory(work_item=d.item_x, reported_by=d.reporter_b)
    assert d.item_x.pk not in set(work_item_list(user=d.leader).values_list("pk", flat=True))
    assert other.pk not in _problems_seen(d.leader)
    # when: the leader is marked as the district's 主要领导
    User.objects.filter(pk=d.leader.pk).update(principal=True)
    leader = User.objects.get(pk=d.leader.pk)
    # then
    every_item = {d.item_a.pk, d.item_b.pk, d.item_c.pk, d.item_x.pk, d.task_a.pk}
    assert set(work_item_list(user=leader).values_list("pk", flat=True)) == every_item
    assert other.pk in _problems_seen(leader)
    assert scope_for(leader).everything


def test_principal_leader_gains_no_office_powers(district, login):
    User.objects.filter(pk=district.leader.pk).update(principal=True)
    leader = User.objects.get(pk=district.leader.pk)
    assert not leader.is_office
    client = login(leader)
    assert client.get("/overview/close-month/").status_code in (403, 404)


def test_principal_flag_only_for_leaders(district):
    with pytest.raises(ApplicationError):
        user_create(username="zhu", role=User.Role.REPORTER, unit_code="a", principal=True)
    user = user_create(username="shuji", role=User.Role.LEADER, principal=True)
    assert user.is_principal
    # the flag on any other role gives nothing even if set behind the service's back
    viewer = district.viewer
    viewer.principal = False
    forget_scope(viewer)
    assert not scope_for(viewer).everything


def test_principal_flag_on_a_non_leader_is_refused_by_the_database(district):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=district.viewer.pk).update(principal=True)


def test_chair_sees_every_problem_on_the_agenda_and_can_open_it(district, login):
    # given: a county-level meeting chaired by a leader whose 分管 is unit A only,
    # with unit B's problem on its agenda
    d = district
    mine = AssignedProblemFactory(work_item=d.item_a, reported_by=d.reporter_a, level=4)
    theirs = AssignedProblemFactory(work_item=d.item_x, reported_by=d.reporter_b, level=4)
    chair = f.UserFactory(username="chair", role=User.Role.LEADER, unit=None)
    meeting = svc.meeting_schedule(
        by=d.office,
        data={
            "kind": Meeting.Kind.MONTHLY,
            "level": 4,
            "title": "4月调度会",
            "chair": chair,
            "date": date(2024, 4, 20),
        },
    )
    on_agenda = set(meeting.agenda.values_list("problem_id", flat=True))
    assert {mine.pk, theirs.pk} <= on_agenda
    # when
    forget_scope(chair)
    seen = _problems_seen(chair)
    # then: the chair sees both; a leader who neither chairs nor holds B does not see B's
    assert {mine.pk, theirs.pk} <= seen
    assert theirs.pk not in _problems_seen(d.leader)
    client = login(chair)
    assert client.get(theirs.get_absolute_url()).status_code == 200
    assert login(d.leader).get(theirs.get_absolute_url()).status_code == 404


def test_demo_district_head_is_a_principal_leader():
    from duban.demo.catalogue import LEADERS

    principals = [spec.username for spec in LEADERS if spec.principal]
    assert principals == ["quzhang"]

"""A coordination opinion is recorded in the name of the one who acts: a leader cannot speak
for another leader (service, API, page); the office may record for a leader, marked so."""

from __future__ import annotations

from datetime import date

import pytest
from ninja.testing import TestClient

from duban.core.errors import ApplicationError
from duban.org.models import User
from duban.org.services import api_token_create
from duban.problems import services as svc
from duban.problems.api import router
from duban.problems.models import Coordination, ProblemEvent
from tests import factories as f
from tests.problem_factories import AssignedProblemFactory


@pytest.fixture
def problem(district):
    return AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)


@pytest.fixture
def other_leader(district):
    return f.UserFactory(username="leader2", role=User.Role.LEADER, unit=None, full_name="李副区长")


def test_leader_cannot_record_an_opinion_in_another_leaders_name(district, problem, other_leader):
    with pytest.raises(ApplicationError, match="本人名义") as refused:
        svc.coordination_create(
            problem=problem,
            by=district.leader,
            leader=other_leader,
            text="t",
            units=[district.unit_a],
            deadline=date(2024, 5, 1),
        )
    assert refused.value.code == "forbidden"
    assert not Coordination.objects.exists()


def test_leader_opinion_is_their_own_and_not_on_behalf(district, problem):
    opinion = svc.coordination_create(
        problem=problem,
        by=district.leader,
        text="t",
        units=[district.unit_a],
        deadline=date(2024, 5, 1),
    )
    assert (opinion.leader, opinion.created_by, opinion.on_behalf) == (
        district.leader,
        district.leader,
        False,
    )


def test_office_records_for_a_leader_marked_on_behalf(district, problem, other_leader):
    opinion = svc.coordination_create(
        problem=problem,
        by=district.office,
        leader=other_leader,
        text="请加快",
        units=[district.unit_a],
        deadline=date(2024, 5, 1),
    )
    assert (opinion.leader, opinion.created_by, opinion.on_behalf) == (
        other_leader,
        district.office,
        True,
    )
    event = problem.events.get(action=ProblemEvent.Action.OPINION)
    assert event.actor == district.office
    assert "代为录入" in event.note


def test_api_refuses_a_leader_naming_another_leader(district, problem, other_leader):
    client = TestClient(router)
    headers = {"Authorization": f"Bearer {api_token_create(user=district.leader)}"}
    response = client.post(
        f"/problems/{problem.pk}/opinion",
        json={
            "version": problem.version,
            "text": "t",
            "units": [district.unit_a.pk],
            "deadline": "2024-05-01",
            "leader": other_leader.pk,
        },
        headers=headers,
    )
    assert response.status_code == 403
    assert "本人名义" in response.json()["detail"]
    assert not Coordination.objects.exists()
    office = {"Authorization": f"Bearer {api_token_create(user=district.office)}"}
    response = client.post(
        f"/problems/{problem.pk}/opinion",
        json={
            "version": problem.version,
            "text": "t",
            "units": [district.unit_a.pk],
            "deadline": "2024-05-01",
            "leader": other_leader.pk,
        },
        headers=office,
    )
    assert response.status_code == 200
    listed = client.get("/coordination", headers=office).json()["items"][0]
    assert listed["on_behalf"] is True
    assert listed["recorded_by"]["username"] == "office"


def test_page_ignores_a_leader_picked_by_a_leader(district, problem, other_leader, login):
    client = login(district.leader)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'name="leader"' not in page
    response = client.post(
        f"/problems/{problem.pk}/opinion/",
        {
            "leader": other_leader.pk,
            "text": "t",
            "units": [district.unit_a.pk],
            "deadline": "2024-05-01",
        },
    )
    assert response.status_code == 302
    assert Coordination.objects.get().leader == district.leader

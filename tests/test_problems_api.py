"""The problems API router: scope, transitions, refusals as HTTP answers."""

from __future__ import annotations

from datetime import date

import pytest
from ninja.testing import TestClient

from duban.org.services import api_token_create
from duban.problems.api import router
from duban.problems.models import Problem
from tests.problem_factories import AssignedProblemFactory, ClosedProblemFactory, MeetingFactory


@pytest.fixture
def api():
    client = TestClient(router)

    def call(user, method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {api_token_create(user=user)}"}
        return getattr(client, method)(path, headers=headers, **kwargs)

    return call


@pytest.fixture
def problems(district):
    mine = AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    theirs = AssignedProblemFactory(work_item=district.item_x, reported_by=district.reporter_b)
    closed = ClosedProblemFactory(
        work_item=district.item_a, reported_by=district.reporter_a, close_month=4
    )
    return mine, theirs, closed


def test_api_requires_a_token(district):
    assert TestClient(router).get("/problems").status_code == 401


def test_api_lists_are_scoped(district, problems, api):
    mine, theirs, closed = problems
    body = api(district.reporter_a, "get", "/problems").json()
    assert {p["id"] for p in body["items"]} == {mine.pk, closed.pk}
    assert api(district.office, "get", "/problems").json()["count"] == 3
    assert [p["id"] for p in api(district.reporter_a, "get", "/problems/open").json()["items"]] == [
        mine.pk
    ]
    closeout = api(district.office, "get", "/problems/closeout/2024-04").json()
    assert [p["id"] for p in closeout["items"]] == [closed.pk]
    assert api(district.office, "get", "/problems/closeout/2024-13").status_code == 422
    assert api(district.reporter_a, "get", f"/problems/{theirs.pk}").status_code == 404
    detail = api(district.reporter_a, "get", f"/problems/{mine.pk}").json()
    assert detail["lead_unit"]["id"] == district.unit_a.pk
    tasks = api(district.reporter_a, "get", "/tasks", query_params={"year": 2024}).json()
    assert {t["title"]: t["open_problems"] for t in tasks["items"]}["发改项目甲"] == 1


def test_api_figures(district, problems, api):
    body = api(district.office, "get", "/problems/figures/2024-04").json()
    # reported 2024-04-01: three in April, one closed in April
    assert (body["total"], body["new"], body["closed"], body["open"]) == (3, 3, 1, 2)
    assert body["completion_pct"] == "33.3333"


def test_api_report_and_carry_to_close(district, api):
    created = api(
        district.reporter_a,
        "post",
        "/problems",
        json={
            "work_item_id": district.item_a.pk,
            "category": "land",
            "title": "缺指标",
            "description": "d",
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]

    def act(user, action, **body):
        version = Problem.objects.get(pk=pk).version
        return api(user, "post", f"/problems/{pk}/{action}", json={"version": version, **body})

    assert act(district.office, "accept").status_code == 200
    response = act(district.office, "assign", lead_unit=district.unit_a.pk, due_date="2024-04-30")
    assert response.json()["state"] == "assigned"
    assert act(district.reporter_a, "feedback", text="已落实").status_code == 200
    assert act(district.office, "verify").status_code == 200
    closed = act(district.office, "close").json()
    assert (closed["state"], closed["close_month"]) == ("closed", "2024-04")
    events = api(district.office, "get", f"/problems/{pk}").json()["events"]
    assert [e["action"] for e in events] == [
        "report",
        "accept",
        "assign",
        "feedback",
        "verify",
        "close",
    ]


def test_api_refusals(district, problems, api):
    mine, theirs, _closed = problems
    # role: 403 with the reason
    # no version: 422 (a post without it could overwrite a newer save)
    response = api(district.office, "post", f"/problems/{mine.pk}/close", json={})
    assert response.status_code == 422
    v = {"version": mine.version}
    response = api(district.reporter_a, "post", f"/problems/{mine.pk}/close", json=v)
    assert response.status_code == 403
    assert "推进办" in response.json()["detail"]
    # state: 422
    response = api(district.office, "post", f"/problems/{mine.pk}/close", json=v)
    assert response.status_code == 422
    assert "已核实" in response.json()["detail"]
    # stale version: 409
    response = api(
        district.reporter_a,
        "post",
        f"/problems/{mine.pk}/feedback",
        json={"text": "x", "version": 99},
    )
    assert response.status_code == 409
    # out of scope: 404
    assert (
        api(
            district.reporter_a,
            "post",
            f"/problems/{theirs.pk}/feedback",
            json={"text": "x", "version": 1},
        ).status_code
        == 404
    )
    mine.refresh_from_db()
    assert mine.state == Problem.State.ASSIGNED


def test_api_extension_and_opinion_flow(district, problems, api):
    mine, _theirs, _closed = problems
    response = api(
        district.reporter_a,
        "post",
        f"/problems/{mine.pk}/extension",
        json={"reason": "等审批", "new_due_date": "2024-05-31", "version": mine.version},
    )
    assert response.status_code == 200
    detail = api(district.office, "get", f"/problems/{mine.pk}").json()
    ext_id, v = detail["extensions"][0]["id"], {"version": detail["extensions"][0]["version"]}
    assert api(district.office, "post", f"/extensions/{ext_id}/accept", json=v).status_code == 403
    # without the version it was read at: 422, nothing changes
    assert api(district.head_a, "post", f"/extensions/{ext_id}/accept", json={}).status_code == 422
    head = api(district.head_a, "post", f"/extensions/{ext_id}/accept", json=v).json()
    assert head["state"] == "pending_office"
    assert api(district.office, "post", f"/extensions/{ext_id}/accept", json=v).status_code == 409
    v = {"version": head["version"]}
    assert (
        api(district.office, "post", f"/extensions/{ext_id}/accept", json=v).json()["state"]
        == "approved"
    )
    mine.refresh_from_db()
    assert (mine.due_date, mine.original_due_date) == (date(2024, 5, 31), date(2024, 4, 30))
    opinion = api(
        district.leader,
        "post",
        f"/problems/{mine.pk}/opinion",
        json={
            "text": "抓紧",
            "units": [district.unit_a.pk],
            "deadline": "2024-04-15",
            "version": mine.version,
        },
    )
    assert opinion.status_code == 200
    ops = api(district.reporter_a, "get", "/coordination").json()["items"]
    assert len(ops) == 1
    fb = api(
        district.reporter_a, "post", f"/coordination/{ops[0]['id']}/feedback", json={"text": "已办"}
    )
    assert fb.status_code == 201
    review = f"/feedback/{fb.json()['id']}/accept"
    assert api(district.office, "post", review, json={}).status_code == 422
    reviewed = api(district.office, "post", review, json={"version": fb.json()["version"]}).json()
    assert reviewed["state"] == "accepted"
    assert api(district.office, "get", "/coordination").json()["items"][0]["state"] == "completed"


def test_api_meetings_scope(district, api):
    meeting = MeetingFactory(chair=district.leader, created_by=district.office)
    listed = api(district.leader, "get", "/meetings").json()
    assert listed["count"] == 1 and [m["id"] for m in listed["items"]] == [meeting.pk]
    assert api(district.reporter_b, "get", f"/meetings/{meeting.pk}").status_code == 404
    from duban.liaison.api import router as liaison_router

    leaders = TestClient(liaison_router).get(
        "/liaison/leaders",
        headers={"Authorization": f"Bearer {api_token_create(user=district.office)}"},
    )
    assert leaders.json() == []
    demands = api(district.office, "get", "/liaison/demands/2024").json()
    assert (demands["received"], demands["completion_pct"]) == (0, None)


def test_api_router_has_an_openapi_schema():
    from ninja import NinjaAPI

    api = NinjaAPI(urls_namespace="problems-schema-test")
    api.add_router("", router)
    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    assert "/api/v1/problems/{problem_id}/{action}" in paths
    assert "/api/v1/liaison/demands/{year}" in paths
    assert 401 in paths["/api/v1/problems"]["get"]["responses"]


def test_api_refuses_a_due_date_in_year_9999_and_changes_nothing(district, problems, api):
    mine, _theirs, closed = problems
    due = mine.due_date
    # when: an extension to 9999-12-31
    r = api(
        district.reporter_a,
        "post",
        f"/problems/{mine.pk}/extension",
        json={"version": mine.version, "reason": "征地未完成", "new_due_date": "9999-12-31"},
    )
    # then
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "申请延至9999-12-31不在合理范围内：应在2000年1月1日至2034年12月31日之间。"
    )
    mine.refresh_from_db()
    assert mine.due_date == due and not mine.extensions.exists()
    # when: the office reopens a closed problem with a due date in year 9999
    r = api(
        district.office,
        "post",
        f"/problems/{closed.pk}/reopen",
        json={"version": closed.version, "reason": "群众再次反映", "due_date": "9999-12-31"},
    )
    assert r.status_code == 422 and "新的办理时限9999-12-31不在合理范围内" in r.json()["detail"]
    closed.refresh_from_db()
    assert closed.state == Problem.State.CLOSED

"""The office's writes over the API (units, responsibilities, accounts, enterprises) and
visits; no answer carries a password."""

from __future__ import annotations

from django.test import Client

from duban.liaison.models import Visit
from duban.org.models import ApiToken, Enterprise, Responsibility, Unit, User
from duban.org.services import api_token_create
from duban.problems.models import Problem


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


def post(client: Client, path: str, body: dict | None = None):
    return client.post(f"/api/v1{path}", body or {}, content_type="application/json")


def test_office_creates_a_unit_and_a_responsibility_others_are_refused(district):
    office = api(district.office)
    unit = {"code": "c", "name": "区水务局", "kind": "department"}
    assert post(api(district.head_a), "/units", unit).status_code == 403
    created = post(office, "/units", unit)
    assert created.status_code == 201, created.content
    assert post(office, "/units", unit).status_code == 422  # taken code
    assert Unit.objects.filter(code="c").count() == 1
    # GET /units still lists (the same path, another method)
    assert office.get("/api/v1/units").status_code == 200
    r = post(
        office,
        "/responsibilities",
        {"leader_id": district.leader.pk, "relation": "in_charge", "unit_id": created.json()["id"]},
    )
    assert r.status_code == 201, r.content
    none = post(office, "/responsibilities", {"leader_id": district.leader.pk, "relation": "lead"})
    assert none.status_code == 422
    assert Responsibility.objects.filter(unit__code="c").count() == 1


def test_office_manages_accounts_without_ever_returning_a_password(district):
    office = api(district.office)
    created = post(
        office,
        "/users",
        {
            "username": "rep_c",
            "role": "reporter",
            "unit_id": district.unit_b.pk,
            "password": "Zx-91!plmq-Qa",
        },
    )
    assert created.status_code == 201, created.content
    assert "Zx-91" not in created.content.decode()
    assert set(created.json()) == {
        "id",
        "username",
        "name",
        "role",
        "unit",
        "is_active",
        "must_change_password",
    }
    user = User.objects.get(username="rep_c")
    assert user.check_password("Zx-91!plmq-Qa") and user.must_change_password
    assert post(office, "/users", {"username": "x", "role": "reporter"}).status_code == 422
    weak = post(office, f"/users/{user.pk}/password", {"password": "123"})
    assert weak.status_code == 422
    reset = post(office, f"/users/{user.pk}/password", {"password": "Nw-77!trew-Lk"})
    assert reset.status_code == 200 and "Nw-77" not in reset.content.decode()
    user.refresh_from_db()
    assert user.check_password("Nw-77!trew-Lk") and user.must_change_password
    api_token_create(user=user)
    gone = post(office, f"/users/{user.pk}/deactivate")
    assert gone.status_code == 200 and gone.json()["is_active"] is False
    assert not ApiToken.objects.filter(user=user, revoked=False).exists()
    assert post(office, f"/users/{district.office.pk}/deactivate").status_code == 422
    assert (
        post(api(district.head_a), f"/users/{user.pk}/password", {"password": "x"}).status_code
        == 403
    )


def test_enterprises_created_by_the_office_and_listed_in_scope(district):
    office = api(district.office)
    before = Enterprise.objects.count()
    e = post(office, "/enterprises", {"name": "某某科技有限公司", "credit_code": "BAD"})
    assert e.status_code == 422
    ok = post(office, "/enterprises", {"name": "某某科技有限公司"})
    assert ok.status_code == 201, ok.content
    assert office.get("/api/v1/enterprises").json()["count"] == before + 1
    listed = api(district.reporter_a).get("/api/v1/enterprises?page_size=200").json()["items"]
    assert ok.json()["id"] not in {e["id"] for e in listed}  # in no one's scope but the office's
    assert Enterprise.objects.count() == before + 1


def test_visit_recorded_listed_and_a_finding_turned_into_a_problem(district):
    steward = api(district.steward)
    body = {"date": "2024-04-02", "work_item_id": district.item_c.pk, "findings": "用地未落实"}
    assert post(api(district.reporter_a), "/visits", body).status_code in (403, 404)
    visit = post(steward, "/visits", body)
    assert visit.status_code == 201, visit.content
    assert steward.get("/api/v1/visits").json()["count"] == 1
    # an item outside the steward's scope → 404
    out = post(steward, "/visits", {**body, "work_item_id": district.item_a.pk})
    assert out.status_code == 404
    problem = post(
        steward,
        f"/visits/{visit.json()['id']}/problems",
        {"category": Problem.Category.values[0], "title": "用地指标", "description": "用地未落实"},
    )
    assert problem.status_code == 201, problem.content
    assert Problem.objects.get().visit_id == Visit.objects.get().pk

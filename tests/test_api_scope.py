"""The API sees exactly what the pages see: the same selectors, the same 404 for out of scope."""

from __future__ import annotations

import pytest
from django.test import Client

from duban.ledger.selectors import work_item_list
from duban.org.selectors import unit_list
from duban.org.services import api_token_create
from duban.reporting.selectors import report_list
from tests import factories as f

ROLES = ["office", "leader", "head_a", "reporter_a", "reporter_b", "head_b", "steward", "viewer"]


def _client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


@pytest.fixture
def reports(district):
    """One report on every item, so every role has some in scope and some out of it."""
    return {
        name: f.ReportFactory(work_item=getattr(district, name), month=3)
        for name in ("item_a", "item_b", "item_c", "item_x", "task_a")
    }


def test_roles_cover_every_district_user(district):
    assert sorted(district.users()) == sorted(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_api_work_items_lists_exactly_the_selector_scope(district, role):
    # given
    user = district.users()[role]
    expected = set(work_item_list(user=user).values_list("pk", flat=True))
    # when
    body = _client(user).get("/api/v1/work-items", {"page_size": 500}).json()
    # then
    assert {item["id"] for item in body["items"]} == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize("role", ROLES)
def test_api_units_lists_exactly_the_selector_scope(district, role):
    user = district.users()[role]
    body = _client(user).get("/api/v1/units").json()
    assert {u["id"] for u in body["items"]} == set(
        unit_list(user=user).values_list("pk", flat=True)
    )


@pytest.mark.parametrize("role", ROLES)
def test_api_reports_lists_exactly_the_selector_scope(district, reports, role):
    user = district.users()[role]
    body = _client(user).get("/api/v1/reports").json()
    assert {r["id"] for r in body["items"]} == set(
        report_list(user=user).values_list("pk", flat=True)
    )


@pytest.mark.parametrize("role", ROLES)
def test_api_work_item_out_of_scope_answers_404_like_a_missing_one(district, role):
    # given
    user = district.users()[role]
    client = _client(user)
    visible = set(work_item_list(user=user).values_list("pk", flat=True))
    all_items = [
        district.item_a,
        district.item_b,
        district.item_c,
        district.item_x,
        district.task_a,
    ]
    missing = client.get("/api/v1/work-items/999999")
    # then
    assert missing.status_code == 404
    for item in all_items:
        for suffix in ("", "/reports"):
            response = client.get(f"/api/v1/work-items/{item.pk}{suffix}")
            if item.pk in visible:
                assert response.status_code == 200, (role, item.title, suffix)
            else:
                assert response.status_code == 404, (role, item.title, suffix)
                assert response.content == missing.content


@pytest.mark.parametrize("role", ROLES)
def test_api_report_out_of_scope_answers_404_like_a_missing_one(district, reports, role):
    # given
    user = district.users()[role]
    client = _client(user)
    visible = set(report_list(user=user).values_list("pk", flat=True))
    missing = client.get("/api/v1/reports/999999")
    # then
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found"}
    for report in reports.values():
        response = client.get(f"/api/v1/reports/{report.pk}")
        if report.pk in visible:
            assert response.status_code == 200
            assert response.json()["id"] == report.pk
        else:
            assert response.status_code == 404
            assert response.content == missing.content


def test_api_reporter_b_cannot_read_unit_a_item(district):
    # A pointed case of the above: B's reporter probing A's own item.
    response = _client(district.reporter_b).get(f"/api/v1/work-items/{district.item_a.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_api_units_query_count_does_not_grow(district, django_assert_max_num_queries):
    # given
    for n in range(30):
        f.UnitFactory(parent=district.unit_a, code=f"sub-{n}")
    client = _client(district.head_a)
    client.get("/api/v1/me")
    # when / then: auth, the user's scope (responsibilities, unit tree), count, page
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/units", {"page_size": 500}).json()
    assert body["count"] == 30 + 3  # A, A1, the new children, and B (lead unit of item_b)

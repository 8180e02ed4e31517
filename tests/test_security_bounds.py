"""Every API parameter is bounded: a year out of range, an id past 64 bits or a page past the
end of all reason answers 422 with the reason, never a server error."""

from __future__ import annotations

import pytest
from django.test import Client

from duban.core.api.params import MAX_ID
from duban.org.services import api_token_create

BIG = str(2**63)


@pytest.fixture
def office_api(district):
    token = api_token_create(user=district.office)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/liaison/demands/0",
        "/api/v1/liaison/demands/99999",
        f"/api/v1/problems?unit={BIG}",
        f"/api/v1/problems?leader={BIG}",
        f"/api/v1/work-items?unit={BIG}",
        f"/api/v1/work-items?leader={BIG}",
        f"/api/v1/reports?unit={BIG}",
        f"/api/v1/work-items/{BIG}",
        f"/api/v1/problems/{BIG}",
        f"/api/v1/meetings/{BIG}",
        f"/api/v1/reports/{BIG}",
        "/api/v1/problems?year=0",
        "/api/v1/liaison/leaders?year=10000",
        f"/api/v1/problems?page={BIG}",
        "/api/v1/problems?page=0",
        "/api/v1/problems?page_size=100000",
        "/api/v1/units?page=9999999999",
        "/api/v1/problems/closeout/0000-01",
    ],
)
def test_out_of_range_parameters_answer_422_with_a_reason(office_api, path):
    response = office_api.get(path)
    assert response.status_code == 422, (path, response.content[:300])
    assert response.json()["detail"]


def test_out_of_range_ids_in_a_body_answer_422(office_api, district):
    from tests.problem_factories import AssignedProblemFactory

    problem = AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    response = office_api.post(
        f"/api/v1/problems/{problem.pk}/assign",
        {"version": problem.version, "lead_unit": 2**63, "co_units": [2**64]},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_every_integer_parameter_in_the_spec_has_an_upper_bound(db):
    """A sweep over the spec: no integer a client sends is unbounded (path, query, form)."""
    spec = Client().get("/api/v1/openapi.json").json()
    unbounded = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for param in operation.get("parameters", []):
                schema = param["schema"]
                options = schema.get("anyOf", [schema])
                for option in options:
                    if (
                        option.get("type") == "integer"
                        and option.get("maximum", MAX_ID + 1) > MAX_ID
                    ):
                        unbounded.append((method, path, param["name"]))
    assert unbounded == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/enterprises", {"name": "\x1f"}, "名称"),
        ("/api/v1/enterprises", {"name": "\x01\x02"}, "名称"),
        ("/api/v1/users", {"username": "\x1f", "role": "viewer"}, "用户名"),
    ],
)
def test_text_of_control_characters_alone_is_refused_as_blank(office_api, path, body, field):
    """Found by schemathesis on the demo: a name of control characters alone passed the
    checks, was stripped to "" on save and then hit the unique index (a 500 on the second
    one). Text is validated as it will be stored: blank, refused with 422 — twice."""
    for _ in range(2):
        answer = office_api.post(path, body, content_type="application/json")
        assert answer.status_code == 422, answer.content
        assert field in answer.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "says"),
    [
        # more query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS
        ("get", "/api/v1/work-items?" + "&".join(f"x{n}=1" for n in range(1001)), {}, "参数过多"),
        ("get", "/api/v1/figures?year=2024&" + "&".join(["key=ledger.items"] * 1001), {}, "参数过多"),
        # a JSON body past DATA_UPLOAD_MAX_MEMORY_SIZE
        (
            "post",
            "/api/v1/notifications/read",
            {"data": '{"ids": null, "pad": "' + "x" * 2_700_000 + '"}', "content_type": "application/json"},
            "请求体过大",
        ),
        # a multipart body without a boundary
        ("post", "/api/v1/ledger-imports", {"data": b"x", "content_type": "multipart/form-data"}, "无法解析"),
    ],
)  # fmt: skip
def test_a_request_django_cannot_read_answers_json_400(office_api, method, path, kwargs, says):
    """Found by hand on the demo: Django refused these with its HTML 400 page, while the spec
    promises `{"detail"}` in JSON for every answer of the API."""
    response = getattr(office_api, method)(path, **kwargs)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert says in response.json()["detail"]


def test_a_body_too_big_with_an_idempotency_key_answers_json_400(office_api):
    response = office_api.post(
        "/api/v1/notifications/read",
        '{"pad": "' + "x" * 2_700_000 + '"}',
        content_type="application/json",
        headers={"Idempotency-Key": "big-1"},
    )
    assert response.status_code == 400
    assert "请求体过大" in response.json()["detail"]

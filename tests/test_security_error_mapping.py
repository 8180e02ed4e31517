"""Every API router answers a refusal through the one mapping (`duban/core/api/errors.py`):
403 with the reason, in the user's language, for a role that may not act; 404 with the one
fixed body for an object out of scope (as for a missing one); 409 for a stale `version`; and
the spec declares each of those answers on every operation."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from duban.core.api.errors import NOT_FOUND
from duban.core.events import NotificationKind
from duban.ledger.models import LedgerImport
from duban.notify.models import Notification
from duban.org.services import api_token_create
from duban.problems import services as svc
from duban.problems.models import Problem
from duban.reporting.models import MonthlyReport
from duban.supervision.models import Flag
from duban.supervision.services.flags import flag_create
from tests import factories as f
from tests.problem_factories import ProblemFactory

OFFICE_ONLY = "只有推进办可以进行此操作。"


@pytest.fixture
def api():
    """Calls through the whole API object (its error handlers included), as a client does."""

    def call(user, method: str, path: str, body: dict | None = None):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")
        kwargs = (
            {} if body is None else {"data": json.dumps(body), "content_type": "application/json"}
        )
        return getattr(client, method)(f"/api/v1{path}", **kwargs)

    return call


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/prompts/draft", {"kind": "due_soon"}),
        ("/months/2024-03/cards/publish", None),
        ("/flags", {"target": "unit", "id": 1, "reason": "r", "actions": "a", "criteria": "c",
                    "deadline": "2024-06-30", "leader": 1}),
        ("/assessment/rankings/2024-03/publish", None),
        ("/assessment/events", {"unit": 1, "rule": 1, "period": "2024-03", "reason": "r",
                                "evidence": "e"}),
    ],
)  # fmt: skip
def test_office_only_operations_answer_403_with_the_reason(district, api, path, body):
    response = api(district.reporter_a, "post", path, body)
    assert response.status_code == 403
    assert response.json() == {"detail": OFFICE_ONLY}


def test_a_unit_may_not_report_on_another_units_flag(district, api):
    # given: unit B is flagged; the office and B's head see the flag
    flag = flag_create(
        unit=district.unit_b,
        reason="进度滞后",
        actions="整改",
        deadline=date(2024, 6, 30),
        criteria="按期完成",
        flagged_by=district.leader,
    )
    body = {"version": flag.version, "text": "已整改"}
    # then: the office (in scope, not the flagged unit) is told why; unit A does not see it
    response = api(district.office, "post", f"/flags/{flag.pk}/progress", body)
    assert response.status_code == 403
    assert response.json() == {"detail": "只有被挂牌单位可以报告进展或申请摘牌。"}
    response = api(district.reporter_a, "post", f"/flags/{flag.pk}/progress", body)
    assert (response.status_code, response.json()) == (404, {"detail": NOT_FOUND})
    assert api(district.reporter_a, "get", f"/flags/{flag.pk}").status_code == 404
    # and a stale version on an office action is a conflict
    response = api(district.office, "post", f"/flags/{flag.pk}/dismiss", {"version": 99})
    assert response.status_code == 409 and "已被他人修改" in response.json()["detail"]
    assert Flag.objects.get(pk=flag.pk).state == flag.state


def test_card_counts_without_a_year_names_the_parameter(district, api):
    response = api(district.office, "get", "/cards/counts")
    assert response.status_code == 422
    assert response.json() == {"detail": "请指定年度（year）。"}


def test_manual_event_for_an_unknown_unit_is_422_with_the_reason(district, api):
    body = {"unit": 999999, "rule": 1, "period": "2024-03", "reason": "r", "evidence": "e"}
    response = api(district.office, "post", "/assessment/events", body)
    assert response.status_code == 422
    assert response.json() == {"detail": "单位或细则不存在。"}


def test_report_steps_answer_403_404_and_409(district, api):
    # given: a submitted report of unit A's item
    report = f.ReportFactory(work_item=district.item_a)
    path = f"/reports/{report.pk}"
    # then: unit B does not see it; A's reporter may not accept it; a stale version conflicts
    response = api(district.reporter_b, "post", f"{path}/accept", {"version": report.version})
    assert (response.status_code, response.json()) == (404, {"detail": NOT_FOUND})
    response = api(district.reporter_a, "post", f"{path}/accept", {"version": report.version})
    assert response.status_code == 403 and "推进办" in response.json()["detail"]
    stale = {"version": report.version + 1, "reason": "请补充"}
    response = api(district.office, "post", f"{path}/return", stale)
    assert response.status_code == 409
    report.refresh_from_db()
    assert report.state == MonthlyReport.State.SUBMITTED
    # and the step still does its work with the version read
    response = api(district.office, "post", f"{path}/return", {**stale, "version": report.version})
    assert response.status_code == 200 and response.json()["state"] == "returned"


def test_imports_answer_403_with_the_reason_and_404_with_why_nothing_is_there(district, api):
    response = api(district.reporter_a, "get", "/ledger-imports")
    assert response.status_code == 403
    assert response.json() == {"detail": "只有推进办可以导入台账。"}
    response = api(district.viewer, "get", "/monthly-workbook")
    assert response.status_code == 403
    assert response.json() == {"detail": "您的角色不填报单位月报。"}
    # a unit outside the reporter's own: 404 like a missing one
    response = api(district.reporter_a, "get", f"/monthly-workbook?unit={district.unit_b.pk}")
    assert (response.status_code, response.json()) == (404, {"detail": NOT_FOUND})
    # an import without errors has no marked workbook: 404 that says so
    record = LedgerImport.objects.create(
        by=district.office, file_name="台账.xlsx", sha256="0" * 64, size=1, year=2024
    )
    response = api(district.office, "get", f"/ledger-imports/{record.pk}/errors.xlsx")
    assert response.status_code == 404
    assert response.json() == {"detail": "这次导入没有错误，没有标出错误的工作簿。"}


def test_bulletins_and_notifications_answer_through_the_mapping(district, api):
    response = api(district.office, "get", "/bulletins/999999")
    assert (response.status_code, response.json()) == (404, {"detail": NOT_FOUND})
    response = api(district.office, "get", "/figures?year=2024&month=12&key=no-such-figure")
    assert response.status_code == 422 and "no-such-figure" in response.json()["detail"]
    response = api(district.reporter_a, "post", "/notifications/read", {"ids": None})
    assert response.status_code == 200
    assert not Notification.objects.filter(recipient=district.reporter_a, read_at__isnull=True)


@pytest.mark.parametrize("raw", ["[1, 2]", '"all"', "null", "3"])
def test_a_json_body_that_is_not_an_object_answers_400_and_changes_nothing(district, raw):
    # given: two unread notifications; ninja read a non-object body as {} and its defaults
    # (no ids: mark every one read)
    for n in (1, 2):
        Notification.objects.create(
            recipient=district.reporter_a,
            kind=NotificationKind.REPORT_LATE,
            key=f"k{n}",
            target="x",
            target_id=n,
            text="提醒",
        )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=district.reporter_a)}")
    # when
    read = client.post("/api/v1/notifications/read", raw, content_type="application/json")
    put = client.put(
        f"/api/v1/work-items/{district.item_a.pk}/reports/2024-03",
        raw,
        content_type="application/json",
    )
    # then
    assert (read.status_code, put.status_code) == (400, 400)
    assert read.json() == {"detail": "Cannot parse request body"}
    assert Notification.objects.filter(recipient=district.reporter_a, read_at=None).count() == 2
    assert not MonthlyReport.objects.filter(work_item=district.item_a, year=2024, month=3)


@pytest.fixture
def problem(district) -> Problem:
    """Unit A's problem, with unit B asked to help (its answer due)."""
    problem = ProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    problem = svc.problem_accept(problem=problem, by=district.office, version=problem.version)
    return svc.problem_assign(
        problem=problem,
        by=district.office,
        version=problem.version,
        lead_unit=district.unit_a,
        co_units=[district.unit_b],
    )


def test_a_stale_co_unit_answer_is_refused_through_the_api(district, api, problem):
    detail = api(district.head_b, "get", f"/problems/{problem.pk}").json()
    (row,) = detail["co_responses"]
    body = {"version": detail["version"], "answer_version": row["version"]}
    # when: B's head answers, then B's reporter sends the answer's version they read
    first = api(
        district.head_b, "post", f"/problems/{problem.pk}/answer", {**body, "answer": "同意"}
    )
    assert first.status_code == 200
    second = api(
        district.reporter_b, "post", f"/problems/{problem.pk}/answer", {**body, "answer": "另"}
    )
    # then: 409 with the reason; the first answer stands
    assert second.status_code == 409
    assert "配合单位答复已被他人修改" in second.json()["detail"]
    assert problem.co_responses.get().answer == "同意"
    # and without the answer's version the answer is refused with the field named
    missing = api(district.head_b, "post", f"/problems/{problem.pk}/answer", {"version": 1})
    assert missing.status_code == 422 and "answer_version" in missing.json()["detail"]
    # a unit that is no co-unit is told why
    response = api(district.reporter_a, "post", f"/problems/{problem.pk}/answer", body)
    assert response.status_code == 403 and "配合单位" in response.json()["detail"]
    assert Problem.objects.get(pk=problem.pk).state == Problem.State.ASSIGNED


def test_a_stale_co_unit_answer_is_refused_on_the_page(district, login, problem):
    row = problem.co_responses.get()
    page = login(district.reporter_b).get(f"/problems/{problem.pk}/").content.decode()
    assert f'name="version" value="{row.version}"' in page
    svc.problem_answer_as_co_unit(
        problem=problem, by=district.head_b, answer="同意", version=row.version
    )
    response = login(district.reporter_b).post(
        f"/problems/{problem.pk}/answer/", {"version": row.version, "answer": "另"}
    )
    assert response.status_code == 400
    assert "配合单位答复已被他人修改" in response.content.decode()
    assert problem.co_responses.get().answer == "同意"


def test_every_operation_declares_the_mapped_answers(client):
    spec = client.get("/api/v1/openapi.json").json()
    missing = [
        f"{method.upper()} {path}: {code}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for code in ("403", "404", "409", "422")
        if code not in operation["responses"]
    ]
    assert missing == []

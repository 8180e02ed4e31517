"""The write side of the monthly job over the API: fill, submit, sign off, accept, return,
no change, the all-or-nothing batch, and `Idempotency-Key` retries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from duban.api.models import IdempotentRequest
from duban.core import events
from duban.ledger.models import WorkItem
from duban.ledger.selectors import work_item_list
from duban.notify.models import GroupNotice, Notification, WorkGroup
from duban.org.models import Unit
from duban.org.selectors import unit_list
from duban.org.services import api_token_create
from duban.reporting.models import IndicatorValue as IndicatorValueModel
from duban.reporting.models import MonthClose, MonthlyReport, ReportingSettings
from duban.reporting.models import ReportMilestone as ReportMilestoneModel
from duban.reporting.permissions import can_fill_report, can_fill_unit_reports
from tests import factories as f

S = MonthlyReport.State


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


def put(client: Client, item_id: int, period: str, body: dict, **headers):
    return client.put(
        f"/api/v1/work-items/{item_id}/reports/{period}",
        body,
        content_type="application/json",
        headers=headers,
    )


def post(client: Client, path: str, body: dict | None = None, **headers):
    return client.post(
        f"/api/v1{path}", body or {}, content_type="application/json", headers=headers
    )


FILLED = {"investment_month": "120.5", "progress_text": "主体施工"}


def test_put_creates_a_draft_then_updates_it_only_with_its_version(district):
    client = api(district.reporter_a)
    # when: created
    created = put(client, district.item_a.pk, "2024-03", FILLED)
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "draft"
    assert body["investment_month"] == "120.5000"
    # when: updated without a version, with a stale one, with the right one
    missing = put(client, district.item_a.pk, "2024-03", {"progress_text": "封顶"})
    stale = put(client, district.item_a.pk, "2024-03", {"progress_text": "封顶", "version": 99})
    ok = put(
        client,
        district.item_a.pk,
        "2024-03",
        {"progress_text": "封顶", "version": body["version"]},
    )
    # then
    assert missing.status_code == 422 and "version" in missing.json()["detail"]
    assert stale.status_code == 409
    assert ok.status_code == 200
    assert ok.json()["progress_text"] == "封顶"
    assert ok.json()["investment_month"] == "120.5000"  # a field left out keeps its value
    assert MonthlyReport.objects.filter(work_item=district.item_a).count() == 1


def test_put_refuses_out_of_scope_future_bad_amount_and_closed_month(district):
    client = api(district.reporter_a)
    # out of scope: item_x is led by B only → 404 like a missing one
    assert put(client, district.item_x.pk, "2024-03", FILLED).status_code == 404
    assert put(client, 10**12, "2024-03", FILLED).status_code == 404
    # a future month, a bad period, a negative amount → 422 with the reason
    future = put(client, district.item_a.pk, "2024-05", FILLED)
    assert future.status_code == 422 and "未来" in future.json()["detail"]
    assert put(client, district.item_a.pk, "2024-13", FILLED).status_code == 422
    bad = put(client, district.item_a.pk, "2024-03", {"investment_month": "-5"})
    assert bad.status_code == 422
    # a closed month
    MonthClose.objects.create(year=2024, month=2, closed_by=district.office, summary={})
    closed = put(client, district.item_a.pk, "2024-02", FILLED)
    assert closed.status_code == 422 and "关账" in closed.json()["detail"]
    assert not MonthlyReport.objects.exists()


def test_submit_sign_off_accept_and_return_call_the_workflow(district):
    ReportingSettings.objects.update_or_create(pk=1, defaults={"require_head_signoff": True})
    reporter, head, office = api(district.reporter_a), api(district.head_a), api(district.office)
    draft = put(reporter, district.item_a.pk, "2024-03", FILLED).json()
    # when: the reporter submits → waits for the head's sign-off
    submitted = post(reporter, f"/reports/{draft['id']}/submit", {"version": draft["version"]})
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "pending_signoff"
    # the reporter may not sign off; the head may
    v = submitted.json()["version"]
    assert post(reporter, f"/reports/{draft['id']}/sign-off", {"version": v}).status_code == 403
    signed = post(head, f"/reports/{draft['id']}/sign-off", {"version": v})
    assert signed.json()["state"] == "submitted"
    # the office returns it with a reason; a reason is required
    v = signed.json()["version"]
    no_reason = post(office, f"/reports/{draft['id']}/return", {"version": v, "reason": " "})
    assert no_reason.status_code == 422
    returned = post(office, f"/reports/{draft['id']}/return", {"version": v, "reason": "投资偏低"})
    assert returned.json()["state"] == "returned"
    assert returned.json()["return_reason"] == "投资偏低"
    # resubmitted with the fix in one step, signed off, accepted
    fixed = put(
        head,
        district.item_a.pk,
        "2024-03",
        {"investment_month": "300", "version": returned.json()["version"], "submit": True},
    )
    assert fixed.status_code == 200 and fixed.json()["state"] == "submitted"
    accepted = post(office, f"/reports/{draft['id']}/accept", {"version": fixed.json()["version"]})
    assert accepted.json()["state"] == "accepted"
    # a stale version after that is a conflict; a submitted report is no longer editable
    assert post(office, f"/reports/{draft['id']}/accept", {"version": 1}).status_code == 409
    again = put(head, district.item_a.pk, "2024-03", {"version": accepted.json()["version"]})
    assert again.status_code == 422


def test_no_change_for_a_task_and_refused_for_a_project(district):
    f.ReportFactory(work_item=district.task_a, month=2, progress_text="持续推进", state=S.ACCEPTED)
    client = api(district.office)  # task_a is led by A1
    done = post(client, f"/work-items/{district.task_a.pk}/reports/2024-03/no-change")
    assert done.status_code == 200, done.content
    assert done.json()["no_change"] is True
    assert done.json()["progress_text"] == "持续推进"
    project = post(client, f"/work-items/{district.item_a.pk}/reports/2024-03/no-change")
    assert project.status_code == 422


def test_no_change_replaces_a_months_draft_only_with_its_version(district):
    # given: February reported; March's draft holds what someone typed
    f.ReportFactory(work_item=district.task_a, month=2, progress_text="持续推进", state=S.ACCEPTED)
    client = api(district.office)
    path = f"/work-items/{district.task_a.pk}/reports/2024-03"
    draft = put(client, district.task_a.pk, "2024-03", {"progress_text": "三月新进展"}).json()
    # when: no version, then a stale one
    missing = post(client, f"{path}/no-change")
    stale = post(client, f"{path}/no-change", {"version": draft["version"] + 1})
    # then: refused, the draft as it was
    assert (missing.status_code, stale.status_code) == (422, 409)
    kept = MonthlyReport.objects.get(pk=draft["id"])
    assert (kept.progress_text, kept.state, kept.version) == (
        "三月新进展",
        S.DRAFT,
        draft["version"],
    )
    # and with the version read it is replaced and submitted
    done = post(client, f"{path}/no-change", {"version": draft["version"]})
    assert done.status_code == 200, done.content
    assert (done.json()["progress_text"], done.json()["no_change"]) == ("持续推进", True)


def _batch(client: Client, unit_id: int, rows: list[dict], submit: bool = True, **headers):
    return post(
        client, f"/units/{unit_id}/reports/2024-03", {"submit": submit, "rows": rows}, **headers
    )


def test_batch_saves_a_units_month_or_nothing_and_names_the_bad_row(district):
    item_2 = f.WorkItemFactory(lead_unit=district.unit_b, title="住建项目戊")
    client = api(district.head_b)
    rows = [
        {"work_item": district.item_b.pk, **FILLED},
        {"work_item": district.item_c.pk, "investment_month": "-1", "progress_text": "x"},
        {"work_item": district.item_a.pk, **FILLED},  # led by A, not B
        {"work_item": item_2.pk, **FILLED},
    ]
    # when
    refused = _batch(client, district.unit_b.pk, rows)
    # then: every bad row named, nothing written
    assert refused.status_code == 422, refused.content
    errors = refused.json()["errors"]
    assert [(e["row"], e["header"]) for e in errors] == [(2, "investment_month"), (3, "work_item")]
    assert all(e["sheet"] == "batch" and e["reason"] for e in errors)
    assert not MonthlyReport.objects.exists()
    # when: fixed
    rows[1]["investment_month"] = "10"
    del rows[2]
    ok = _batch(client, district.unit_b.pk, rows)
    # then
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["saved"] == body["submitted"] == 3
    assert {r["state"] for r in body["rows"]} == {"submitted"}
    assert MonthlyReport.objects.filter(state=S.SUBMITTED).count() == 3


def test_batch_scope_role_and_closed_month(district):
    rows = [{"work_item": district.item_b.pk, **FILLED}]
    # another unit's batch: A's reporter cannot see… B is out of A's scope → 404
    assert _batch(api(district.reporter_a), district.unit_b.pk, rows).status_code in (403, 404)
    assert _batch(api(district.viewer), district.unit_b.pk, rows).status_code in (403, 404)
    MonthClose.objects.create(year=2024, month=3, closed_by=district.office, summary={})
    closed = _batch(api(district.head_b), district.unit_b.pk, rows)
    assert closed.status_code == 422 and "关账" in closed.json()["detail"]
    assert not MonthlyReport.objects.exists()


def test_a_retry_with_the_same_key_answers_the_first_answer_and_writes_once(district):
    client = api(district.reporter_a)
    first = put(client, district.item_a.pk, "2024-03", FILLED, **{"Idempotency-Key": "k-1"})
    retry = put(client, district.item_a.pk, "2024-03", FILLED, **{"Idempotency-Key": "k-1"})
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert MonthlyReport.objects.get().version == first.json()["version"]
    # the same key with another body is refused, nothing written
    other = put(
        client, district.item_a.pk, "2024-03", {"progress_text": "改"}, **{"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 422
    assert MonthlyReport.objects.get().progress_text == "主体施工"
    # a batch retried: one write
    batch_client = api(district.head_b)
    rows = [{"work_item": district.item_b.pk, **FILLED}]
    a = _batch(batch_client, district.unit_b.pk, rows, **{"Idempotency-Key": "month-b"})
    b = _batch(batch_client, district.unit_b.pk, rows, **{"Idempotency-Key": "month-b"})
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    assert (
        MonthlyReport.objects.filter(work_item=district.item_b).get().version
        == (a.json()["rows"][0]["version"])
    )
    # keys are per user: another user's same key is a new request
    assert IdempotentRequest.objects.filter(key="k-1").count() == 1


def test_a_refusal_is_replayed_too_and_a_bad_key_is_refused(district):
    client = api(district.reporter_a)
    first = put(client, district.item_x.pk, "2024-03", FILLED, **{"Idempotency-Key": "x"})
    again = put(client, district.item_x.pk, "2024-03", FILLED, **{"Idempotency-Key": "x"})
    assert first.status_code == again.status_code == 404
    long_key = put(client, district.item_a.pk, "2024-03", FILLED, **{"Idempotency-Key": "k" * 256})
    assert long_key.status_code == 422
    assert not MonthlyReport.objects.exists()


@pytest.mark.parametrize("path", ["/reports/{id}/submit", "/reports/{id}/accept"])
def test_version_is_required_on_steps(district, path):
    report = f.ReportFactory(work_item=district.item_a, month=3, state=S.DRAFT)
    response = post(api(district.office), path.format(id=report.pk), {})
    assert response.status_code == 422
    assert MonthlyReport.objects.get().state == S.DRAFT


def _unit_month(district, n: int) -> list[dict]:
    """`n` rows for unit B: projects with a node reached, tasks with an indicator value."""
    rows = []
    for i in range(n):
        if i % 2:
            task = f.TaskFactory(lead_unit=district.unit_b, title=f"工作{i}")
            indicator = f.IndicatorFactory(work_item=task, name=f"指标{i}", target=10)
            rows.append(
                {
                    "work_item": task.pk,
                    "progress_text": "推进中",
                    "indicator_values": [{"indicator_id": indicator.pk, "value": "3"}],
                }
            )
        else:
            item = f.WorkItemFactory(lead_unit=district.unit_b, title=f"项目{i}")
            node = f.MilestoneFactory(work_item=item)
            rows.append(
                {
                    "work_item": item.pk,
                    **FILLED,
                    "milestones_reached": [{"milestone_id": node.pk, "reached_on": "2024-03-20"}],
                }
            )
    return rows


# The month-end burst: a unit's whole month costs the same statements whether it holds 2
# reports or 40 (one read of the month, bulk writes, one history row each copied by the
# database), auth and idempotency included.
@pytest.mark.parametrize("n", [2, 40])
def test_a_batch_costs_the_same_queries_whatever_its_size(
    district, n, django_assert_max_num_queries
):
    rows = _unit_month(district, n)
    client = api(district.head_b)
    # when: created and submitted
    with django_assert_max_num_queries(34):
        created = _batch(client, district.unit_b.pk, rows, **{"Idempotency-Key": f"m-{n}"})
    # then
    assert created.status_code == 200, created.content
    assert created.json()["submitted"] == n
    assert MonthlyReport.objects.filter(state=S.SUBMITTED).count() == n
    assert IndicatorValueModel.objects.count() == n // 2
    assert ReportMilestoneModel.objects.count() == n - n // 2
    # when: all returned, then corrected and resubmitted in one batch with their versions
    MonthlyReport.objects.update(state=S.RETURNED)
    versions = {r["work_item"]: r["version"] for r in created.json()["rows"]}
    for row in rows:
        row["version"] = versions[row["work_item"]]
        row["progress_text"] = "已更正"
    with django_assert_max_num_queries(40):
        fixed = _batch(client, district.unit_b.pk, rows)
    # then: changed in place, one history row each
    assert fixed.status_code == 200, fixed.content
    assert {r["version"] for r in fixed.json()["rows"]} == {v + 1 for v in versions.values()}
    assert MonthlyReport.objects.filter(state=S.SUBMITTED, progress_text="已更正").count() == n
    assert MonthlyReport.history.filter(history_type="~").count() == n
    assert IndicatorValueModel.objects.count() == n // 2


@pytest.mark.parametrize("n", [1, 30])
def test_the_submitted_events_of_a_batch_reach_the_office(
    district, n, django_capture_on_commit_callbacks
):
    rows = _unit_month(district, n)
    with django_capture_on_commit_callbacks(execute=True):
        ok = _batch(api(district.head_b), district.unit_b.pk, rows)
    assert ok.status_code == 200, ok.content
    assert Notification.objects.filter(recipient=district.office, kind="report_review").count() == n


# The notify fan-out of a batch (recipients, their scopes, notifications, group notices) runs
# once per request for all its events: the whole submission, notices included, costs the same
# statements for 2 reports or 40.
@pytest.mark.parametrize("n", [2, 40])
def test_a_batch_and_its_notifications_cost_the_same_queries_whatever_its_size(
    district, n, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    # given: a work group covering unit B's items
    rows = _unit_month(district, n)
    group = WorkGroup.objects.create(
        name="住建工作群", platform="wecom", endpoint="https://x.invalid/r"
    )
    group.units.add(district.unit_b)
    group.items.add(*[row["work_item"] for row in rows])
    client = api(district.head_b)
    # when: submitted, the request's events delivered in one pass (as EventBatchMiddleware does)
    with (
        django_assert_max_num_queries(44) as counted,
        events.collecting(),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ok = _batch(client, district.unit_b.pk, rows)
    # then
    assert ok.status_code == 200, ok.content
    fan_out = [q for q in counted.captured_queries if "notify_" in q["sql"]]
    assert len(fan_out) <= 8, [q["sql"][:80] for q in fan_out]
    office = Notification.objects.filter(recipient=district.office, kind="report_review")
    assert office.count() == n
    assert GroupNotice.objects.filter(group=group, kind="report_review").count() == n


@pytest.mark.django_db(transaction=True)
def test_a_requests_events_reach_the_subscribers_in_one_pass(district):
    # given: a spy among the batch subscribers
    calls: list[list[str]] = []

    def spy(batch) -> None:
        calls.append([e.kind for e in batch])

    events.subscribe_batch(spy)
    try:
        # when: three reports submitted in one request whose transaction commits
        ok = _batch(api(district.head_b), district.unit_b.pk, _unit_month(district, 3))
    finally:
        events.unsubscribe(spy)
    # then: the three events reached the subscribers together, once, after the commit
    assert ok.status_code == 200, ok.content
    assert calls == [["report_review"] * 3]
    assert Notification.objects.filter(recipient=district.office, kind="report_review").count() == 3


def _engine(sqlite: int, postgresql: int) -> int:
    """A statement count on this engine: SQLite reserves new keys with two reads (PostgreSQL
    with one) and inserts with INSERT (PostgreSQL with COPY, which the count does not see)."""
    return sqlite if connection.vendor == "sqlite" else postgresql


def test_a_single_put_and_its_retry_are_a_handful_of_queries(
    district, django_assert_num_queries, django_assert_max_num_queries
):
    client = api(district.head_a)
    # The token (read, and its last use noted), the key reserved, the item (by its key: its
    # filler sees it), the month's lock and whether it is closed, the settings, the new key,
    # the report and its history row, the answer stored; two savepoints of the test's
    # transaction (the key's reservation takes none of its own; the report's insert keeps
    # its rollback point).
    with django_assert_num_queries(_engine(16, 14)):
        first = put(
            client,
            district.item_a.pk,
            "2024-03",
            {**FILLED, "submit": True},
            **{"Idempotency-Key": "one"},
        )
    assert first.status_code == 201, first.content
    assert first.json()["figures"] is None  # not recomputed by a write; read the report
    with django_assert_max_num_queries(8):
        again = put(
            client,
            district.item_a.pk,
            "2024-03",
            {**FILLED, "submit": True},
            **{"Idempotency-Key": "one"},
        )
    assert again.json() == first.json()
    read = client.get(f"/api/v1/reports/{first.json()['id']}")
    assert read.json()["figures"]["investment_month"] == "120.5000"


def test_a_batch_row_with_a_stale_version_or_a_submitted_report_names_the_row(district):
    client = api(district.head_b)
    done = _batch(client, district.unit_b.pk, [{"work_item": district.item_b.pk, **FILLED}])
    version = done.json()["rows"][0]["version"]
    MonthlyReport.objects.update(state=S.RETURNED)
    stale = _batch(
        client,
        district.unit_b.pk,
        [
            {"work_item": district.item_c.pk, **FILLED},
            {"work_item": district.item_b.pk, **FILLED, "version": version + 5},
            {"work_item": district.item_x.pk, **FILLED, "progress_pct": "120"},
        ],
    )
    assert stale.status_code == 422
    assert [(e["row"], e["header"]) for e in stale.json()["errors"]] == [
        (2, "work_item"),
        (3, "progress_pct"),
    ]
    assert "已被他人修改" in stale.json()["errors"][0]["reason"]
    assert MonthlyReport.objects.count() == 1


# The month-end burst (benchmarks/bench_burst.py) sends these two requests: their statements,
# token, idempotency and notify's fan-out after the commit included, are fixed — a unit's
# month of 40 reports costs what one of 10 costs.
@pytest.mark.parametrize("n", [10, 40])
def test_the_bursts_batch_costs_a_fixed_number_of_statements(
    district, n, django_assert_num_queries, django_capture_on_commit_callbacks
):
    items = [f.WorkItemFactory(lead_unit=district.unit_b, title=f"项目{i}") for i in range(n)]
    rows = [{"work_item": item.pk, **FILLED} for item in items]
    client = api(district.head_b)
    with (
        django_assert_num_queries(_engine(21, 19)),
        events.collecting(),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ok = _batch(client, district.unit_b.pk, rows, **{"Idempotency-Key": f"month-{n}"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["submitted"] == n
    assert MonthlyReport.history.filter(history_type="+").count() == n
    assert Notification.objects.filter(recipient=district.office, kind="report_review").count() == n


def test_the_bursts_single_put_and_submit_costs_a_fixed_number_of_statements(
    district, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client = api(district.head_a)
    with (
        django_assert_num_queries(_engine(20, 18)),
        events.collecting(),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ok = put(
            client,
            district.item_a.pk,
            "2024-03",
            {**FILLED, "submit": True},
            **{"Idempotency-Key": "one"},
        )
    assert ok.status_code == 201, ok.content
    assert MonthlyReport.history.get().history_type == "+"
    assert Notification.objects.filter(recipient=district.office, kind="report_review").count() == 1


@pytest.mark.parametrize("submit", [False, True])
def test_a_new_reports_answer_is_what_reading_it_gives(district, submit):
    # given: amounts with fewer decimals than stored, text with spaces around it
    client = api(district.head_a)
    body = {
        "investment_month": "120.5",
        "funds_month": "3",
        "progress_pct": "40.25",
        "progress_text": "  主体施工  ",
        "started_on": "2024-03-02",
        "submit": submit,
    }
    # when: created (answered from what was stored, without reading it back)
    created = put(client, district.item_a.pk, "2024-03", body)
    # then: the same answer as a read, the figures apart (a write does not compute them)
    assert created.status_code == 201, created.content
    read = client.get(f"/api/v1/reports/{created.json()['id']}").json()
    assert read.pop("figures") is not None
    answer = created.json()
    assert answer.pop("figures") is None
    assert answer == read
    assert answer["investment_month"] == "120.5000" and answer["started"] is True
    assert answer["state"] == ("submitted" if submit else "draft")


def test_whoever_may_fill_an_items_or_units_reports_sees_it(district):
    # `PUT` reads the item by its key when the user may fill its reports: that must never
    # reach an item outside the user's scope (every role, every item of the district).
    f.WorkItemFactory(lead_unit=district.unit_a1, title="科室项目", steward=district.steward)
    shared = f.TaskFactory(lead_unit=district.unit_b, title="协办工作")
    shared.co_units.add(district.unit_a)
    items = list(WorkItem.objects.all())
    units = list(Unit.objects.all())
    for name, user in district.users().items():
        seen = set(work_item_list(user=user).values_list("pk", flat=True))
        for item in items:
            if can_fill_report(user, item):
                assert item.pk in seen, (name, item.title)
        # and the batch reads the unit by its key for whoever fills the unit's reports
        seen_units = set(unit_list(user=user).values_list("pk", flat=True))
        for unit in units:
            if can_fill_unit_reports(user, unit.pk):
                assert unit.pk in seen_units, (name, unit.name)


def test_put_answers_404_outside_the_scope_and_403_inside_it(district):
    # the viewer sees unit B's items (a contact responsibility) but fills nothing
    viewer, head_a = api(district.viewer), api(district.head_a)
    assert put(viewer, district.item_b.pk, "2024-03", FILLED).status_code == 403
    assert put(head_a, district.item_b.pk, "2024-03", FILLED).status_code == 403  # a co-unit
    assert put(head_a, district.item_x.pk, "2024-03", FILLED).status_code == 404
    assert put(head_a, 999_999, "2024-03", FILLED).status_code == 404
    assert not MonthlyReport.objects.exists()


def test_put_refuses_a_start_or_a_node_reached_in_year_1_and_writes_nothing(district):
    client = api(district.reporter_a)
    node = f.MilestoneFactory(work_item=district.item_a, name="主体封顶")
    # when: a start date in year 1
    started = put(client, district.item_a.pk, "2024-03", {**FILLED, "started_on": "0001-01-01"})
    # then: 422 saying the range, nothing created
    assert started.status_code == 422
    assert started.json()["detail"] == (
        "开工日期0001-01-01不在合理范围内：应在2000年1月1日至今天（2024年4月3日）之间。"
    )
    # when: a node reached in year 1
    reached = put(
        client,
        district.item_a.pk,
        "2024-03",
        {**FILLED, "milestones_reached": [{"milestone_id": node.pk, "reached_on": "0001-01-01"}]},
    )
    assert reached.status_code == 422
    assert "节点“主体封顶”的完成日期0001-01-01不在合理范围内" in reached.json()["detail"]
    assert not MonthlyReport.objects.exists()
    assert not ReportMilestoneModel.objects.exists()
    # the month's own rule still speaks first: after the end of the month reported
    late = put(
        client,
        district.item_a.pk,
        "2024-03",
        {**FILLED, "milestones_reached": [{"milestone_id": node.pk, "reached_on": "2024-04-01"}]},
    )
    assert late.status_code == 422 and "晚于报告期末或今天" in late.json()["detail"]

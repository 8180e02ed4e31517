"""`version` is required wherever a record is changed: a page post or an API call without it
is refused and changes nothing (it could otherwise overwrite a newer save)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from duban.ledger.models import WorkItem
from duban.problems import services as svc
from duban.problems.models import ExtensionRequest, Feedback, Problem
from tests import factories as f
from tests.problem_factories import AssignedProblemFactory


def test_page_action_without_version_is_refused(district, login):
    problem = AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    response = login(district.reporter_a).post(
        f"/problems/{problem.pk}/feedback/", {"text": "已办"}
    )
    assert response.status_code == 400
    assert "版本号" in response.content.decode()
    problem.refresh_from_db()
    assert problem.state == Problem.State.ASSIGNED


def test_extension_approval_page_sends_and_needs_the_version(district, login):
    problem = AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    ext = svc.extension_request(
        problem=problem,
        by=district.reporter_a,
        version=problem.version,
        reason="等审批",
        new_due_date=date(2024, 5, 31),
    )
    head = login(district.head_a)
    page = head.get(f"/problems/{problem.pk}/").content.decode()
    assert f'name="version" value="{ext.version}"' in page
    head.post(f"/problems/extensions/{ext.pk}/approve/", {})
    ext.refresh_from_db()
    assert ext.state == ExtensionRequest.State.PENDING_HEAD
    head.post(f"/problems/extensions/{ext.pk}/approve/", {"version": ext.version})
    ext.refresh_from_db()
    assert ext.state == ExtensionRequest.State.PENDING_OFFICE


def test_feedback_review_page_needs_the_version(district, login):
    problem = AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    opinion = svc.coordination_create(
        problem=problem,
        by=district.leader,
        text="抓紧",
        units=[district.unit_a],
        deadline=date(2024, 5, 1),
    )
    fb = svc.coordination_feedback(opinion=opinion, by=district.reporter_a, text="已办")
    office = login(district.office)
    office.post(f"/problems/feedback/{fb.pk}/accept/", {})
    fb.refresh_from_db()
    assert fb.state == Feedback.State.SUBMITTED
    office.post(f"/problems/feedback/{fb.pk}/accept/", {"version": fb.version + 1})
    fb.refresh_from_db()
    assert fb.state == Feedback.State.SUBMITTED
    office.post(f"/problems/feedback/{fb.pk}/accept/", {"version": fb.version})
    fb.refresh_from_db()
    assert fb.state == Feedback.State.ACCEPTED


def test_hand_out_page_sends_and_needs_the_version(district, login):
    item = f.WorkItemFactory(lead_unit=district.unit_a, status=WorkItem.Status.DRAFT)
    office = login(district.office)
    office.post(
        reverse("ledger:indicator_add", args=[item.pk]),
        {"name": "完成投资", "target": "5000", "deadline": "2024-12-31", "unit_of_measure": "万元"},
    )
    item.refresh_from_db()
    page = office.get(item.get_absolute_url()).content.decode()
    assert f'name="version" value="{item.version}"' in page
    url = reverse("ledger:hand_out", args=[item.pk])
    assert "版本号" in office.post(url, {}, follow=True).content.decode()
    office.post(url, {"version": item.version + 1})
    item.refresh_from_db()
    assert item.status == WorkItem.Status.DRAFT
    office.post(url, {"version": item.version})
    item.refresh_from_db()
    assert item.status == WorkItem.Status.ACTIVE

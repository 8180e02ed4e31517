"""Notifications: raised by services after commit, one per event per person, in scope only;
the inbox page, the header's unread count and `/api/v1/notifications`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from duban.core import events
from duban.core.events import Event, NotificationKind
from duban.core.periods import Period
from duban.core.services import current_version
from duban.notify.models import Notification
from duban.notify.services import notification_create_for_event
from duban.org.services import api_token_create
from duban.problems import services as svc
from duban.problems.models import Problem
from duban.reporting.services import report_return, report_save, report_start, report_submit
from tests import problem_factories as pf

MARCH = Period(2024, 3)


def _submitted(district):
    report = report_start(item=district.item_a, period=MARCH, by=district.reporter_a)
    report = report_save(
        report=report,
        by=district.reporter_a,
        version=report.version,
        data={"investment_month": Decimal("1500"), "progress_text": "主体结构施工"},
    )
    return report_submit(report=report, by=district.reporter_a, version=report.version)


def _kinds(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_report_waiting_for_signoff_tells_the_head_after_commit(
    district, django_capture_on_commit_callbacks
):
    # given / when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _submitted(district)
    # then: sent only when the transaction commits, to the lead unit's head only
    assert callbacks
    assert _kinds(district.head_a) == [NotificationKind.REPORT_SIGNOFF]
    assert _kinds(district.reporter_a) == []
    assert _kinds(district.head_b) == []
    note = Notification.objects.get(recipient=district.head_a)
    assert "发改项目甲" in note.text and note.url == f"/reports/{note.target_id}/"


def test_rolled_back_service_tells_nobody(district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                _submitted(district)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert Notification.objects.count() == 0


def test_report_returned_tells_the_unit_that_fills_it(district, django_capture_on_commit_callbacks):
    from duban.reporting.services import report_sign_off

    report = _submitted(district)
    report = report_sign_off(report=report, by=district.head_a, version=report.version)
    with django_capture_on_commit_callbacks(execute=True):
        report_return(
            report=report, by=district.office, reason="投资额与形象进度不符", version=report.version
        )
    assert _kinds(district.reporter_a) == [NotificationKind.REPORT_RETURNED]
    assert _kinds(district.head_a) == [NotificationKind.REPORT_RETURNED]
    assert "投资额与形象进度不符" in Notification.objects.get(recipient=district.reporter_a).text
    assert _kinds(district.reporter_b) == []


def test_same_event_twice_tells_each_person_once(district):
    event = Event(
        kind=NotificationKind.REPORT_LATE,
        key="report_late:x:2024-04-06",
        target="ledger.workitem",
        target_id=district.item_a.pk,
        text="逾期",
        unit_ids=(district.unit_a.pk,),
    )
    first = notification_create_for_event(event)
    second = notification_create_for_event(event)
    assert {n.recipient for n in first} == {district.head_a, district.reporter_a}
    assert second == []
    assert Notification.objects.filter(key=event.key).count() == 2


def test_event_never_tells_a_person_outside_the_objects_scope(district):
    # given: an event about unit B's item addressed (wrongly) to unit A and the viewer
    event = Event(
        kind=NotificationKind.REPORT_LATE,
        key="k1",
        target="ledger.workitem",
        target_id=district.item_x.pk,
        text="逾期",
        unit_ids=(district.unit_a.pk, district.unit_b.pk),
        user_ids=(district.leader.pk, district.viewer.pk),
    )
    notification_create_for_event(event)
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    # item_x is led by unit B: unit A and leader (responsible for A) don't see it
    assert told == {"reporter_b", "head_b", "viewer"}


def test_failing_subscriber_never_blocks_the_service(district, django_capture_on_commit_callbacks):
    def broken(event):
        raise RuntimeError("channel down")

    events.subscribe(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            report = _submitted(district)
    finally:
        events.unsubscribe(broken)
    assert report.pk is not None
    assert _kinds(district.head_a) == [NotificationKind.REPORT_SIGNOFF]


def test_problem_events_reach_lead_and_co_units(district, django_capture_on_commit_callbacks):
    problem = pf.ProblemFactory(work_item=district.item_a, state=Problem.State.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        svc.problem_assign(
            problem=problem,
            version=problem.version,
            by=district.office,
            lead_unit=district.unit_a,
            co_units=[district.unit_b],
            due_date=date(2024, 4, 20),
        )
    assert _kinds(district.head_a) == [NotificationKind.PROBLEM_ASSIGNED]
    assert _kinds(district.reporter_b) == [NotificationKind.PROBLEM_ASSIGNED]
    with django_capture_on_commit_callbacks(execute=True):
        svc.problem_escalate(
            problem=problem, version=current_version(problem), by=district.office, reason="久拖未决"
        )
    assert _kinds(district.reporter_a) == [
        NotificationKind.PROBLEM_ASSIGNED,
        NotificationKind.PROBLEM_ESCALATED,
    ]
    escalated = Notification.objects.get(
        recipient=district.reporter_a, kind=NotificationKind.PROBLEM_ESCALATED
    )
    assert escalated.text.startswith(f"问题“{problem.title}”已升级至")


def test_meeting_scheduled_tells_attendees(district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = svc.meeting_schedule(
            by=district.office,
            data={
                "kind": "monthly",
                "level": 4,
                "title": "4月调度会",
                "date": date(2024, 4, 20),
                "chair": district.leader,
            },
            attendees=[district.leader],
            attendee_units=[district.unit_b],
        )
    assert _kinds(district.leader) == [NotificationKind.MEETING_SCHEDULED]
    # An attending unit with nothing on the agenda cannot open the meeting (problems'
    # meeting_list): it is not told about a page it would get a 404 for.
    assert _kinds(district.head_b) == []
    assert _kinds(district.reporter_b) == []
    assert Notification.objects.get(recipient=district.leader).url == meeting.get_absolute_url()


def _note(user, text="提醒", kind=NotificationKind.REPORT_LATE, target_id=1):
    return Notification.objects.create(
        recipient=user,
        kind=kind,
        key=f"{text}:{user.pk}",
        target="x",
        target_id=target_id,
        text=text,
        url="/reports/",
    )


def test_inbox_lists_own_filters_marks_read_and_header_counts(district, login):
    mine = _note(district.reporter_a, "甲项目三月未报")
    _note(district.reporter_a, "用地问题交给你", kind=NotificationKind.PROBLEM_ASSIGNED)
    _note(district.reporter_b, "别人的提醒")
    client = login(district.reporter_a)
    page = client.get("/notifications/").content.decode()
    assert "甲项目三月未报" in page and "用地问题交给你" in page and "别人的提醒" not in page
    assert 'class="badge"' in page and ">2</span>" in page
    filtered = client.get("/notifications/?kind=problem_assigned").content.decode()
    assert "用地问题交给你" in filtered and "甲项目三月未报" not in filtered
    # opening one marks it read and goes to its object
    response = client.get(f"/notifications/{mine.pk}/")
    assert response.status_code == 302 and response["Location"] == "/reports/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=district.reporter_a, read_at=None).exists()
    assert ">0</span>" not in client.get("/notifications/").content.decode()


def test_inbox_another_users_notification_is_404(district, login):
    other = _note(district.reporter_b)
    assert login(district.reporter_a).get(f"/notifications/{other.pk}/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_inbox_mark_all_read_needs_post(district, login):
    _note(district.reporter_a)
    assert login(district.reporter_a).get("/notifications/read-all/").status_code == 405


@pytest.fixture
def api(client):
    def _api(user):
        token = api_token_create(user=user)
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return _api


def test_api_lists_the_callers_notifications_and_marks_read(district, client, api):
    one = _note(district.reporter_a, "甲项目三月未报")
    _note(district.reporter_a, "用地问题交给你", kind=NotificationKind.PROBLEM_ASSIGNED)
    _note(district.reporter_b, "别人的提醒")
    headers = api(district.reporter_a)
    body = client.get("/api/v1/notifications", **headers).json()
    assert body["count"] == 2 and body["unread"] == 2
    assert {i["text"] for i in body["items"]} == {"甲项目三月未报", "用地问题交给你"}
    only = client.get("/api/v1/notifications?kind=problem_assigned", **headers).json()
    assert [i["text"] for i in only["items"]] == ["用地问题交给你"]
    answer = client.post(
        "/api/v1/notifications/read",
        data={"ids": [one.pk]},
        content_type="application/json",
        **headers,
    ).json()
    assert answer == {"marked": 1, "unread": 1}
    bad = client.get("/api/v1/notifications?kind=nonsense", **headers)
    assert bad.status_code == 422

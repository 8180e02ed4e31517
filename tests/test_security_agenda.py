"""Meeting agendas are scoped: the chair (and the office) see the whole agenda, every other
reader their own entries and a count of the rest — in the API, the page and minutes.docx."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
from ninja.testing import TestClient

from duban.org.services import api_token_create
from duban.problems import services as svc
from duban.problems.api import router
from duban.problems.minutes import meeting_minutes_docx
from duban.problems.models import Meeting
from tests.problem_factories import AssignedProblemFactory


@pytest.fixture
def meeting(district):
    d = district
    AssignedProblemFactory(
        work_item=d.item_a, reported_by=d.reporter_a, level=4, title="发改甲用地未批"
    )
    AssignedProblemFactory(
        work_item=d.item_x, reported_by=d.reporter_b, level=4, title="住建丁征拆未完成"
    )
    meeting = svc.meeting_schedule(
        by=d.office,
        data={
            "kind": Meeting.Kind.MONTHLY,
            "level": 4,
            "title": "4月调度会",
            "chair": d.leader,
            "date": date(2024, 4, 20),
        },
    )
    titles = {a.text for a in meeting.agenda.all()}
    assert {"发改甲用地未批", "住建丁征拆未完成"} <= titles
    return meeting


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_agenda_scoped_for_a_unit_reader_in_api_page_and_minutes(district, meeting, login):
    d = district
    total = meeting.agenda.count()
    # API: reporter_a sees its own problem, not unit b's; the rest is a count
    client = TestClient(router)
    headers = {"Authorization": f"Bearer {api_token_create(user=d.reporter_a)}"}
    body = client.get(f"/meetings/{meeting.pk}", headers=headers).json()
    texts = [a["text"] for a in body["agenda"]]
    assert "发改甲用地未批" in texts
    assert "住建丁征拆未完成" not in texts
    assert body["agenda_hidden"] == total - len(texts) >= 1
    # page
    page = login(d.reporter_a).get(f"/problems/meetings/{meeting.pk}/").content.decode()
    assert "发改甲用地未批" in page
    assert "住建丁征拆未完成" not in page
    assert f"另有{total - len(texts)}项议题不在您的工作范围内" in page
    # minutes.docx
    minutes = _docx_text(
        login(d.reporter_a).get(f"/problems/meetings/{meeting.pk}/minutes.docx").content
    )
    assert "发改甲用地未批" in minutes
    assert "住建丁征拆未完成" not in minutes
    assert "不在您的工作范围内" in minutes


def test_agenda_whole_for_the_chair_and_the_office(district, meeting):
    d = district
    total = meeting.agenda.count()
    client = TestClient(router)
    for user in (d.leader, d.office):
        headers = {"Authorization": f"Bearer {api_token_create(user=user)}"}
        body = client.get(f"/meetings/{meeting.pk}", headers=headers).json()
        assert len(body["agenda"]) == total
        assert body["agenda_hidden"] == 0
    text = _docx_text(meeting_minutes_docx(meeting, user=d.leader))
    assert "住建丁征拆未完成" in text and "发改甲用地未批" in text
    assert "不在您的工作范围内" not in text


def test_the_list_scopes_every_meetings_agenda_in_a_fixed_number_of_queries(district, meeting):
    # given: a second meeting chaired by someone else, the same problems on its agenda
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    d = district
    client = TestClient(router)

    def listed(user):
        headers = {"Authorization": f"Bearer {api_token_create(user=user)}"}
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/meetings", headers=headers).json()
        return body, len(ctx.captured_queries)

    _one, one_meeting = listed(d.reporter_a)
    svc.meeting_schedule(
        by=d.office,
        data={
            "kind": Meeting.Kind.MONTHLY,
            "level": 4,
            "title": "5月调度会",
            "chair": d.office,
            "date": date(2024, 5, 20),
        },
    )
    # when: a unit's reader and the chair of the first list both
    body, two_meetings = listed(d.reporter_a)
    chair, _n = listed(d.leader)
    # then: the unit's own entries and a count of the rest, on each meeting, in the same
    # number of queries however many meetings the page holds
    assert body["count"] == 2 and two_meetings == one_meeting
    for m in body["items"]:
        texts = [a["text"] for a in m["agenda"]]
        assert "发改甲用地未批" in texts and "住建丁征拆未完成" not in texts
        assert m["agenda_hidden"] >= 1
    whole = {m["id"]: m["agenda_hidden"] for m in chair["items"]}
    assert whole[meeting.pk] == 0  # the chair sees all of their meeting's agenda

"""Control characters (U+0001 …) never reach the database, and every export writer cleans
text with the one shared function, so the problem list's workbook and the minutes always
open."""

from __future__ import annotations

import io
from datetime import date

import docx
import openpyxl
import pytest
from django.test import Client

from duban.core.text import strip_controls
from duban.org.services import api_token_create
from duban.problems import services as svc
from duban.problems.models import Meeting, Problem
from duban.sheets.values import clean_text, text_value
from duban.sheets.writer import cell_text


def test_strip_controls_keeps_tabs_and_line_breaks():
    assert strip_controls("a\x01b\x00c\x7f\ud800\ufffe") == "abc"
    assert strip_controls("一\t二\n三\r") == "一\t二\n三\r"
    assert cell_text("=x\x01") == "=x"
    assert clean_text("  项目\x02甲 ") == "项目甲"
    assert text_value("形象\x1f进度") == "形象进度"


def test_api_text_is_stripped_and_the_list_export_opens(district, login):
    token = api_token_create(user=district.reporter_a)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(
        "/api/v1/problems",
        {
            "work_item_id": district.item_a.pk,
            "category": Problem.Category.OTHER,
            "title": "用地\u0001未批",
            "description": "说明\u0000\u0008",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    problem = Problem.objects.get()
    assert (problem.title, problem.description) == ("用地未批", "说明")
    export = login(district.office).get("/problems/?format=xlsx")
    assert export.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert "用地未批" in cells


def test_page_text_is_stripped_and_the_minutes_open(district, login, time_machine):
    meeting = svc.meeting_schedule(
        by=district.office,
        data={
            "kind": Meeting.Kind.MONTHLY,
            "level": 4,
            "title": "调度会\x01",
            "chair": district.leader,
            "date": date(2024, 4, 20),
        },
    )
    time_machine.move_to("2024-04-20 17:00:00+08:00", tick=False)
    response = login(district.office).post(
        f"/problems/meetings/{meeting.pk}/hold/",
        {"version": meeting.version, "minutes": "压实责任\x01。\x0b"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.minutes) == ("调度会", "压实责任。")
    # text stored before the rule still exports: the writer cleans it again
    Meeting.objects.filter(pk=meeting.pk).update(minutes="旧数据\x01")
    data = login(district.office).get(f"/problems/meetings/{meeting.pk}/minutes.docx").content
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "旧数据" in text


@pytest.mark.parametrize("path", ["/api/v1/problems?q=%00x", "/api/v1/work-items?q=a%01"])
def test_api_query_with_control_characters_answers_422(district, path):
    token = api_token_create(user=district.office)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(path)
    assert response.status_code == 422
    assert "控制字符" in response.json()["detail"]


def test_page_query_with_control_characters_answers_400(district, login):
    response = login(district.office).get("/ledger/?q=%00")
    assert response.status_code == 400

"""Pages, documents and API of the assessment: the month's ranking with arrows, a unit's score
with every origin, the office desk, the Word 通报 and quarterly summary opened with
python-docx, the Excel sheet, and the API's scope."""

from __future__ import annotations

import io
import json
import re

import pytest
from docx import Document
from openpyxl import load_workbook

from duban.assessment.models import Objection, Rule, ScoreEvent, Source
from duban.assessment.services.scoring import ranking_publish
from duban.org.models import ApiToken
from duban.reporting.services import month_close
from duban.supervision.models import Card
from duban.supervision.services.cards import cards_publish
from tests.assessment_fixtures import FEB, JAN, MAR, events_of, january_facts, on_time


@pytest.fixture
def january(district):
    return january_facts(district)


def _docx_text(body: bytes) -> str:
    doc = Document(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append("|".join(c.text for c in row.cells))
    return "\n".join(parts)


def test_ranking_page_for_the_office_and_units_after_publication(january, district, login):
    d = district
    office = login(d.office)
    page = office.get("/assessment/?period=2024-01")
    assert page.status_code == 200
    text = page.content.decode()
    assert "区住建局" in text and "新" in text and "公布本月月榜" in text
    unit = login(d.reporter_b)
    assert "还没有可查看的月榜" in unit.get("/assessment/?period=2024-01").content.decode()
    assert unit.get("/assessment/ranking.docx?period=2024-01").status_code == 404
    office.post("/assessment/publish/", {"period": "2024-01"})
    assert "公布本月月榜" not in (text := unit.get("/assessment/?period=2024-01").content.decode())
    assert "发改局重点项目科" in text


def test_a_unit_sees_the_ranking_but_links_only_its_own_score_page(january, district, login):
    """The published ranking names every unit; a unit may open only its own score page (the
    others answer 404), so only its own name is a link. The office's names all are."""
    d = district
    office = login(d.office)
    office.post("/assessment/publish/", {"period": "2024-01"})
    own, other = f"/assessment/units/{d.unit_b.pk}/", f"/assessment/units/{d.unit_a.pk}/"
    text = login(d.reporter_b).get("/assessment/?period=2024-01").content.decode()
    assert f'href="{own}?year=2024"' in text and "区住建局" in text
    assert f'href="{other}?year=2024"' not in text
    assert login(d.reporter_b).get(other).status_code == 404
    text = office.get("/assessment/?period=2024-01").content.decode()
    assert f'href="{own}?year=2024"' in text and f'href="{other}?year=2024"' in text


def test_unit_score_page_lists_every_event_with_its_origin(january, district, login):
    d = district
    page = login(d.reporter_b).get(f"/assessment/units/{d.unit_b.pk}/?year=2024")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'href="/supervision/prompts/{january.prompt.pk}/"' in text
    assert f'href="/supervision/flags/{january.flag.pk}/"' in text
    # The meeting it missed is named, but not linked: the unit did not attend, so the
    # meeting's page answers 404 to it (see the test of links in scope below).
    assert january.meeting.title in text
    assert f'href="/problems/meetings/{january.meeting.pk}/"' not in text
    assert "提出异议" in text
    # An automatic event shows the run that computed it (its audit beside its origin).
    assert "自动计分：" in text and "本月自动计分最近一次由" in text
    # Another unit's score page answers as if it did not exist.
    assert login(d.reporter_b).get(f"/assessment/units/{d.unit_a.pk}/").status_code == 404


def test_unit_score_page_sums_each_rule_and_folds_its_events(january, district, login):
    """A unit's month holds dozens of events: the month shows one line per rule (its count and
    its points) and each rule's events fold under it, opened where a person acted on one."""
    d = district
    unit = login(d.reporter_b)
    [missed] = events_of(d.unit_b, Source.MEETING_MISSED)
    others = [
        e
        for e in ScoreEvent.objects.filter(unit=d.unit_b, year=2024, month=1).order_by("pk")
        if e.rule_id != missed.rule_id
    ]
    rule = others[0].rule
    events = [e for e in others if e.rule_id == rule.pk]
    # when: before the month's ranking is published
    html = unit.get(f"/assessment/units/{d.unit_b.pk}/?year=2024").content.decode()
    # then: the rule's line counts its events and sums its points; its events are folded
    row = re.search(
        rf'<a href="#score-2024-01-{rule.pk}">{re.escape(rule.description)}</a>.*?</tr>', html
    )
    assert row is not None
    numbers = re.findall(r'<td class="num">([^<]*)</td>', row.group(0))
    assert numbers == [str(len(events)), str(sum(e.points for e in events))]
    assert f'<details class="score-events" id="score-2024-01-{rule.pk}">' in html
    assert "本月月榜尚未公布" in html[html.index("<h2>2024年1月") :].split("</section>")[0]
    # when: the unit objects to one event, its rule's events are shown open
    unit.post(f"/assessment/events/{missed.pk}/object/", {"reason": "已请假"})
    html = unit.get(f"/assessment/units/{d.unit_b.pk}/?year=2024").content.decode()
    assert f'id="score-2024-01-{missed.rule_id}" open>' in html
    assert f'id="score-2024-01-{rule.pk}">' in html  # still folded
    # and once the objection is decided and the month published, the rank replaces the notice
    office = login(d.office)
    objection = Objection.objects.get()
    office.post(
        f"/assessment/office/objections/{objection.pk}/uphold/",
        {"version": objection.version, "decision": "无请假记录"},
    )
    office.post("/assessment/publish/", {"period": "2024-01"})
    html = unit.get(f"/assessment/units/{d.unit_b.pk}/?year=2024").content.decode()
    january_section = html[html.index("<h2>2024年1月") :].split("</section>")[0]
    assert "本月月榜尚未公布" not in january_section
    assert re.search(r"2024年1月：加减分 -?[\d.]+ · 得分 [\d.]+ · .+第\d+名</h2>", html)


def _objects_to_the_missed_meeting(d, login):
    """Unit B's reporter objects to its missed meeting from the score page: the event, the
    reporter's client and the objection."""
    [event] = events_of(d.unit_b, Source.MEETING_MISSED)
    unit = login(d.reporter_b)
    unit.post(f"/assessment/events/{event.pk}/object/", {"reason": "已请假"})
    return event, unit, Objection.objects.get()


def test_unit_objects_from_the_page_and_office_decides(january, district, login):
    d = district
    event, unit, objection = _objects_to_the_missed_meeting(d, login)
    office = login(d.office)
    assert "已请假" in office.get("/assessment/office/").content.decode()
    office.post(
        f"/assessment/office/objections/{objection.pk}/cancel/",
        {"version": objection.version, "decision": "属实"},
    )
    event.refresh_from_db()
    assert event.state == ScoreEvent.State.CANCELLED
    # The computation wrote no history for the automatic event; the office's decision is a
    # person's act and is recorded (with the objection, kept), so the event stays traceable.
    [change] = event.history.all()
    assert (change.history_type, change.state, change.history_user) == (
        "~",
        ScoreEvent.State.CANCELLED,
        d.office,
    )
    assert event.run_id is not None
    # A unit may not reach the office desk.
    assert unit.get("/assessment/office/").status_code == 403


def test_objection_button_dates_follow_the_readers_language(january, district, login, settings):
    # given: the English page offered "Object (until 2月5日)"
    unit = login(district.reporter_b)
    chinese = unit.get(f"/assessment/units/{district.unit_b.pk}/?year=2024").content.decode()
    # when
    unit.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = unit.get(f"/assessment/units/{district.unit_b.pk}/?year=2024").content.decode()
    # then
    assert re.search(r"提出异议（2024年\d+月\d+日前）", chinese)
    assert re.search(r"Object \(until 2024-\d+-\d+\)", english)


def test_scheme_page_shows_rules_to_everyone(january, district, login):
    text = login(district.reporter_a).get("/assessment/scheme/?year=2024").content.decode()
    assert "事项月报按时报送，每项加1分" in text and "人工" in text


def test_ranking_word_notice_and_excel(january, district, login):
    office = login(district.office)
    body = office.get("/assessment/ranking.docx?period=2024-01").content
    text = _docx_text(body)
    assert "关于2024年1月重点项目和重点工作创先争优月榜的通报" in text
    assert "区直部门" in text and "区住建局" in text and "排名末位的是区住建局" in text
    book = load_workbook(io.BytesIO(office.get("/assessment/ranking.xlsx?period=2024-01").content))
    cells = [c.value for row in book.active.iter_rows() for c in row if c.value is not None]
    assert "2024年1月创先争优月榜" in cells and "区住建局" in cells


def test_quarter_summary_for_the_standing_committee(district, login):
    d = district
    on_time(d.item_a, [1, 2, 3])
    for period in (JAN, FEB, MAR):
        month_close(period=period, by=d.office)
    office = login(d.office)
    assert office.get("/assessment/quarter.docx?period=2024-02").status_code == 404
    text = _docx_text(office.get("/assessment/quarter.docx?period=2024-03").content)
    assert "2024年第1季度重点项目和重点工作考核情况的报告" in text
    assert "区委常委会" in text and "亮绿牌" in text and "挂牌督办" in text
    assert "一、考核得分和等次" in text and "一、一、" not in text
    assert "区发改局" in text and "等次" in text


def _api(user):
    from django.test import Client

    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key), prefix=key[:8])
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_api_scope_events_rankings_and_objections(january, district):
    d = district
    unit = _api(d.reporter_b)
    events = unit.get("/api/v1/assessment/events?year=2024").json()
    assert events["count"] > 0
    assert {e["unit"]["id"] for e in events["items"]} == {d.unit_b.pk}
    # Every origin the unit may open is linked, and only those (the meeting it missed and its
    # card, not yet published, answer 404 to it).
    unlinked = {e["origin"] for e in events["items"] if not e["origin_url"]}
    assert unlinked == {"meeting", "card"}
    # Each automatic event names the run that wrote it (the month's close, by the office).
    assert all(e["run"]["by"]["id"] == d.office.pk for e in events["items"])
    a_event = ScoreEvent.objects.filter(unit=d.unit_a).first()
    assert unit.get(f"/api/v1/assessment/events/{a_event.pk}").status_code == 404
    assert unit.get("/api/v1/assessment/rankings/2024-01").status_code == 404
    assert unit.get("/api/v1/assessment/rankings/2024-13").status_code == 422
    [flag_event] = events_of(d.unit_b, Source.FLAG_MISSED)
    raised = unit.post(
        f"/api/v1/assessment/events/{flag_event.pk}/objections",
        {"reason": "已整改"},
        content_type="application/json",
    )
    assert raised.status_code == 200, raised.content
    # the objections and the months ranked come a page at a time, each in the user's scope
    listed = unit.get("/api/v1/assessment/objections").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == raised.json()["id"]
    assert _api(d.reporter_a).get("/api/v1/assessment/objections").json()["count"] == 0
    assert unit.get("/api/v1/assessment/rankings?year=2024").json()["count"] == 0  # unpublished
    office = _api(d.office)
    assert office.get("/api/v1/assessment/rankings?year=2024").json()["items"] == [
        {"year": 2024, "month": 1, "published": False}
    ]
    refused = office.post("/api/v1/assessment/rankings/2024-01/publish")
    assert refused.status_code == 422 and "异议" in refused.json()["detail"]
    decided = office.post(
        f"/api/v1/assessment/objections/{raised.json()['id']}/uphold",
        {"version": 1, "decision": "维持"},
        content_type="application/json",
    )
    assert decided.json()["state"] == "upheld"
    assert office.post("/api/v1/assessment/rankings/2024-01/publish").status_code == 200
    ranking = unit.get("/api/v1/assessment/rankings/2024-01").json()
    assert ranking["published"] and {s["unit"]["name"] for s in ranking["standings"]} == {
        "区发改局",
        "发改局重点项目科",
        "区住建局",
    }


def test_api_manual_event_and_scheme_revision_refusals(january, district):
    d = district
    office = _api(d.office)
    schemes = office.get("/api/v1/assessment/schemes?year=2024").json()
    assert schemes["count"] == len(schemes["items"]) >= 1
    bonus = next(r for r in schemes["items"][0]["rules"] if r["code"] == "task-bonus")
    body = {"unit": d.unit_a.pk, "rule": bonus["id"], "period": "2024-01", "reason": "r"}
    missing = office.post(
        "/api/v1/assessment/events", {**body, "evidence": ""}, content_type="application/json"
    )
    assert missing.status_code == 422 and "佐证" in missing.json()["detail"]
    made = office.post(
        "/api/v1/assessment/events", {**body, "evidence": "文件"}, content_type="application/json"
    ).json()
    own = office.post(
        f"/api/v1/assessment/events/{made['id']}/review/approve",
        {"version": 1},
        content_type="application/json",
    )
    assert own.status_code == 403
    praise = office.post(
        "/api/v1/assessment/schemes/2024/revise",
        {
            "from_month": 2,
            "rules": [
                {"domain": "work", "code": "p", "description": "媒体报道", "points": "1",
                 "automatic": False}
            ],
        },
        content_type="application/json",
    )  # fmt: skip
    assert praise.status_code == 422 and "媒体" in praise.json()["detail"]
    ranking_publish_refused = _api(d.reporter_a).post("/api/v1/assessment/rankings/2024-01/publish")
    assert ranking_publish_refused.status_code == 403


def test_ranking_page_queries_are_bounded(january, district, login, django_assert_max_num_queries):
    office = login(district.office)
    with django_assert_max_num_queries(40):
        assert office.get("/assessment/?period=2024-01").status_code == 200
    with django_assert_max_num_queries(40):
        assert office.get(f"/assessment/units/{district.unit_b.pk}/").status_code == 200


def test_rank_chart_speaks_the_readers_language(january, district, login, settings):
    # given: the office reads the ranking in English
    office = login(district.office)
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # when
    for url in ("/assessment/?period=2024-01", f"/assessment/units/{district.unit_b.pk}/"):
        page = office.get(url).content.decode()
        chart = json.loads(
            page.split('id="rank-chart-data"', 1)[1].split(">", 1)[1].split("</script>", 1)[0]
        )
        # then: the chart's months and axis are English, as the table beside it is
        assert (chart["months"][0], chart["months"][11], chart["axis"]) == (
            "Month 1",
            "Month 12",
            "Rank",
        )


def test_api_scheme_revision_stores_a_base_score_of_minus_zero_as_zero(january, district):
    # given: "-0" is a valid base score, but its sign means nothing
    office = _api(district.office)
    # when
    revised = office.post(
        "/api/v1/assessment/schemes/2024/revise",
        {"from_month": 2, "base_score": "-0"},
        content_type="application/json",
    )
    # then: echoed, stored and read back without the sign
    assert revised.status_code == 200, revised.content
    assert revised.json()["base_score"] in ("0", "0.00")
    assert not revised.json()["base_score"].startswith("-")
    read = office.get("/api/v1/assessment/schemes?year=2024").json()["items"]
    assert all(not s["base_score"].startswith("-") for s in read)


_ORIGIN_LINK = re.compile(r'<a href="(/(?:ledger|reporting|supervision|problems)/[^"#?]*\d+/)"')


def test_origin_links_on_a_score_page_open_for_its_reader(january, district, login):
    """A unit saw its card linked before the office published it, and the meeting it missed
    (it did not attend): both links answered 404. Each origin is linked only where its own
    page opens for the reader."""
    d = district
    card = Card.objects.get(unit=d.unit_b, year=2024, month=1)
    card_link, meeting_link = (
        f"/supervision/cards/{card.pk}/",
        f"/problems/meetings/{january.meeting.pk}/",
    )
    # given: the month closed, its cards not published
    for user, unit in (
        (d.reporter_b, d.unit_b),
        (d.head_a, d.unit_a),
        (d.viewer, d.unit_b),
        (d.leader, d.unit_a),
        (d.office, d.unit_b),
    ):
        client = login(user)
        # when
        html = client.get(f"/assessment/units/{unit.pk}/?year=2024").content.decode()
        links = set(_ORIGIN_LINK.findall(html))
        # then: every link opens
        assert links, user
        assert {link: client.get(link).status_code for link in links} == dict.fromkeys(links, 200)
    unit = login(d.reporter_b)
    html = unit.get(f"/assessment/units/{d.unit_b.pk}/?year=2024").content.decode()
    assert card_link not in html and meeting_link not in html
    assert "2024年1月" in html and january.meeting.title in html  # named, not linked
    office_html = login(d.office).get(f"/assessment/units/{d.unit_b.pk}/?year=2024").content
    assert card_link in office_html.decode() and meeting_link in office_html.decode()
    # when: the office publishes the month's cards, the unit's card is linked
    cards_publish(period=JAN, by=d.office)
    html = unit.get(f"/assessment/units/{d.unit_b.pk}/?year=2024").content.decode()
    assert card_link in html and unit.get(card_link).status_code == 200


def test_no_objection_is_offered_once_the_month_is_published(january, district, login):
    """The page offered 提出异议 on a published month's events, and the unit's objection was
    then refused (a published ranking never changes). Publishing ends the objections: the
    page offers none and the API gives no last day."""
    d = district
    unit = login(d.reporter_b)
    url = f"/assessment/units/{d.unit_b.pk}/?year=2024"
    assert "提出异议" in unit.get(url).content.decode()
    api = _api(d.reporter_b)
    assert all(e["objection_until"] for e in api.get("/api/v1/assessment/events").json()["items"])
    # when
    assert ranking_publish(period=JAN, by=d.office).published_at is not None
    # then
    html = unit.get(url).content.decode()
    assert "提出异议" not in html and "/object/" not in html
    items = api.get("/api/v1/assessment/events").json()["items"]
    assert items and not any(e["objection_until"] for e in items)


def test_objecting_returns_to_the_events_rule(january, district, login):
    # given: the page is long; the unit objects to one event far down
    d = district
    [event] = events_of(d.unit_b, Source.MEETING_MISSED)
    # when
    answer = login(d.reporter_b).post(
        f"/assessment/events/{event.pk}/object/", {"reason": "已请假"}
    )
    # then: back at the event's rule, not at the page's top
    assert answer["Location"] == (
        f"/assessment/units/{d.unit_b.pk}/?year=2024#score-2024-01-{event.rule_id}"
    )


def test_a_refused_manual_proposal_keeps_what_the_office_typed(january, district, login):
    # given: the office typed a reason but no evidence (only spaces)
    d = district
    office = login(d.office)
    bonus = Rule.objects.get(code="task-bonus", scheme__number=1)
    typed = {"period": "2024-01", "unit": d.unit_b.pk, "rule": bonus.pk, "reason": "承担防汛任务"}
    # when
    page = office.post("/assessment/office/manual/", {**typed, "evidence": "  "})
    # then: the desk again, the refusal beside the form, the form as it was posted
    assert page.status_code == 400
    html = page.content.decode()
    assert "人工加减分须附佐证（文件、会议纪要或核查记录）。" in html
    assert ">承担防汛任务</textarea>" in html and 'value="2024-01"' in html
    assert f'<option value="{d.unit_b.pk}" selected>' in html
    assert f'<option value="{bonus.pk}" selected>' in html
    assert not ScoreEvent.objects.filter(origin="manual").exists()
    # and a month to come is refused as such (it was refused as "the rule is not of the
    # scheme in force", sending the office to look for another rule)
    html = office.post(
        "/assessment/office/manual/", {**typed, "period": "2024-05", "evidence": "文件"}
    ).content.decode()
    assert "2024年5月还未到：只能为本月或以前的月份录入加减分。" in html
    # when it is accepted, the desk says so and the event waits for the second person
    answer = office.post("/assessment/office/manual/", {**typed, "evidence": "区委督查通报"})
    assert answer.status_code == 302
    assert ScoreEvent.objects.get(origin="manual").state == ScoreEvent.State.PENDING


def test_score_page_links_the_units_other_years(january, district, login, time_machine):
    # given: January 2025, the unit's page opens on a year with no score yet
    time_machine.move_to("2025-01-06 10:00:00+08:00", tick=False)
    unit = login(district.reporter_b)
    # when
    html = unit.get(f"/assessment/units/{district.unit_b.pk}/").content.decode()
    # then: last year's page is one click away
    assert "该年度还没有计分。" in html
    assert 'href="?year=2024"' in html and 'href="?year=2025" class="active"' in html


def test_ranking_documents_are_dated_the_day_the_ranking_was_published(
    january, district, login, time_machine
):
    # given: January's ranking published on 3 April 2024, downloaded in June
    d = district
    ranking_publish(period=JAN, by=d.office)
    time_machine.move_to("2024-06-20 10:00:00+08:00", tick=False)
    office = login(d.office)
    # when
    notice = _docx_text(office.get("/assessment/ranking.docx?period=2024-01").content)
    book = load_workbook(io.BytesIO(office.get("/assessment/ranking.xlsx?period=2024-01").content))
    # then: the notice is signed on the day of publication, and names the page a unit opens
    assert "2024年4月3日" in notice and "2024年6月20日" not in notice
    assert "“本单位得分明细”" in notice
    # and the sheet is the office's, counted in points (it said 单位：万元, filed by the
    # person who downloaded it)
    sheet = book.active
    assert (sheet["A2"].value, sheet["F2"].value) == ("填报单位：区重点项目推进办公室", "单位：分")


def test_quarter_summary_in_english_counts_grades_in_english(district, login, settings):
    d = district
    on_time(d.item_a, [1, 2, 3])
    for period in (JAN, FEB, MAR):
        month_close(period=period, by=d.office)
    office = login(d.office)
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = _docx_text(office.get("/assessment/quarter.docx?period=2024-03").content)
    assert "家" not in text and "，" not in text
    assert re.search(r"\d+ units: \S+ \d+(, \S+ \d+)*\.", text), text
    # no manual points this quarter: said so, not "0 … all with evidence"
    assert "No manual points this quarter." in text


def test_scheme_page_in_english_links_its_years(january, district, login, settings, time_machine):
    # given: January 2025; the 2024 scheme is the only one (its groups were joined with "、"
    # in English too, and last year's scheme was reachable only by typing its address)
    time_machine.move_to("2025-01-06 10:00:00+08:00", tick=False)
    unit = login(district.reporter_b)
    unit.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # when
    html = unit.get("/assessment/scheme/").content.decode()
    # then
    assert 'href="?year=2024"' in html and 'href="?year=2025" class="active"' in html
    html = unit.get("/assessment/scheme/?year=2024").content.decode()
    groups = re.search(r"Assessment group: ([^<]*?) ·", html)
    assert groups is not None and "、" not in groups.group(1) and ", " in groups.group(1)


def test_office_is_told_publishing_now_ends_the_objection_window(
    january, district, login, time_machine
):
    # given: January scored on 3 April 2024; its window runs five working days (清明 4–6
    # April, 7 April a working Sunday) to 11 April
    office = login(district.office)
    # when: the office reviews the ranking within the window
    html = office.get("/assessment/?period=2024-01").content.decode()
    # then: it is told that publishing now cuts the units' objections short
    assert "本月计分的异议期至2024年4月11日：公布后各单位不能再提出异议。" in html
    assert "异议期至" not in login(district.reporter_b).get("/assessment/").content.decode()
    # and once the window has passed, nothing is said
    time_machine.move_to("2024-04-12 10:00:00+08:00", tick=False)
    assert "异议期至" not in office.get("/assessment/?period=2024-01").content.decode()


def test_office_desk_empty_lists_carry_no_column_name_on_a_phone(january, district, login):
    # given: nothing awaits the office; on a phone each cell is shown under its column's name
    # (duban.js), and the row saying so read "月份 没有待审核的加减分。"
    html = login(district.office).get("/assessment/office/").content.decode()
    # then: the empty rows are named already, by nothing
    assert '<td colspan="7" class="muted" data-label="">没有待审核的加减分。' in html
    assert '<td colspan="4" class="muted" data-label="">没有待处理的异议。' in html


def test_score_page_tells_the_units_objection_from_the_offices_decision(january, district, login):
    # given: the unit objected and the office cancelled the event (the page read
    # "撤销扣分：已请假", the unit's own reason under the office's decision)
    d = district
    _event, unit, objection = _objects_to_the_missed_meeting(d, login)
    login(d.office).post(
        f"/assessment/office/objections/{objection.pk}/cancel/",
        {"version": objection.version, "decision": "请假属实"},
    )
    # when
    html = unit.get(f"/assessment/units/{d.unit_b.pk}/?year=2024").content.decode()
    # then: the objection under its own name, the decision under the office's
    assert '异议理由：已请假<br><span class="muted">撤销该条计分：请假属实</span>' in html

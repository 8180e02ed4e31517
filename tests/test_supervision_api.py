"""The supervision API: every object scoped per role (a unit its own, a leader their area, the
office all; out of scope 404), the happy paths and refusals."""

from __future__ import annotations

import pytest
from ninja.testing import TestClient

from duban.api.api import api as duban_api
from duban.org.services import api_token_create
from duban.supervision.models import Card, Flag, Interview, Prompt
from duban.supervision.services.prompts import prompt_batch_draft
from tests.supervision_fixtures import supervised_district


@pytest.fixture
def api():
    client = TestClient(duban_api)

    def call(user, method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {api_token_create(user=user)}"}
        return getattr(client, method)(path, headers=headers, **kwargs)

    return call


@pytest.fixture
def world(district):
    return supervised_district(district, node_due_soon=False)


def _ids(response):
    body = response.json()
    items = body["items"] if isinstance(body, dict) else body
    return {x["unit"]["id"] for x in items}


def test_prompt_scope_per_role(world, api):
    d = world
    a = Prompt.objects.get(unit=d.unit_a)
    b = Prompt.objects.get(unit=d.unit_b)
    assert _ids(api(d.office, "get", "/prompts")) == {d.unit_a.pk, d.unit_a1.pk, d.unit_b.pk}
    # A unit sees its own and the units below it (A1 is a section of A).
    assert _ids(api(d.reporter_a, "get", "/prompts")) == {d.unit_a.pk, d.unit_a1.pk}
    assert _ids(api(d.reporter_b, "get", "/prompts")) == {d.unit_b.pk}
    assert _ids(api(d.head_a, "get", "/prompts")) == {d.unit_a.pk, d.unit_a1.pk}
    assert _ids(api(d.leader, "get", "/prompts")) == {d.unit_a.pk, d.unit_a1.pk}
    assert _ids(api(d.viewer, "get", "/prompts")) == {d.unit_b.pk}
    assert api(d.reporter_a, "get", f"/prompts/{b.pk}").status_code == 404
    assert api(d.reporter_b, "get", f"/prompts/{a.pk}").status_code == 404
    assert (
        api(d.reporter_b, "post", f"/prompts/{a.pk}/reply", json={"version": 2}).status_code == 404
    )


def test_prompt_reply_and_review(world, api):
    d = world
    p = Prompt.objects.get(unit=d.unit_a)
    answers = [
        {"line": line.pk, "answer": "已落实", "new_date": "2024-05-31"} for line in p.lines.all()
    ]
    r = api(d.reporter_a, "post", f"/prompts/{p.pk}/reply", json={"version": p.version})
    assert r.status_code == 422 and "逐项填写" in r.json()["detail"]
    # A transition the state does not allow is 422 with the reason (409 is kept for a stale
    # version: reading again would not help here).
    r = api(d.office, "post", f"/prompts/{p.pk}/accept", json={"version": p.version})
    assert r.status_code == 422 and "只有已答复的提示才能采纳" in r.json()["detail"]
    r = api(
        d.office, "post", f"/prompts/{p.pk}/reply", json={"version": p.version, "answers": answers}
    )
    assert r.status_code == 403
    r = api(
        d.reporter_a,
        "post",
        f"/prompts/{p.pk}/reply",
        json={"version": p.version, "answers": answers},
    )
    assert r.status_code == 200 and r.json()["state"] == "replied"
    r = api(d.office, "post", f"/prompts/{p.pk}/accept", json={"version": p.version})
    assert r.status_code == 409
    r = api(d.office, "post", f"/prompts/{p.pk}/accept", json={"version": p.version + 1})
    assert r.json()["state"] == "accepted"
    r = api(
        d.reporter_a,
        "post",
        f"/prompts/{p.pk}/reply",
        json={"version": p.version + 2, "answers": answers},
    )
    assert r.status_code == 403


def test_drafts_only_for_the_office(world, api):
    d = world
    r = api(d.reporter_a, "post", "/prompts/draft", json={"kind": "due_soon"})
    assert r.status_code == 403
    r = api(d.office, "post", "/prompts/draft", json={"kind": "due_soon"})
    assert r.status_code == 200


def test_card_scope_and_publish(world, api):
    d = world
    card_b = Card.objects.get(unit=d.unit_b, year=2024, month=3)
    assert api(d.reporter_b, "get", "/cards").json()["items"] == []  # not published yet
    assert api(d.reporter_b, "get", f"/cards/{card_b.pk}").status_code == 404
    r = api(d.office, "post", "/months/2024-04/cards/publish")
    assert r.status_code == 422 and "尚未关账" in r.json()["detail"]
    assert api(d.reporter_a, "post", "/months/2024-03/cards/publish").status_code == 403
    assert api(d.office, "post", "/months/2024-03/cards/publish").json() == {"published": 3}
    body = api(d.reporter_b, "get", f"/cards/{card_b.pk}").json()
    assert body["colour"] == "red" and body["explanation"][0]["text"].startswith("有2个红灯事项")
    assert _ids(api(d.reporter_b, "get", "/cards")) == {d.unit_b.pk}
    assert _ids(api(d.leader, "get", "/cards")) == {d.unit_a.pk, d.unit_a1.pk}
    assert api(d.reporter_a, "get", f"/cards/{card_b.pk}").status_code == 404


def test_card_override_needs_a_reason(world, api):
    d = world
    card = Card.objects.get(unit=d.unit_a1, year=2024, month=2)
    r = api(
        d.office,
        "post",
        f"/cards/{card.pk}/override",
        json={"version": card.version, "colour": "green", "reason": ""},
    )
    assert r.status_code == 422
    r = api(
        d.office,
        "post",
        f"/cards/{card.pk}/override",
        json={"version": card.version, "colour": "green", "reason": "按季报送"},
    )
    assert r.json()["colour"] == "green" and r.json()["computed"] == "yellow"


def test_flag_and_interview_scope(world, api):
    d = world
    flag = Flag.objects.get(target="unit", unit=d.unit_b)
    # Suggestions are the office's until confirmed.
    assert api(d.reporter_b, "get", f"/flags/{flag.pk}").status_code == 404
    r = api(
        d.office,
        "post",
        f"/flags/{flag.pk}/confirm",
        json={
            "version": flag.version,
            "reason": "连续红牌",
            "actions": "整改",
            "criteria": "转绿",
            "deadline": "2024-06-30",
            "leader": d.leader.pk,
        },
    )
    assert r.status_code == 200 and r.json()["state"] == "open"
    assert api(d.reporter_b, "get", f"/flags/{flag.pk}").status_code == 200
    assert api(d.reporter_a, "get", f"/flags/{flag.pk}").status_code == 404
    r = api(
        d.reporter_b,
        "post",
        f"/flags/{flag.pk}/request_delist",
        json={"version": flag.version + 1, "text": ""},
    )
    assert r.status_code == 422 and "佐证" in r.json()["detail"]
    iv = Interview.objects.get(unit=d.unit_b, month=3)
    assert api(d.reporter_b, "get", "/interviews").json()["items"] == []
    r = api(
        d.office,
        "post",
        f"/interviews/{iv.pk}/schedule",
        json={
            "version": iv.version,
            "on": "2024-04-10",
            "interviewer": "区长",
            "interviewees": "局长",
        },
    )
    assert r.json()["state"] == "scheduled"
    assert [x["id"] for x in api(d.reporter_b, "get", "/interviews").json()["items"]] == [iv.pk]
    assert api(d.reporter_a, "get", "/interviews").json()["items"] == []


def test_lists_come_a_page_at_a_time_with_their_count(world, api):
    # A province's month has 2,000 cards: a list says how many there are and pages through
    # them (the first 1,000 were all an API client got, with nothing said of the rest).
    d = world
    first = api(d.office, "get", "/cards?year=2024&page_size=4").json()
    assert first["count"] == Card.objects.filter(year=2024).count() == 9
    assert (first["page"], first["page_size"], len(first["items"])) == (1, 4, 4)
    rest = [api(d.office, "get", f"/cards?year=2024&page_size=4&page={n}").json() for n in (2, 3)]
    ids = [c["id"] for page in (first, *rest) for c in page["items"]]
    assert len(ids) == len(set(ids)) == 9
    flags = api(d.office, "get", "/flags").json()
    assert flags["count"] == len(flags["items"]) >= 1
    assert api(d.office, "get", "/interviews?page=99").json()["items"] == []


def test_a_page_of_cards_or_prompts_costs_the_same_queries_whatever_its_rows(world, api):
    # Each card's explanation names rows (items, prompts, problems) and each prompt has its
    # lines: read for the whole page at once, not once per card or prompt (a page may hold 500).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    d = world

    def queries(path):
        with CaptureQueriesContext(connection) as ctx:
            body = api(d.office, "get", path).json()
        return len(body["items"]), len(ctx.captured_queries)

    one_card, card_queries = queries("/cards?year=2024&page_size=1")
    all_cards, more_card_queries = queries("/cards?year=2024")
    assert (one_card, all_cards) == (1, 9)
    # at most a query more for each kind of row the other cards name (items, prompts, problems)
    assert more_card_queries <= card_queries + 3
    one_prompt, prompt_queries = queries("/prompts?page_size=1")
    prompt_batch_draft(kind=Prompt.Kind.WARNING, include_repeats=True)
    all_prompts, more_prompt_queries = queries("/prompts")
    assert one_prompt == 1 and all_prompts > 1 and more_prompt_queries == prompt_queries
    # The explanations are the ones a card read alone gives.
    listed = {c["id"]: c["explanation"] for c in api(d.office, "get", "/cards").json()["items"]}
    for card_id, explanation in listed.items():
        assert api(d.office, "get", f"/cards/{card_id}").json()["explanation"] == explanation


def test_issuing_a_prompt_out_of_scope_answers_404_and_issues_nothing(world, api):
    d = world
    draft = prompt_batch_draft(kind=Prompt.Kind.WARNING, include_repeats=True)[0]
    missing = {"prompts": [{"id": draft.pk, "version": 1}, {"id": 10**9, "version": 1}]}
    assert api(d.office, "post", "/prompts/issue", json=missing).status_code == 404
    draft.refresh_from_db()
    assert draft.state == Prompt.State.DRAFT
    body = api(d.office, "post", "/prompts/issue", json={"prompts": [missing["prompts"][0]]})
    assert body.status_code == 200 and body.json()[0]["state"] == "issued"
    assert body.json()[0]["lines"]


def test_absurd_dates_are_refused_with_the_range_and_change_nothing(world, api):
    d = world
    # a prompt's new date in year 1
    p = Prompt.objects.get(unit=d.unit_a)
    answers = [
        {"line": line.pk, "answer": "已落实", "new_date": "0001-01-01"} for line in p.lines.all()
    ]
    r = api(
        d.reporter_a,
        "post",
        f"/prompts/{p.pk}/reply",
        json={"version": p.version, "answers": answers},
    )
    assert r.status_code == 422
    assert r.json()["detail"] == (
        "预计完成日期0001-01-01不在合理范围内：应在2000年1月1日至2034年12月31日之间。"
    )
    p.refresh_from_db()
    assert p.replied_at is None and not p.lines.filter(answered_at__isnull=False).exists()
    # a flag's deadline in year 9999
    flag = Flag.objects.get(target="unit", unit=d.unit_b)
    r = api(
        d.office,
        "post",
        f"/flags/{flag.pk}/confirm",
        json={
            "version": flag.version,
            "reason": "连续红牌",
            "actions": "整改",
            "criteria": "转绿",
            "deadline": "9999-12-31",
            "leader": d.leader.pk,
        },
    )
    assert r.status_code == 422 and "整改时限9999-12-31不在合理范围内" in r.json()["detail"]
    flag.refresh_from_db()
    assert flag.state == Flag.State.SUGGESTED and flag.deadline is None
    # an interview in year 1
    iv = Interview.objects.get(unit=d.unit_b, month=3)
    r = api(
        d.office,
        "post",
        f"/interviews/{iv.pk}/schedule",
        json={
            "version": iv.version,
            "on": "0001-01-01",
            "interviewer": "区长",
            "interviewees": "局长",
        },
    )
    assert r.status_code == 422 and "约谈日期0001-01-01不在合理范围内" in r.json()["detail"]
    iv.refresh_from_db()
    assert iv.scheduled_on is None

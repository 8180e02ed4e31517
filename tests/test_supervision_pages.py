"""Supervision pages: each page for the office, a unit's reply through the page, a card
override refused without a reason, and 404 for another unit's prompt, card and flag."""

from __future__ import annotations

from datetime import date

import pytest

from duban.core.periods import Period
from duban.supervision.models import Card, Flag, Prompt
from duban.supervision.services.cards import cards_publish
from duban.supervision.services.prompts import prompt_batch_draft
from tests import factories as f
from tests.supervision_fixtures import supervised_district


@pytest.fixture
def world(district):
    return supervised_district(district)


def test_office_pages(world, login):
    d = world
    c = login(d.office)
    page = c.get("/supervision/prompts/").content.decode()
    assert "待下发草稿" in page and "下发所选提示" in page
    menu = c.get("/").content.decode()
    for label in ("提示", "亮牌", "挂牌督办", "约谈"):
        assert f">{label}</a>" in menu
    page = c.get("/supervision/cards/?period=2024-03").content.decode()
    assert "公布本月亮牌" in page and "区住建局" in page
    card = Card.objects.get(unit=d.unit_b, month=3)
    page = c.get(f"/supervision/cards/{card.pk}/").content.decode()
    assert "有2个红灯事项（达到2个亮红牌）" in page and "/ledger/" in page
    assert c.get(f"/supervision/units/{d.unit_b.pk}/").status_code == 200
    assert "连续三个月红牌" in c.get("/supervision/flags/").content.decode()
    assert "联合约谈" in c.get("/supervision/interviews/").content.decode()
    p = Prompt.objects.exclude(state="draft").first()
    r = c.get(f"/supervision/prompts/{p.pk}/docx/")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_unit_replies_through_the_page(world, login):
    d = world
    p = Prompt.objects.get(unit=d.unit_a, state="issued")
    c = login(d.reporter_a)
    page = c.get(f"/supervision/prompts/{p.pk}/").content.decode()
    assert "提交答复" in page
    data = {"version": p.version}
    for line in p.lines.all():
        data[f"answer-{line.pk}"] = "已落实"
        data[f"date-{line.pk}"] = "2024-05-31"
    c.post(f"/supervision/prompts/{p.pk}/reply/", {"answer-1": "x"})  # no version: refused
    p.refresh_from_db()
    assert p.state == "issued"
    c.post(f"/supervision/prompts/{p.pk}/reply/", data)
    p.refresh_from_db()
    assert p.state == "replied"


def test_override_without_reason_is_refused(world, login):
    d = world
    card = Card.objects.get(unit=d.unit_a1, month=2)
    c = login(d.office)
    r = c.post(
        f"/supervision/cards/{card.pk}/",
        {"version": card.version, "colour": "green", "reason": ""},
        follow=True,
    )
    assert "调整亮牌须写明理由" in r.content.decode()
    card.refresh_from_db()
    assert card.colour == "yellow"
    assert (
        login(d.head_a)
        .post(f"/supervision/cards/{card.pk}/", {"version": 1, "colour": "green", "reason": "x"})
        .status_code
        == 404
    )  # unpublished: not visible to the unit


def test_another_units_objects_are_404(world, login):
    d = world
    cards_publish(period=Period(2024, 3), by=d.office)
    b_prompt = Prompt.objects.get(unit=d.unit_b, state="issued")
    b_card = Card.objects.get(unit=d.unit_b, month=3)
    flag = Flag.objects.get(target="unit", unit=d.unit_b)
    c = login(d.reporter_a)
    assert c.get(f"/supervision/prompts/{b_prompt.pk}/").status_code == 404
    assert c.get(f"/supervision/prompts/{b_prompt.pk}/docx/").status_code == 404
    assert c.get(f"/supervision/cards/{b_card.pk}/").status_code == 404
    assert c.get(f"/supervision/flags/{flag.pk}/").status_code == 404
    assert c.get(f"/supervision/units/{d.unit_b.pk}/").status_code == 404
    assert "区住建局" not in c.get("/supervision/cards/?period=2024-03").content.decode()
    own = Card.objects.get(unit=d.unit_a, month=3)
    assert login(d.reporter_b).get(f"/supervision/cards/{own.pk}/").status_code == 404
    assert login(d.reporter_b).get(f"/supervision/cards/{b_card.pk}/").status_code == 200


def test_unit_home_shows_prompts_card_and_flags(world, login):
    d = world
    cards_publish(period=Period(2024, 3), by=d.office)
    home = login(d.reporter_b).get("/").content.decode()
    b_prompt = Prompt.objects.get(unit=d.unit_b, state="issued")
    assert b_prompt.number in home
    assert "2024年3月亮牌" in home and "红牌" in home
    a_prompt = Prompt.objects.get(unit=d.unit_a, state="issued")
    assert a_prompt.number not in home


def test_unit_home_names_the_cards_month_in_english(world, login, settings):
    # given: the English page ran the month into the word ("2024-3Cards: Red card")
    d = world
    cards_publish(period=Period(2024, 3), by=d.office)
    client = login(d.reporter_b)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # when
    home = client.get("/").content.decode()
    # then
    assert "Card for 2024-3: " in home and "2024-3Cards" not in home


def test_item_page_shows_the_prompts_that_listed_it(world, login):
    d = world
    p = Prompt.objects.get(unit=d.unit_a, state="issued")
    page = login(d.reporter_a).get(f"/ledger/{d.item_a.pk}/").content.decode()
    assert "督办提示与挂牌" in page and p.number in page
    other = login(d.office).get(f"/ledger/{d.item_c.pk}/").content.decode()
    assert p.number not in other


def test_interviews_come_a_page_at_a_time_by_state_month_and_unit(district, login):
    # A province's close proposes hundreds: the list is cut by state (what waits first),
    # month and unit, fifty a page, and every tab says how many it holds.
    from django.conf import settings

    from duban.supervision.models import Interview

    d = district
    lv, st = Interview.Level, Interview.State
    for unit in (d.unit_a, d.unit_a1, d.unit_b):
        for year in (2023, 2024):
            for month in range(1, 13):
                Interview.objects.create(
                    unit=unit,
                    year=year,
                    month=month,
                    level=lv.ITEM_PERSON,
                    because="黄牌",
                    state=st.DONE if year == 2023 else st.PROPOSED,
                )
    Interview.objects.filter(unit=d.unit_b, year=2024, month=1).update(state=st.DISMISSED)
    c = login(d.office)
    page = c.get("/supervision/interviews/")
    assert page.context["tab"] == "todo"
    tabs = {t["key"]: t["count"] for t in page.context["tabs"]}
    assert tabs == {"todo": 35, "done": 36, "dismissed": 1, "all": 72}
    assert len(page.context["page"]) == 35 and page.context["page"][0].state == st.PROPOSED
    everything = c.get("/supervision/interviews/?state=all")
    assert len(everything.context["page"]) == settings.DUBAN_PAGE_SIZE == 50
    assert "第1页，共2页（72条）" in everything.content.decode()
    second = c.get("/supervision/interviews/?state=all&page=2")
    assert len(second.context["page"]) == 22
    march = c.get("/supervision/interviews/?state=all&month=2024-03&q=住建")
    assert [(iv.unit_id, iv.month) for iv in march.context["page"]] == [(d.unit_b.pk, 3)]
    bad = c.get("/supervision/interviews/?state=all&month=2024-13")
    assert "报告期格式" in bad.content.decode() or "月份必须" in bad.content.decode()
    assert len(bad.context["page"]) == 50  # the bad month ignored, said
    # A unit sees its own interviews once the office has acted (no proposals, no tab for
    # dismissals); nothing waiting: it lands on all of them.
    own = login(d.head_b).get("/supervision/interviews/")
    assert {t["key"] for t in own.context["tabs"]} == {"todo", "done", "all"}
    assert own.context["tab"] == "all"
    assert {iv.unit_id for iv in own.context["page"]} == {d.unit_b.pk}
    assert len(own.context["page"]) == 12
    # Its twelve are filtered by month, not by unit: it answers for one unit only.
    assert own.context["filterable"] and not own.context["by_unit"]
    assert 'name="month"' in own.content.decode() and 'name="q"' not in own.content.decode()
    assert everything.context["by_unit"] and 'name="q"' in everything.content.decode()


def test_flags_land_on_the_suggestions_while_there_are_some(world, login, monkeypatch):
    d = world
    # A unit's handful of flags comes whole, without tabs: none hidden behind a tab it can't see.
    own = login(d.head_b).get("/supervision/flags/")
    assert own.context["tab"] == "all" and not own.context["filterable"]
    monkeypatch.setattr("duban.supervision.views.FEW_ROWS", 0)
    c = login(d.office)
    page = c.get("/supervision/flags/")
    assert page.context["tab"] == "suggested"
    suggested = Flag.objects.filter(state=Flag.State.SUGGESTED)
    assert [f.pk for f in page.context["page"]] == list(
        suggested.order_by("deadline", "-pk").values_list("pk", flat=True)
    )
    suggested.update(state=Flag.State.DISMISSED)
    page = c.get("/supervision/flags/")
    assert page.context["tab"] == "open"
    assert {t["key"]: t["count"] for t in page.context["tabs"]}["dismissed"] >= 1
    unit_page = login(d.head_b).get("/supervision/flags/?state=dismissed")
    assert unit_page.context["tab"] != "dismissed"  # no such tab for a unit
    assert all(f.unit_id == d.unit_b.pk for f in unit_page.context["page"])


def test_a_whole_batch_is_issued_from_the_page_in_one_field(district, login, settings):
    # A province's batch is 2,000 drafts: ticking each one would post 4,000 fields (Django
    # refuses more than 1,000). The drafts come a page at a time, and the whole batch as
    # previewed goes as one field of ids and versions.
    from duban.supervision.models import PromptCounter
    from duban.supervision.services.prompts import prompt_line_drop

    settings.DUBAN_PAGE_SIZE = 2
    d = district
    for n in range(4):
        unit = f.UnitFactory(code=f"late{n}", name=f"逾期单位{n}")
        f.WorkItemFactory(lead_unit=unit, title=f"逾期项目{n}", planned_finish=date(2023, 12, 31))
    drafts = prompt_batch_draft(kind=Prompt.Kind.WARNING)
    assert len(drafts) > 2
    c = login(d.office)
    page = c.get("/supervision/prompts/")
    assert len(page.context["drafts"]) == 2
    batch = page.context["batch"]
    assert batch == ",".join(f"{p.pk}:{p.version}" for p in sorted(drafts, key=lambda p: p.pk))
    html = page.content.decode()
    assert "下发全部" in html and 'name="batch"' in html
    # A draft changed since the preview: the whole batch refused, nothing issued.
    line = drafts[0].lines.first()
    prompt_line_drop(line=line, dropped=False, version=drafts[0].version)
    refused = c.post("/supervision/prompts/issue/", {"batch": batch}, follow=True)
    assert "已被" in refused.content.decode() or "修改" in refused.content.decode()
    assert not Prompt.objects.exclude(state=Prompt.State.DRAFT).exists()
    assert not PromptCounter.objects.filter(last__gt=0).exists()
    # A batch that is not ids and versions: said, nothing issued.
    bad = c.post("/supervision/prompts/issue/", {"batch": "1:2,x"}, follow=True)
    assert "版本号无效" in bad.content.decode()
    assert not Prompt.objects.exclude(state=Prompt.State.DRAFT).exists()
    # The batch as it is now: every draft issued and numbered, each in its history by the office.
    batch = c.get("/supervision/prompts/").context["batch"]
    c.post("/supervision/prompts/issue/", {"batch": batch})
    issued = Prompt.objects.filter(state=Prompt.State.ISSUED)
    assert issued.count() == len(drafts)
    assert sorted(issued.values_list("seq", flat=True)) == list(range(1, len(drafts) + 1))
    history = Prompt.history.filter(state=Prompt.State.ISSUED)
    assert history.count() == len(drafts)
    assert set(history.values_list("history_user", flat=True)) == {d.office.pk}
    listed = c.get("/supervision/prompts/?state=all")
    assert listed.context["page"].paginator.count == len(drafts)
    assert {t["key"]: t["count"] for t in listed.context["tabs"]}["issued"] == len(drafts)


def test_a_months_cards_by_colour_a_page_at_a_time(world, login, settings, monkeypatch):
    # A province has 2,000 cards a month: cut by colour and unit, a page at a time, the
    # publication at the top of the page, the month kept by every tab and filter. A unit's
    # handful of rows comes without tabs.
    d = world
    c = login(d.office)
    assert 'role="tablist"' not in c.get("/supervision/cards/?period=2024-03").content.decode()
    monkeypatch.setattr("duban.supervision.views.FEW_ROWS", 2)
    settings.DUBAN_PAGE_SIZE = 2
    page = c.get("/supervision/cards/?period=2024-03")
    assert {t["key"]: t["count"] for t in page.context["tabs"]} == {
        "all": 3,
        "red": 1,
        "yellow": 0,
        "green": 2,
    }
    assert len(page.context["page"]) == 2
    html = page.content.decode()
    assert html.index("公布本月亮牌") < html.index("<table")
    assert 'href="?period=2024-03&amp;state=red"' in html
    assert 'name="period" value="2024-03"' in html and 'name="month"' not in html
    red = c.get("/supervision/cards/?period=2024-03&state=red")
    assert [card.unit_id for card in red.context["page"]] == [d.unit_b.pk]
    found = c.get("/supervision/cards/?period=2024-03&state=all&q=发改")
    assert {card.unit_id for card in found.context["page"]} == {d.unit_a.pk, d.unit_a1.pk}
    cards_publish(period=Period(2024, 3), by=d.office)
    assert "公布本月亮牌" not in c.get("/supervision/cards/?period=2024-03").content.decode()


def test_month_links_say_the_month_in_the_readers_language():
    # The row of month links read "1month 2month …" in English.
    from django.utils import translation

    from duban.web.templatetags.duban_tags import month_short

    with translation.override("zh-hans"):
        assert [month_short(m) for m in (1, 3, 12)] == ["1月", "3月", "12月"]
    with translation.override("en"):
        assert [month_short(m) for m in (1, 3, 12)] == ["Jan", "Mar", "Dec"]
    assert month_short("x") == "x" and month_short(13) == "13"


def test_cards_page_offers_only_the_months_that_have_cards(world, login):
    # given: January to March closed (their cards computed), April not yet
    d = world
    c = login(d.office)
    # when: the page without a month
    page = c.get("/supervision/cards/").content.decode()
    # then: the newest month with cards is shown, and only months with cards are offered
    assert "2024年3月单位亮牌" in page
    for month in (1, 2, 3):
        assert f'href="?period=2024-0{month}"' in page
    for month in range(4, 13):
        assert f'href="?period=2024-{month:02d}"' not in page
    assert 'href="?period=2023-12"' not in page  # no earlier year with cards
    # and a unit with no published card yet is told so, with no month to choose
    page = login(d.reporter_b).get("/supervision/cards/").content.decode()
    assert "还没有任何月份的亮牌" in page and "?period=" not in page
    # once March is published, the unit is offered March only
    cards_publish(period=Period(2024, 3), by=d.office)
    page = login(d.reporter_b).get("/supervision/cards/").content.decode()
    assert 'href="?period=2024-03"' in page and 'href="?period=2024-02"' not in page

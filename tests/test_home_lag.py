"""A first screen's whole-scope figures may lag a little (DUBAN_HOME_MAX_LAG_SECONDS) for
someone who has written nothing lately, and never for the page after one's own write: the
cockpit of a province answers from what it computed a moment ago instead of judging 20,000
items again after every report another unit submits (issue 12's speed)."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.urls import reverse

from duban.core import clock
from duban.core.db_router import PIN_COOKIE
from duban.web.cockpit import leader_cockpit


def _red(client) -> int:
    html = client.get(reverse("web:home")).content.decode()
    assert 'id="cockpit-computed"' in html  # the page says when its figures were computed
    head = html[html.index('id="cockpit-headline"') :]
    value = head[head.index('data-figure="red"') :]
    value = value[value.index('class="value">') + len('class="value">') :]
    return int(value[: value.index("<")].strip())


def test_a_reader_sees_figures_at_most_the_allowed_lag_old_a_writer_sees_them_at_once(
    district, login, settings
):
    settings.DUBAN_HOME_MAX_LAG_SECONDS = 60
    leader = login(district.leader)
    # given: the cockpit computed once
    before = _red(leader)
    # when: another user's edit makes item_a red (its planned finish moved into March, passed)
    item = district.item_a
    item.planned_finish = date(2024, 3, 20)
    item.save()
    # then: a reader who wrote nothing sees the figures of a moment ago, saying when
    assert _red(leader) == before
    # and whoever wrote lately (a write pins the browser) sees the newest at once
    pinned = login(district.leader)
    pinned.cookies[PIN_COOKIE] = f"{clock.now().timestamp() + 30:.3f}"
    assert _red(pinned) == before + 1
    assert leader_cockpit(user=district.leader).lights.red == before + 1  # outside a request
    # (and once the newest figures are computed, every reader gets them)
    assert _red(leader) == before + 1

    # and once an entry is older than the allowed lag, a reader gets the newest figures
    item.planned_finish = None
    item.save()
    assert _red(leader) == before + 1  # a moment ago
    with time_machine.travel(clock.now() + timedelta(seconds=61)):
        assert _red(leader) == before


def test_a_form_post_pins_its_browser_to_the_newest_figures(district, login, settings):
    settings.DUBAN_HOME_MAX_LAG_SECONDS = 60
    client = login(district.leader)
    response = client.post("/i18n/setlang/", {"language": "zh-hans"})
    assert PIN_COOKIE in response.cookies
    assert float(response.cookies[PIN_COOKIE].value) >= clock.now().timestamp() + 59

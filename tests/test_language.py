"""Chinese first: the browser's language does not switch the interface; the user's choice does."""

from __future__ import annotations

from django.conf import settings


def test_english_browser_still_gets_chinese(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"


def test_language_switch_cookie_gives_english(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/accounts/login/")
    assert response.headers["Content-Language"] == "en"


def test_browser_negotiation_can_be_switched_on(client, db, settings):
    settings.DUBAN_LANGUAGE_FROM_BROWSER = True
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "en"

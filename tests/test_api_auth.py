"""Bearer tokens: only a live token of an active user gets in; everything else is 401 JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from duban.org.models import ApiToken
from duban.org.services import api_token_create, api_token_revoke, api_token_revoke_all


def _get(path: str, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return Client().get(path, **headers)


def test_api_token_create_stores_only_the_hash(district):
    # when
    key = api_token_create(user=district.reporter_a)
    # then
    token = ApiToken.objects.get(user=district.reporter_a)
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in (token.key_hash, token.prefix)
    assert key.startswith(token.prefix)


def test_api_me_answers_the_token_user(district):
    # given
    key = api_token_create(user=district.reporter_a)
    # when
    response = _get("/api/v1/me", key)
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "reporter_a"
    assert body["role"] == "reporter"
    assert body["unit"] == {"id": district.unit_a.pk, "code": "a", "name": "区发改局"}
    assert body["is_office"] is False


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/work-items", "/api/v1/reports"])
def test_api_without_token_answers_401(district, path):
    response = _get(path)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_api_session_login_is_not_enough(district, login):
    # The API authenticates by token only: a browser session must not open it.
    response = login(district.office).get("/api/v1/me")
    assert response.status_code == 401


def test_api_wrong_token_answers_401(district):
    api_token_create(user=district.office)
    response = _get("/api/v1/me", "dbn_not-a-real-token")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_api_malformed_authorization_header_answers_401(district):
    key = api_token_create(user=district.office)
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401


def test_api_revoked_token_answers_401(district):
    # given
    key = api_token_create(user=district.office)
    assert _get("/api/v1/me", key).status_code == 200
    # when
    api_token_revoke(token=ApiToken.objects.get(user=district.office))
    # then
    response = _get("/api/v1/me", key)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_api_token_revoke_all_revokes_every_live_token(district):
    first = api_token_create(user=district.office)
    second = api_token_create(user=district.office)
    other = api_token_create(user=district.head_a)
    assert api_token_revoke_all(user=district.office) == 2
    assert _get("/api/v1/me", first).status_code == 401
    assert _get("/api/v1/me", second).status_code == 401
    assert _get("/api/v1/me", other).status_code == 200


def test_api_inactive_user_answers_401(district):
    # given
    key = api_token_create(user=district.office)
    # when
    district.office.is_active = False
    district.office.save(update_fields=["is_active"])
    # then
    response = _get("/api/v1/me", key)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_api_token_records_last_use_at_most_once_a_minute(district, time_machine):
    # given
    key = api_token_create(user=district.office)
    token = ApiToken.objects.get(user=district.office)
    assert token.last_used_at is None
    # when: first use
    _get("/api/v1/me", key)
    token.refresh_from_db()
    first = token.last_used_at
    # then
    assert first is not None
    # when: 30 s later, no write
    time_machine.shift(timedelta(seconds=30))
    _get("/api/v1/me", key)
    token.refresh_from_db()
    assert token.last_used_at == first
    # when: 61 s after the first use, written again
    time_machine.shift(timedelta(seconds=31))
    _get("/api/v1/me", key)
    token.refresh_from_db()
    assert token.last_used_at == first + timedelta(seconds=61)

"""A database too busy to write (SQLite's "database is locked", PostgreSQL's deadlock or lock
timeout): the request runs again a bounded number of times, then answers 503 with Retry-After,
JSON on the API (declared in the spec) and a page elsewhere; a retry that finds the lock gone
succeeds."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from duban.core import db_busy
from duban.org.services import api_token_create
from duban.reporting import api_write
from duban.reporting.models import MonthlyReport

LOCKED = "database is locked"
FILLED = {"investment_month": "120.5", "progress_text": "主体施工"}


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(db_busy, "PAUSE", 0)


def _locked(times: int, real):
    """A stand-in for a write that finds the database locked `times` times, then works."""
    calls = {"n": 0}

    def call(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= times:
            raise OperationalError(LOCKED)
        return real(*args, **kwargs)

    return call, calls


def _put(user, **headers):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")
    return lambda item: client.put(
        f"/api/v1/work-items/{item.pk}/reports/2024-03",
        FILLED,
        content_type="application/json",
        headers=headers,
    )


def test_an_api_write_that_stays_locked_answers_503_with_retry_after(district, monkeypatch):
    # given: the database stays locked
    locked, calls = _locked(10**6, api_write.report_put)
    monkeypatch.setattr(api_write, "report_put", locked)
    # when
    response = _put(district.reporter_a, **{"Idempotency-Key": "k1"})(district.item_a)
    # then: tried 1 + RETRIES times, then refused with the reason and when to come back
    assert response.status_code == 503
    assert response["Retry-After"] == str(db_busy.RETRY_AFTER)
    assert response.json()["detail"] == db_busy.busy_message()
    assert calls["n"] == 1 + db_busy.RETRIES
    assert not MonthlyReport.objects.exists()


def test_an_api_write_succeeds_once_the_lock_clears(district, monkeypatch):
    # given: locked for the first attempt only
    locked, calls = _locked(1, api_write.report_put)
    monkeypatch.setattr(api_write, "report_put", locked)
    # when: sent once with an idempotency key, then retried by the client with the same key
    put = _put(district.reporter_a, **{"Idempotency-Key": "k2"})
    first = put(district.item_a)
    again = put(district.item_a)
    # then: the server's own retry wrote it once; the client's retry replays the answer
    assert first.status_code == 201, first.content
    assert calls["n"] == 2
    assert again.status_code == 201 and again.json() == first.json()
    assert MonthlyReport.objects.filter(work_item=district.item_a).count() == 1


def test_a_page_write_that_stays_locked_answers_a_503_page(district, monkeypatch):
    # given
    from duban.notify import views

    def locked(**kwargs):
        raise OperationalError(LOCKED)

    monkeypatch.setattr(views, "notification_mark_read", locked)
    client = Client(raise_request_exception=False)
    client.force_login(district.reporter_a)
    # when
    response = client.post(reverse("notify:read_all"))
    # then
    assert response.status_code == 503
    assert response["Retry-After"] == str(db_busy.RETRY_AFTER)
    assert db_busy.busy_message() in response.content.decode()


def test_another_database_error_is_still_a_server_error(district, monkeypatch):
    def broken(**kwargs):
        raise OperationalError("no such table: reporting_monthlyreport")

    monkeypatch.setattr(api_write, "report_put", broken)
    with pytest.raises(OperationalError):
        _put(district.reporter_a)(district.item_a)


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "busy"), [("40P01", True), ("40001", True), ("55P03", True), ("23505", False)]
)
def test_postgresql_deadlocks_and_lock_timeouts_count_as_busy(sqlstate, busy):
    error = OperationalError("could not obtain lock")
    error.__cause__ = _PgError(sqlstate)
    assert db_busy.is_busy(error) is busy


def test_the_spec_declares_503_for_every_write(db):
    spec = Client().get("/api/v1/openapi.json").json()
    writes = [
        (path, method, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in {"post", "put", "patch", "delete"}
    ]
    assert writes
    for path, method, op in writes:
        # every write names its refusals and the busy answer, each with the error body
        assert {"400", "422", "503"} <= set(op["responses"]), (method, path)
        assert "ErrorOut" in json.dumps(op["responses"]["503"]), (method, path)
        if op.get("security"):
            assert "401" in op["responses"], (method, path)

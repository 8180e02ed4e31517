"""Several processes: `duban serve --workers N` (gunicorn on Linux, PostgreSQL only), and the
read-replica router that never serves the read following a user's own write."""

from __future__ import annotations

import sys
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from duban.core import db_router
from duban.org.management.commands import serve as serve_command


@pytest.fixture
def calls(settings, monkeypatch):
    settings.SECRET_KEY = "x" * 50
    made: list[tuple[str, dict]] = []
    monkeypatch.setattr(serve_command, "run_server", lambda **kw: made.append(("waitress", kw)))
    monkeypatch.setattr(serve_command, "run_gunicorn", lambda **kw: made.append(("gunicorn", kw)))
    return made


def test_several_workers_need_postgresql(calls, monkeypatch):
    monkeypatch.setattr(serve_command, "database_is_sqlite", lambda: True)
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("serve", "--workers", "2")
    with pytest.raises(CommandError, match="1到64"):
        call_command("serve", "--workers", "0")
    call_command("serve")
    assert calls == [("waitress", {"host": "127.0.0.1", "port": 8000, "threads": 8})]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="gunicorn runs on Linux")
def test_several_workers_run_gunicorn_on_postgresql(calls, monkeypatch):
    monkeypatch.setattr(serve_command, "database_is_sqlite", lambda: False)
    call_command("serve", "--workers", "3", "--threads", "4", "--port", "8123")
    assert calls == [("gunicorn", {"host": "127.0.0.1", "port": 8123, "workers": 3, "threads": 4})]
    options = serve_command.gunicorn_settings(host="::1", port=8123, workers=3, threads=4)
    assert options["bind"] == "[::1]:8123"
    assert options["workers"] == 3 and options["worker_class"] == "gthread"


def test_reads_use_the_replica_only_for_safe_requests_not_pinned_by_a_write(monkeypatch):
    rf = RequestFactory()
    now = time.time()
    assert db_router.replica_allowed(rf.get("/overview/"), now)
    assert not db_router.replica_allowed(rf.post("/overview/"), now)
    pinned = rf.get("/overview/")
    pinned.COOKIES[db_router.PIN_COOKIE] = f"{now + 5:.3f}"
    assert not db_router.replica_allowed(pinned, now)  # the page after the user's own write
    assert db_router.replica_allowed(pinned, now + 6)
    pinned.COOKIES[db_router.PIN_COOKIE] = "nonsense"
    assert not db_router.replica_allowed(pinned, now)

    router = db_router.ReplicaRouter()
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    assert router.db_for_read(object) == "default"  # outside a request
    token = db_router._replica_ok.set(True)
    try:
        assert router.db_for_read(object) == "replica"
        assert router.db_for_write(object) == "default"
        assert not router.allow_migrate("replica", "reporting")
    finally:
        db_router._replica_ok.reset(token)


def test_a_write_pins_the_client_to_the_primary(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    seen: list[bool] = []

    def view(request):
        from django.http import HttpResponse

        seen.append(db_router._replica_ok.get())
        return HttpResponse("ok")

    middleware = db_router.ReplicaMiddleware(view)
    rf = RequestFactory()
    written = middleware(rf.post("/api/v1/reports/1/submit"))
    cookie = written.cookies[db_router.PIN_COOKIE]
    assert float(cookie.value) > time.time() and cookie["httponly"]
    after = rf.get("/reports/")
    after.COOKIES[db_router.PIN_COOKIE] = cookie.value
    middleware(after)
    middleware(rf.get("/reports/"))
    assert seen == [False, False, True]

"""The server: `duban serve` refuses the development secret key without DEBUG, and idle
connections (no login needed) cannot stall waitress with the chosen settings."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from waitress.server import create_server

from duban.org.management.commands import serve as serve_command


def test_serve_refuses_the_development_key_without_debug(settings, monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr(serve_command, "run_server", lambda **kw: calls.append(kw))
    settings.DEBUG = False
    settings.SECRET_KEY = "insecure-development-key-set-DUBAN_SECRET_KEY"
    with pytest.raises(CommandError, match="DUBAN_SECRET_KEY"):
        call_command("serve")
    settings.SECRET_KEY = "short"
    with pytest.raises(CommandError, match="密钥"):
        call_command("serve")
    assert calls == []
    settings.SECRET_KEY = "x" * 50
    call_command("serve")
    assert len(calls) == 1


def test_waitress_settings_bound_bodies_and_idle_time(settings):
    chosen = serve_command.waitress_settings()
    assert chosen["connection_limit"] >= 1000
    assert chosen["channel_timeout"] <= 30
    assert chosen["asyncore_use_poll"] is True
    largest = max(settings.DUBAN_IMPORT_MAX_BYTES, settings.DUBAN_EVIDENCE_MAX_BYTES)
    assert chosen["max_request_body_size"] == largest + 1024 * 1024


def _hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def test_idle_connections_do_not_stall_the_server():
    """200 idle sockets (twice waitress's default limit) and a real request still answers."""
    chosen = {**serve_command.waitress_settings(threads=2), "channel_timeout": 5}
    server = create_server(_hello, host="127.0.0.1", port=0, **chosen)
    port = server.effective_port
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    idle = []
    try:
        for _ in range(200):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.5)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            answer = client.recv(1024)
        assert answer.startswith(b"HTTP/1.1 200")
    finally:
        for s in idle:
            s.close()
        server.close()

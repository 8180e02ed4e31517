"""An optional read replica (`DATABASE_REPLICA_URL`) for reads that may lag a little, and the
one rule of who may read data a little behind (the replica, a first screen's cached figures).

Only a GET or HEAD request reads from the replica, and only when the same browser or client
has written nothing for `DUBAN_REPLICA_PIN_SECONDS` (a write pins it to the primary with a
cookie, so the page that follows a user's own write never reads a lagging copy). Every read
inside a transaction, every write and every command outside a request go to the primary.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "duban_primary_until"
_replica_ok: ContextVar[bool] = ContextVar("duban_replica_ok", default=False)
# A safe request from someone who has written nothing lately: it may be answered from data a
# little behind (the replica; a first screen's figures up to DUBAN_HOME_MAX_LAG_SECONDS old).
_lag_ok: ContextVar[bool] = ContextVar("duban_lag_ok", default=False)
SAFE_METHODS = frozenset({"GET", "HEAD"})


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads go to the replica only while the request allows it (see ReplicaMiddleware)."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if (
            _replica_ok.get()
            and replica_configured()
            and not connections["default"].in_atomic_block
        ):
            return REPLICA
        return "default"

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica is a copy of the same database

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"


def pin_seconds() -> int:
    """How long a write pins its browser or client to fresh data: the replica's pin, and at
    least as long as a first screen may lag (so the page after one's own write is never old)."""
    return max(int(getattr(settings, "DUBAN_REPLICA_PIN_SECONDS", 10)), home_max_lag())


def home_max_lag() -> int:
    """How old (seconds) the whole-scope figures of a first screen may be for someone who has
    not written lately (DUBAN_HOME_MAX_LAG_SECONDS, 60; 0: always the newest)."""
    return max(int(getattr(settings, "DUBAN_HOME_MAX_LAG_SECONDS", 60)), 0)


def lag_allowed() -> bool:
    """Whether this request may be answered from data a little behind: a GET or HEAD, in a
    request, from a browser or client that has written nothing for `pin_seconds()`."""
    return _lag_ok.get()


def replica_allowed(request: HttpRequest, now: float) -> bool:
    """A safe request from someone who has not written in the last few seconds."""
    if request.method not in SAFE_METHODS:
        return False
    try:
        until = float(request.COOKIES.get(PIN_COOKIE, "0"))
    except ValueError:
        return False
    return now >= until


class ReplicaMiddleware:
    """Lets the router use the replica for this request, and pins a writer to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        allowed = replica_allowed(request, now)
        lag = _lag_ok.set(allowed)
        replica = _replica_ok.set(allowed and replica_configured())
        try:
            response = self.get_response(request)
        finally:
            _replica_ok.reset(replica)
            _lag_ok.reset(lag)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                f"{now + pin_seconds():.3f}",
                max_age=pin_seconds(),
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

"""A database too busy to take a write: the request is tried again a few times, then answered
with 503 and `Retry-After` instead of a 500.

SQLite lets one writer in at a time; a writer that waits longer than the busy timeout
(settings: `DUBAN_SQLITE_BUSY_TIMEOUT`) gets "database is locked". PostgreSQL answers a
deadlock, a serialisation failure or a lock timeout the same way. `DatabaseBusyMiddleware`
runs the request again (up to `RETRIES` times, after a short pause) when nothing it wrote had
committed (a write that committed is never run twice), and otherwise answers 503: JSON
`{"detail": ...}` on the API (declared for every operation in the spec), a page elsewhere.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import OperationalError, connection, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRIES = 2
PAUSE = 0.2  # seconds before the first retry, doubled for the next
RETRY_AFTER = 5  # seconds, told to the client in the 503
# PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
_BUSY_SQLSTATES = frozenset({"40001", "40P01", "55P03"})
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_FLAG = "_duban_db_busy"


def is_busy(exc: BaseException | None) -> bool:
    """Whether an error says the database was too busy (locked), not that the write was wrong."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    text = str(exc).lower()
    return "database is locked" in text or "database table is locked" in text


def busy_message() -> str:
    return _("系统繁忙，您的操作没有保存，请稍后重试。")


def mark_busy(request: HttpRequest) -> None:
    setattr(request, _FLAG, True)


@receiver(got_request_exception)
def _note_busy(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Django turns an error anywhere in the request into a 500 and sends this signal first.
    if request is not None and is_busy(sys.exc_info()[1]):
        mark_busy(request)


class _Writes:
    """Watches the default connection: did a write of this attempt commit?"""

    def __init__(self) -> None:
        self.committed = False

    def _done(self) -> None:
        self.committed = True

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        result = execute(sql, params, many, context)
        if sql.lstrip()[:7].upper().startswith(_WRITES):
            db = context["connection"]
            if db.in_atomic_block:
                transaction.on_commit(self._done, using=db.alias)
            else:
                self.committed = True
        return result


def busy_response(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON for the API, a page elsewhere; both say when to try again."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": busy_message()}, status=503)
    else:
        response = HttpResponse(
            render_to_string("503.html", {"message": busy_message()}), status=503
        )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def _rewind_uploads(request: HttpRequest) -> None:
    files = getattr(request, "_files", None)
    if files is not None:
        for _name, uploads in files.lists():
            for upload in uploads:
                upload.seek(0)


class DatabaseBusyMiddleware:
    """Runs a request again while the database is busy and nothing it wrote committed, then
    answers 503 with Retry-After."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for attempt in range(RETRIES + 1):
            setattr(request, _FLAG, False)
            writes = _Writes()
            with connection.execute_wrapper(writes):
                response = self.get_response(request)
            if not getattr(request, _FLAG, False):
                return response
            logger.warning(
                "db.busy",
                extra={"path": request.path, "attempt": attempt + 1, "wrote": writes.committed},
            )
            if writes.committed or attempt == RETRIES:
                break
            time.sleep(PAUSE * 2**attempt)
            _rewind_uploads(request)
        return busy_response(request)

"""`Idempotency-Key` for API writes: a client that retries after a timeout gets the first
answer back and nothing is written twice.

The key is reserved (a unique row per user and key) inside the same transaction as the write:
a concurrent retry waits on the reservation and then replays the stored answer; a write that
fails with a server error rolls back with its reservation, so the retry runs again. The same
key with another method, path or body is refused with 422.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from duban.api.models import IdempotentRequest
from duban.core import clock
from duban.core.api.errors import unreadable_detail
from duban.org.services import api_token_authenticate

HEADER = "HTTP_IDEMPOTENCY_KEY"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_KEY = 255
# Keys are kept a day: long enough for any retry, short enough to keep the table small.
KEEP = timedelta(days=1)


class _Discard(Exception):  # noqa: N818 — a server error: roll back the reservation too
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _request_hash(request: HttpRequest) -> str:
    h = hashlib.sha256()
    h.update(request.method.encode() if request.method else b"")
    h.update(b"\0" + request.get_full_path().encode() + b"\0")
    h.update(request.body)
    return h.hexdigest()


def _replay(record: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status, content_type=record.content_type
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _reserve(user_id: int, key: str, digest: str) -> IdempotentRequest | None:
    """The key's row, inserted now (unanswered yet), or None when the user already sent it.

    One statement, `INSERT … ON CONFLICT DO NOTHING RETURNING`, with no savepoint around it
    (PostgreSQL and SQLite both speak it): a concurrent request holding the same key makes
    this one wait for its transaction, then find the row taken."""
    meta = IdempotentRequest._meta
    now = meta.get_field("created_at").get_db_prep_save(clock.now(), connection)
    quote = connection.ops.quote_name
    columns = ["user_id", "key", "request_hash", "status", "content_type", "body", "created_at"]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 — our own names
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({quote('user_id')}, {quote('key')}) DO NOTHING RETURNING {quote('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, key, digest, 0, "", b"", now])
        row = cursor.fetchone()
    if row is None:
        return None
    record = IdempotentRequest(
        pk=row[0], user_id=user_id, key=key, request_hash=digest, status=0, content_type=""
    )
    record._state.adding = False
    return record


def _refuse(message: str, status: int = 422) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


class IdempotencyMiddleware:
    """For `/api/` writes carrying an `Idempotency-Key` header from an authenticated token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER)
        if key is None or request.method not in WRITES or "/api/" not in request.path:
            return self.get_response(request)
        if not key or len(key) > MAX_KEY:
            return _refuse(_("Idempotency-Key 须为1至255个字符。"))
        auth = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _sep, token = auth.partition(" ")
        user = api_token_authenticate(key=token.strip()) if scheme.lower() == "bearer" else None
        # The API's TokenAuth takes it from here instead of looking the token up again.
        request._duban_token = (token.strip(), user)  # type: ignore[attr-defined]
        if user is None:
            return self.get_response(request)  # the API answers 401
        try:
            digest = _request_hash(request)
        except RequestDataTooBig as e:
            # Read here before the API could answer it: the same JSON 400 as the API's.
            return _refuse(unreadable_detail(e), status=400)
        try:
            with transaction.atomic():
                record = _reserve(user.pk, key, digest)
                if record is None:
                    first = IdempotentRequest.objects.get(user=user, key=key)
                    if first.request_hash != digest:
                        return _refuse(
                            _("该 Idempotency-Key 已用于另一请求，请为新的请求换一个键。")
                        )
                    return _replay(first)
                response = self.get_response(request)
                if response.status_code >= 500 or getattr(response, "streaming", False):
                    raise _Discard(response)
                record.status = response.status_code
                record.content_type = response.get("Content-Type", "application/json")
                record.body = response.content
                record.save(update_fields=["status", "content_type", "body"])
                if record.pk % 100 == 0:  # now and then, not on every write
                    IdempotentRequest.objects.filter(created_at__lt=clock.now() - KEEP).delete()
                return response
        except _Discard as d:
            return d.response

"""The audit log: who signed in (or failed to), from where, and who exported or downloaded
what. One row per act, written once (`AuditEvent`); the office searches it at /audit/."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from duban.core import clock
from duban.org.models import AuditEvent, User

logger = logging.getLogger("duban.audit")


def client_ip(request: HttpRequest | None) -> str | None:
    """The peer's address as the server saw it (waitress sets REMOTE_ADDR; behind a proxy,
    configure waitress's trusted_proxy so this is the client, not the proxy)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    kind: str,
    request: HttpRequest | None = None,
    user: User | None = None,
    username: str = "",
    what: str = "",
    **detail: Any,
) -> AuditEvent:
    """Write one audit row (and a structured log line); never raises for a missing user."""
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if isinstance(candidate, User) and candidate.is_authenticated:
            user = candidate
    event = AuditEvent.objects.create(
        at=clock.now(),
        kind=kind,
        user=user,
        username=(username or (user.username if user else ""))[:150],
        ip=client_ip(request),
        what=what[:300],
        detail={k: v for k, v in detail.items() if v is not None},
    )
    logger.info(
        "audit.%s",
        kind,
        extra={"username": event.username, "ip": event.ip, "what": event.what},
    )
    return event


def log_export(request: HttpRequest, what: str, **detail: Any) -> AuditEvent:
    """Record an export or a download by the signed-in user (what, and its filters)."""
    kind = AuditEvent.Kind.DOWNLOAD if what == "evidence" else AuditEvent.Kind.EXPORT
    return audit_record(kind=kind, request=request, what=what, **detail)

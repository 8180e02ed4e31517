"""The audit log: who signed in (or failed to), from where, and who exported or downloaded
what. One row per act, written once (`AuditEvent`); the office searches it at /audit/."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

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


def log_download(request: HttpRequest, response: HttpResponse) -> AuditEvent | None:
    """Record a file handed to a signed-in user (an export, a workbook, minutes, evidence):
    who, from where, which path with which filters, and the file name."""
    disposition = response.get("Content-Disposition", "")
    if response.status_code != 200 or not disposition.startswith("attachment"):
        return None
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    kind = AuditEvent.Kind.DOWNLOAD if "/evidence/" in request.path else AuditEvent.Kind.EXPORT
    return audit_record(
        kind=kind,
        request=request,
        user=user,
        what=request.path,
        query=request.META.get("QUERY_STRING", "")[:500] or None,
        file=disposition.split("filename", 1)[-1].lstrip("*=\"'UTF-8")[:200] or None,
    )


@dataclass(frozen=True)
class AuditFilters:
    q: str = ""
    kind: str = ""
    start: date | None = None
    end: date | None = None


def audit_event_list(*, user: User, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """The audit log, newest first; only the office reads it (others get nothing)."""
    if not user.is_office:
        return AuditEvent.objects.none()
    f = filters or AuditFilters()
    qs = AuditEvent.objects.select_related("user")
    if f.q:
        qs = qs.filter(Q(username__icontains=f.q) | Q(what__icontains=f.q) | Q(ip__startswith=f.q))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.start:
        qs = qs.filter(at__date__gte=f.start)
    if f.end:
        qs = qs.filter(at__date__lte=f.end)
    return qs.order_by("-at", "-pk")


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("用户名、对象或地址"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("全部")), *AuditEvent.Kind.choices], required=False
    )
    start = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> AuditFilters:
        if not self.is_bound or not self.is_valid():
            return AuditFilters()
        d = self.cleaned_data
        return AuditFilters(
            q=d.get("q") or "", kind=d.get("kind") or "", start=d.get("start"), end=d.get("end")
        )

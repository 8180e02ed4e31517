"""The inbox: the user's own notifications, filtered by kind, marked read one by one or all."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from duban.core.events import NotificationKind
from duban.notify.selectors import notification_get_for_user, notification_list
from duban.notify.services import notification_mark_read
from duban.org.models import User


@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    kind = request.GET.get("kind") or None
    if kind not in NotificationKind.values:
        kind = None
    unread = {"1": True, "0": False}.get(request.GET.get("unread", ""))
    items = notification_list(user=user, kind=kind, unread=unread)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notify/inbox.html",
        {
            "page": page,
            "kinds": NotificationKind.choices,
            "kind": kind or "",
            "unread": request.GET.get("unread", ""),
            "query": query.urlencode(),
        },
    )


@login_required
def notification_open_view(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Open a notification: it is read, and the user goes to its object."""
    user = cast(User, request.user)
    notification = notification_get_for_user(user=user, notification_id=notification_id)
    notification_mark_read(user=user, ids=[notification.pk])
    url = notification.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(url)
    return redirect("notify:inbox")


@require_POST
@login_required
def notification_mark_all_read_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    notification_mark_read(user=user)
    return redirect("notify:inbox")

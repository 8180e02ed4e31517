"""Chinese first: the interface language comes from the user's choice, not the browser."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse


class ChineseFirstMiddleware:
    """Drop Accept-Language before LocaleMiddleware unless the district opts in.

    Office PCs often run an English Windows; the product still speaks Chinese until the user
    picks English with the language switch (a cookie). DUBAN_LANGUAGE_FROM_BROWSER=true
    restores Django's usual browser negotiation.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.DUBAN_LANGUAGE_FROM_BROWSER:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class ControlCharactersMiddleware:
    """Refuse a URL (path or query) that carries control characters: no page or search has a
    use for them, and a NUL would make PostgreSQL fail the query. The API answers 422 JSON,
    pages 400, with the reason; bodies are cleaned when a record is saved."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from urllib.parse import unquote

        from django.utils.translation import gettext as _

        from duban.core.text import has_controls

        raw = unquote(request.META.get("QUERY_STRING", ""), errors="replace")
        if has_controls(request.path) or has_controls(raw):
            message = _("地址或查询条件中含有控制字符，已拒绝。")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=422)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Sign a user out after DUBAN_SESSION_IDLE_MINUTES without a request, and at the latest
    DUBAN_SESSION_MAX_HOURS after signing in (the cookie's own age renews on every change)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.utils.translation import gettext as _

        from duban.core import clock

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = clock.now().timestamp()
            session = request.session
            signed_in = session.setdefault("duban_signed_in_at", now)
            last_seen = session.get("duban_last_seen", now)
            idle = now - last_seen > settings.DUBAN_SESSION_IDLE_MINUTES * 60
            too_old = now - signed_in > settings.DUBAN_SESSION_MAX_HOURS * 3600
            if idle or too_old:
                logout(request)
                messages.info(
                    request,
                    _("长时间未操作，已自动退出，请重新登录。")
                    if idle
                    else _("登录时间已超过上限，请重新登录。"),
                )
            elif now - last_seen > 60:
                # Write the session at most once a minute, not on every request.
                session["duban_last_seen"] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """After the office sets or resets a password, the user changes it before anything else."""

    ALLOWED = ("/accounts/", "/static/", "/i18n/", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.shortcuts import redirect

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.ALLOWED)
        ):
            return redirect("password_change")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for a signed-in user are never kept by the browser or a proxy (a shared office
    PC's back button must not show them after sign-out). Static files are served before."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class DownloadAuditMiddleware:
    """Every file handed out as an attachment (exports, workbooks, minutes, evidence; pages
    and API alike) is written to the audit log: one place, so no export can forget it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from duban.org.audit import log_download

        response = self.get_response(request)
        log_download(request, response)
        return response

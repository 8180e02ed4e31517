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

"""Chinese first: the interface language comes from the user's choice, not the browser."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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

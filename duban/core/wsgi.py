"""The WSGI application as a server process starts it."""

from __future__ import annotations

import contextlib

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application


def warm_wsgi_application() -> WSGIHandler:
    """The WSGI application with the URLconf loaded, and with it every app's views and the
    API's routers and schemas: each server process does that as it starts, not inside the
    first request it answers (about a second of CPU, which a month-end burst met on every
    fresh gunicorn worker). Nothing here touches the database."""
    from django.conf import settings
    from django.conf.urls.i18n import is_language_prefix_patterns_used
    from django.urls import Resolver404, get_resolver

    handler = get_wsgi_application()
    is_language_prefix_patterns_used(settings.ROOT_URLCONF)
    with contextlib.suppress(Resolver404):
        get_resolver().resolve("/")
    return handler

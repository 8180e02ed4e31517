"""Authentication: API bearer tokens (looked up by their SHA-256) and the sign-in throttle."""

from __future__ import annotations

from typing import Any, cast

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest
from ninja.security import HttpBearer

from duban.org.models import User
from duban.org.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """A live token of an active user; anything else answers 401."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        known = getattr(request, "_duban_token", None)  # looked up by the idempotency check
        user = known[1] if known and known[0] == token else api_token_authenticate(key=token)
        if user is not None:
            # Pages and selectors read `request.user`; the API reads `request.auth`.
            request.user = user
        return user


def request_user(request: HttpRequest) -> User:
    """The authenticated user of an API request (set by TokenAuth)."""
    return cast(User, request.auth)  # type: ignore[attr-defined]


class SignInThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every sign-in that comes with a request (the login page,
    the admin). A sign-in without one (`authenticate()` from a script or the test client) has
    no remote party to throttle and goes straight to the password check."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)

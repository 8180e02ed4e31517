"""Bearer tokens: `Authorization: Bearer <token>`, looked up by their SHA-256."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja.security import HttpBearer

from duban.org.models import User
from duban.org.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """A live token of an active user; anything else answers 401."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(key=token)
        if user is not None:
            # Pages and selectors read `request.user`; the API reads `request.auth`.
            request.user = user
        return user


def request_user(request: HttpRequest) -> User:
    """The authenticated user of an API request (set by TokenAuth)."""
    return cast(User, request.auth)  # type: ignore[attr-defined]

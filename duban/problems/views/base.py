"""What every problem page needs."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest

from duban.org.models import User


def user_of(request: HttpRequest) -> User:
    """The signed-in user (the views are all behind login_required)."""
    return cast(User, request.user)

"""Who a change is recorded against in the history, whoever calls the service.

django-simple-history takes the user from the web request (its middleware) unless the object
says otherwise. The CLI, the demo and background work have no request: a service that is told
`by` whom it acts records that user, through `acting_as` or the `@recorded_as_by` decorator.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from simple_history.models import HistoricalRecords

# django-simple-history's column for a change's reason holds 100 characters: PostgreSQL
# refuses a longer one (SQLite keeps it whole), so a reason with a person's text in it is cut;
# the whole text stays on the record the service writes (a return reason, an event's note).
CHANGE_REASON_LENGTH = 100

P = ParamSpec("P")
R = TypeVar("R")
_MISSING = object()


class _Acting:
    """What simple-history reads from a request: `.user`."""

    def __init__(self, user: Any) -> None:
        self.user = user


def change_reason(text: str) -> str:
    """`text` as the history's reason column holds it: cut to its length, marked "…"."""
    if len(text) <= CHANGE_REASON_LENGTH:
        return text
    return text[: CHANGE_REASON_LENGTH - 1] + "…"


@contextmanager
def acting_as(user: Any) -> Iterator[None]:
    """History rows written inside are by `user` (None: leave whatever is in force)."""
    if user is None:
        yield
        return
    context = HistoricalRecords.context
    previous = getattr(context, "request", _MISSING)
    context.request = _Acting(user)
    try:
        yield
    finally:
        if previous is _MISSING:
            del context.request
        else:
            context.request = previous


def recorded_as_by(func: Callable[P, R]) -> Callable[P, R]:
    """The service's history rows are by its keyword argument `by`."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with acting_as(kwargs.get("by")):
            return func(*args, **kwargs)

    return wrapper

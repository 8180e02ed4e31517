"""The one source of "now" for services, selectors and commands.

Everything that asks what time or day it is asks here, so that tests, the demo and a command
run "as of" a day (`duban escalate --date`, `duban cycle --date`) all move the same clock.
`travel(to)` shifts the clock so that it reads `to` now and goes on ticking from there; it
nests, and it is local to the running thread or task (a context variable), so two requests
never see each other's clock. Rows' `created_at`/`updated_at` (`core.models.ClockDateTimeField`)
and django-simple-history's `history_date` (`core.apps`) read it too, so whatever runs under a
moved clock is stamped with that moment (the demo runs its story this way).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta

from django.utils import timezone

_offset: ContextVar[timedelta] = ContextVar("duban_clock_offset", default=timedelta(0))


def now() -> datetime:
    """The current moment (aware), as the clock reads it."""
    return timezone.now() + _offset.get()


def today() -> date:
    """The current day in the district's time zone, as the clock reads it."""
    return timezone.localdate(now())


def _moment(to: date | datetime) -> datetime:
    if isinstance(to, datetime):
        return to if timezone.is_aware(to) else timezone.make_aware(to)
    # A day alone: noon, so that a time zone never tips it into the day before or after.
    return timezone.make_aware(datetime.combine(to, time(12, 0)))


@contextmanager
def travel(to: date | datetime) -> Iterator[None]:
    """Run the block as if it were `to` (a day means noon of that day); time keeps moving."""
    token = _offset.set(_moment(to) - timezone.now())
    try:
        yield
    finally:
        _offset.reset(token)


def set_offset(delta: timedelta) -> None:
    """Move the clock for the rest of this context (the demo server, a command's run)."""
    _offset.set(delta)

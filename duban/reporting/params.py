"""The `period` query parameter of the routers that show figures."""

from __future__ import annotations

from ninja.errors import ValidationError

from duban.core.api.params import PERIOD_PATTERN
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.models import User
from duban.reporting.selectors import figures_period_default

__all__ = ["PERIOD_DESCRIPTION", "PERIOD_PATTERN", "period_param"]

PERIOD_DESCRIPTION = (
    "YYYY-MM: the month the figures are computed for. Default: last month for the current "
    "year (or no year); for a past year the latest month with a counted report in scope, else "
    "December. Items of another year get no figures."
)


def period_param(text: str | None, *, year: int | None, user: User | None = None) -> Period:
    """The period asked for, or the default for `year`; a bad one answers 422 like any param."""
    if not text:
        return figures_period_default(year, user=user)
    try:
        return Period.parse(text)
    except ApplicationError as e:
        raise ValidationError(
            [{"loc": ["query", "period"], "msg": str(e), "type": "value_error"}]
        ) from e

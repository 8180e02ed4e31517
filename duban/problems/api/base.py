"""The router, its error answers and the helpers every endpoint module shares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from duban.api.auth import TokenAuth
from duban.api.schemas import ErrorOut, UnitRef, UserRef
from duban.core.errors import ApplicationError, ConflictError
from duban.org.models import Unit, User
from duban.problems.models import Problem
from duban.problems.selectors import ProblemFilters

router = Router(tags=["problems"], auth=TokenAuth())
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def unit_out(unit: Unit | None) -> UnitRef | None:
    return None if unit is None else UnitRef(id=unit.pk, code=unit.code, name=unit.name)


def user_out(user: User | None) -> UserRef | None:
    if user is None:
        return None
    return UserRef(id=user.pk, username=user.username, name=user.display_name)


def run_service(call: Callable[[], Any]) -> Any:
    """Run a service, turning its refusals into HTTP answers (nothing was written)."""
    try:
        return call()
    except ConflictError as e:
        raise HttpError(409, str(e)) from e
    except ApplicationError as e:
        raise HttpError(403 if e.code == "forbidden" else 422, str(e)) from e


class ListQuery(Schema):
    year: int | None = Field(None, ge=1900, le=2200)
    month: int | None = Field(None, ge=1, le=12)
    unit: int | None = Field(None, description="Lead unit or co-unit id")
    leader: int | None = Field(None, description="A leader's id: the problems in their area")
    level: int | None = Field(None, ge=1, le=4)
    category: Problem.Category | None = None
    state: str | None = None
    source: Problem.Source | None = None
    overdue: bool | None = None

    def filters(self) -> ProblemFilters:
        return ProblemFilters(
            year=self.year,
            month=self.month,
            unit=self.unit,
            leader=self.leader,
            level=self.level,
            category=self.category,
            state=self.state,
            source=self.source,
            overdue=self.overdue,
        )

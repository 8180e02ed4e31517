"""The router and the helpers every endpoint module shares."""

from __future__ import annotations

from ninja import Router, Schema
from pydantic import Field

from duban.core.api.errors import ERRORS, run_service
from duban.core.api.params import MAX_ID, MAX_YEAR, MIN_YEAR
from duban.org.auth import TokenAuth
from duban.problems.models import Problem
from duban.problems.selectors import ProblemFilters

__all__ = ["ERRORS", "ListQuery", "router", "run_service"]

router = Router(tags=["problems"], auth=TokenAuth())


class ListQuery(Schema):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR)
    month: int | None = Field(None, ge=1, le=12)
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="Lead unit or co-unit id")
    leader: int | None = Field(
        None, ge=1, le=MAX_ID, description="A leader's id: the problems in their area"
    )
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

"""Bounds on every API parameter: an id, a year or a page number out of range answers 422
with the reason before any query runs (a 64-bit overflow or `date(0, 1, 1)` would be a 500)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

# Primary keys are signed 64-bit integers on SQLite and PostgreSQL.
MAX_ID = 2**63 - 1
MIN_YEAR, MAX_YEAR = 1900, 2200
# Far beyond any real list; keeps the offset (page × size) inside 64 bits.
MAX_PAGE = 1_000_000
# The longest free text a body field takes (a description, a reason, a note).
TEXT_MAX = 10_000

# YYYY-MM within MIN_YEAR..MAX_YEAR, so the spec itself says which periods are accepted.
PERIOD_PATTERN = r"^(19\d{2}|21\d{2}|20\d{2}|2200)-(0[1-9]|1[0-2])$"

Id = Annotated[int, Field(ge=1, le=MAX_ID, description="An object's id")]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR, description="A year, 1900–2200")]

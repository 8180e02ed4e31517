"""Types shared by every router: exact decimals as strings, pages, errors, small references."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Protocol, overload

from ninja import Schema
from pydantic import Field, PlainSerializer, WithJsonSchema

from duban.core.money import quantize, unsigned_zero


def _four_places(value: Decimal) -> str:
    """Half-up to four places: 万元 to the yuan, percentages to a ten-thousandth."""
    return str(quantize(value, 4))


def _decimal_str(value: Decimal) -> str:
    return str(unsigned_zero(value))


# Amounts are exact: a JSON number would go through a binary float in most clients.
Money = Annotated[
    Decimal,
    PlainSerializer(_four_places, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?\d+\.\d{4}$",
            "examples": ["1234.5000"],
            "description": "万元, an exact decimal as a string with four places (never a float).",
        },
        mode="serialization",
    ),
]
Pct = Annotated[
    Decimal,
    PlainSerializer(_four_places, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?\d+\.\d{4}$",
            "examples": ["25.0000"],
            "description": (
                "Percent (or percentage points for a gap) as a string, computed from unrounded "
                "amounts and rounded half-up to four places."
            ),
        },
        mode="serialization",
    ),
]
DecimalStr = Annotated[
    Decimal,
    PlainSerializer(_decimal_str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "examples": ["100.0000"],
            "description": "An exact decimal as a string, as stored (never a float).",
        },
        mode="serialization",
    ),
]


class ErrorOut(Schema):
    detail: Any = Field(
        description="A message, or for 422 a list of {loc, msg, type} for each bad parameter."
    )


class UnitRef(Schema):
    id: int
    code: str
    name: str


class _Unit(Protocol):
    @property
    def pk(self) -> Any: ...
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...


def unit_ref(unit: _Unit) -> UnitRef:
    """A unit as every answer refers to it."""
    return UnitRef(id=unit.pk, code=unit.code, name=unit.name)


def unit_ref_or_none(unit: _Unit | None) -> UnitRef | None:
    return None if unit is None else unit_ref(unit)


class UserRef(Schema):
    id: int
    username: str
    name: str


class _User(Protocol):
    @property
    def pk(self) -> Any: ...
    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...


@overload
def user_ref(user: _User) -> UserRef: ...
@overload
def user_ref(user: None) -> None: ...
@overload
def user_ref(user: _User | None) -> UserRef | None: ...
def user_ref(user: _User | None) -> UserRef | None:
    """A user as every answer refers to them (none for a missing one)."""
    if user is None:
        return None
    return UserRef(id=user.pk, username=user.username, name=user.display_name)


class FiguresOut(Schema):
    """An item's figures for one month, from counted (submitted or accepted) reports only."""

    period: str = Field(description="YYYY-MM")
    investment_month: Money | None = Field(description="本月完成投资 (万元)")
    ytd_investment: Money = Field(description="本年累计完成投资 (万元)")
    since_start: Money = Field(description="开工以来累计 = 以前年度累计 + 本年累计 (万元)")
    completion_pct: Pct | None = Field(description="本年累计 / 年度计划 × 100; null without a plan")
    time_progress_pct: Pct = Field(description="序时进度: the plan curve when given, else m/12")
    gap_pp: Pct | None = Field(description="完成率 − 序时进度, in 个百分点")
    gap_text: str = Field(description="超/低于序时进度X个百分点")
    uses_plan_curve: bool

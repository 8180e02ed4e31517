"""The API shape of a spreadsheet issue (and of a refused batch row): one home for both."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field

from duban.sheets.errors import CellIssue, column_letter


class SheetIssueOut(Schema):
    level: str = Field(description="error or warning")
    sheet: str
    row: int | None = Field(description="1-based, as the spreadsheet shows it")
    column: str | None = Field(description="Column letter (A, B, …)")
    header: str
    value: str
    reason: str
    message: str = Field(description="The whole message in Chinese: where, what, why")


def issue_out(i: CellIssue) -> dict[str, Any]:
    return {
        "level": i.level,
        "sheet": i.sheet,
        "row": i.row,
        "column": column_letter(i.column) if i.column is not None else None,
        "header": i.header,
        "value": "" if i.value is None else str(i.value),
        "reason": i.reason,
        "message": str(i),
    }

"""What can go wrong reading an office spreadsheet, said for the person who sent it.

Messages are translated when an issue is raised (never per cell read), in the active language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _

from duban.core.errors import ApplicationError


class SheetFileError(ApplicationError):
    """The file as a whole can't be read: not a spreadsheet, encrypted, too large, no header."""

    def __init__(self, message: Any, *, code: str = "sheet_file") -> None:
        super().__init__(message, code=code)


class CellValueError(ValueError):
    """A cell's value can't be read as what its column holds; `reason` is shown as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class CellIssue:
    """An error or warning about one cell (or one row or sheet when column is None)."""

    level: Literal["error", "warning"]
    sheet: str
    row: int | None  # 1-based, as the spreadsheet shows it
    column: int | None  # 0-based
    header: str
    value: Any
    reason: str

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    @property
    def cell_ref(self) -> str:
        if self.row is None:
            return ""
        if self.column is None:
            return _("第%(row)s行") % {"row": self.row}
        return f"{column_letter(self.column)}{self.row}"

    def __str__(self) -> str:
        if not self.sheet:
            return self.reason
        where = _("工作表“%(sheet)s”") % {"sheet": self.sheet}
        if self.row is not None:
            where = _("%(where)s，第%(row)s行") % {"where": where, "row": self.row}
        if self.column is not None:
            col = column_letter(self.column)
            if self.header:
                where = _("%(where)s，%(column)s列（%(header)s）") % {
                    "where": where,
                    "column": col,
                    "header": self.header,
                }
            else:
                where = _("%(where)s，%(column)s列") % {"where": where, "column": col}
        if self.value in (None, ""):
            return _("%(where)s：%(reason)s") % {"where": where, "reason": self.reason}
        return _("%(where)s，值“%(value)s”：%(reason)s") % {
            "where": where,
            "value": self.value,
            "reason": self.reason,
        }

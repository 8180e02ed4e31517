"""What can go wrong reading an office spreadsheet, said in Chinese for the person who sent it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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
            return f"第{self.row}行"
        return f"{column_letter(self.column)}{self.row}"

    def __str__(self) -> str:
        if not self.sheet:
            return self.reason
        where = [f"工作表“{self.sheet}”"]
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column is not None:
            col = column_letter(self.column)
            where.append(f"{col}列（{self.header}）" if self.header else f"{col}列")
        shown = "" if self.value in (None, "") else f"，值“{self.value}”"
        return f"{'，'.join(where)}{shown}：{self.reason}"

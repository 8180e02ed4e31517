"""What an import found and did: per-row outcomes, errors, warnings, missing units and leaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from duban.sheets.errors import CellIssue

if TYPE_CHECKING:
    from duban.ledger.models import LedgerImport
    from duban.sheets.tables import ParsedWorkbook

Action = Literal["create", "update", "unchanged", "error"]
ACTION_LABELS = {"create": "新增", "update": "更新", "unchanged": "无变化", "error": "有错误"}


@dataclass
class RowOutcome:
    sheet: str
    row: int
    label: str  # the project or task name
    action: Action
    changes: list[str] = field(default_factory=list)  # "年度计划投资：30000 → 32000"

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class ImportResult:
    file_name: str
    sha256: str
    year: int | None
    dry_run: bool
    applied: bool = False
    rows: list[RowOutcome] = field(default_factory=list)
    issues: list[CellIssue] = field(default_factory=list)
    missing_units: list[str] = field(default_factory=list)
    missing_leaders: list[str] = field(default_factory=list)
    missing_owners: list[str] = field(default_factory=list)
    created_units: list[str] = field(default_factory=list)
    created_leaders: list[str] = field(default_factory=list)
    record: LedgerImport | None = None
    book: ParsedWorkbook | None = None
    previous_import: str = ""  # when the same file was imported before

    @property
    def errors(self) -> list[CellIssue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[CellIssue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: Action) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "unchanged", "error")}  # type: ignore[arg-type]

    def summary_lines(self) -> list[str]:
        """The preview as plain lines (the CLI prints them; the page shows a table)."""
        lines = []
        if self.previous_import:
            lines.append(f"此文件已于{self.previous_import}导入过；再次导入不会重复写入。")
        for r in self.rows:
            extra = f"：{'；'.join(r.changes)}" if r.changes else ""
            lines.append(f"[{r.action_label}] {r.sheet} 第{r.row}行 {r.label}{extra}")
        if self.missing_units:
            lines.append("缺少的单位：" + "、".join(self.missing_units))
        if self.missing_leaders:
            lines.append("缺少的领导：" + "、".join(self.missing_leaders))
        if self.missing_owners:
            lines.append("缺少的建设单位：" + "、".join(self.missing_owners))
        lines += [f"提示：{w}" for w in self.warnings]
        lines += [f"错误：{e}" for e in self.errors]
        return lines

"""What an import found and did: per-row outcomes, errors, warnings, missing units and leaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from duban.sheets.errors import CellIssue

if TYPE_CHECKING:
    from duban.ledger.models import LedgerImport
    from duban.org.models import Unit, User
    from duban.sheets.tables import ParsedWorkbook

Action = Literal["create", "update", "unchanged", "error"]
ACTION_LABELS = {
    "create": pgettext_lazy("import action", "新增"),
    "update": pgettext_lazy("import action", "更新"),
    "unchanged": pgettext_lazy("import action", "无变化"),
    "error": pgettext_lazy("import action", "有错误"),
}


@dataclass
class RowOutcome:
    sheet: str
    row: int
    label: str  # the project or task name
    action: Action
    changes: list[str] = field(default_factory=list)  # "年度计划投资：30000 → 32000"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS[self.action])


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
    # Names that resolve to nothing, with the closest units or people to choose from.
    unit_candidates: list[tuple[str, list[Unit]]] = field(default_factory=list)
    leader_candidates: list[tuple[str, list[User]]] = field(default_factory=list)
    learned: list[str] = field(default_factory=list)  # "区住建局 → 示例区住房和城乡建设局"
    unassigned: int = 0  # rows going to 待分配 (the file names no lead unit)
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

    def summary_lines(self, *, skip_unchanged: bool = False, errors: bool = True) -> list[str]:
        """The preview as plain lines (the CLI prints them; the page shows a table), errors
        last; without them when `errors` is False (the CLI writes them to stderr)."""
        lines = []
        if self.previous_import:
            lines.append(
                _("此文件已于%(when)s导入过；再次导入不会重复写入。")
                % {"when": self.previous_import}
            )
        labels = {action: str(label) for action, label in ACTION_LABELS.items()}
        row_line = _("[%(action)s] %(sheet)s 第%(row)s行 %(label)s")
        with_changes = _("%(line)s：%(changes)s")
        clause_sep, sep = pgettext("clause separator", "；"), pgettext("list separator", "、")
        for r in self.rows:
            if skip_unchanged and r.action == "unchanged":
                continue
            line = row_line % {
                "action": labels[r.action],
                "sheet": r.sheet,
                "row": r.row,
                "label": r.label,
            }
            if r.changes:
                line = with_changes % {"line": line, "changes": clause_sep.join(r.changes)}
            lines.append(line)
        if self.missing_units:
            lines.append(_("缺少的单位：%(names)s") % {"names": sep.join(self.missing_units)})
        if self.missing_leaders:
            lines.append(_("缺少的领导：%(names)s") % {"names": sep.join(self.missing_leaders)})
        for name, units in self.unit_candidates:
            lines.append(
                _("“%(name)s”不是系统中的单位，可能是：%(units)s")
                % {
                    "name": name,
                    "units": sep.join(f"{u.name}（--alias {name}={u.code}）" for u in units),
                }
            )
        for name, users in self.leader_candidates:
            lines.append(
                _("“%(name)s”无法确定是哪位领导，可能是：%(users)s")
                % {
                    "name": name,
                    "users": sep.join(
                        f"{u.display_name}{'（' + u.title + '）' if u.title else ''}"
                        f"（--alias {name}=@{u.username}）"
                        for u in users
                    ),
                }
            )
        if self.unassigned:
            lines.append(
                _("有%(n)s行没有责任单位列，将导入为“待分配”（或用 --unit 指定全表的责任单位）")
                % {"n": self.unassigned}
            )
        if self.missing_owners:
            lines.append(_("缺少的建设单位：%(names)s") % {"names": sep.join(self.missing_owners)})
        warning = _("提示：%(issue)s")
        lines += [warning % {"issue": w} for w in self.warnings]
        if errors:
            lines += self.error_lines()
        return lines

    def error_lines(self) -> list[str]:
        error = _("错误：%(issue)s")
        return [error % {"issue": e} for e in self.errors]

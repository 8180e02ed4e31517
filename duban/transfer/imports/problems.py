"""An office's 问题清单 / 销号清单 from Excel: each row a problem in its state (problems services).

Read → check every row → register every new problem in one transaction, or nothing, with the
same preview, row errors and marked error workbook as the ledger import. A row is the same
problem as a stored one when it names the same item and the same description: importing a
list again changes nothing. A unit user's file may hold only their unit's problems.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from duban.core.bulk import gc_paused, values_in
from duban.core.formatting import join_items
from duban.ledger.models import WorkItem
from duban.ledger.scoping import work_items_in
from duban.ledger.validators import normalize_project_code
from duban.org.models import Unit, User
from duban.org.names import MAX_CANDIDATE_NAMES, UnitNames, name_key
from duban.org.scoping import scope_for
from duban.org.services import name_alias_add
from duban.problems.models import Problem, ProblemSettings
from duban.problems.services import ProblemEntry, problem_entry_check, problem_register
from duban.sheets.dates import DateValue
from duban.sheets.errors import CellIssue, SheetFileError
from duban.sheets.tables import DataRow, ParsedTable, workbook_load
from duban.transfer.imports.plan_names import NameChoices
from duban.transfer.imports.problem_columns import (
    CATEGORY_WORDS,
    PROBLEMS,
    SOURCE_WORDS,
    closed_day,
    level_read,
    solved_read,
)
from duban.transfer.imports.result import ImportResult, RowOutcome
from duban.transfer.imports.rows import split_names, word_choice

logger = logging.getLogger(__name__)

# Who may import a problem list: the office any unit's, a unit's reporter or head their own's.
IMPORTERS = (User.Role.OFFICE, User.Role.REPORTER, User.Role.UNIT_HEAD)


def may_import_problems(user: User) -> bool:
    return bool(user.is_office or user.role in IMPORTERS)


# A problem list longer than this is no office's list: refused before any row is checked.
MAX_PROBLEM_ROWS = 5000


@dataclass
class _Row:
    data: DataRow
    table: ParsedTable
    issues: list[CellIssue] = field(default_factory=list)
    entry: ProblemEntry | None = None
    existing: int | None = None  # the stored problem it is

    def issue(self, level: str, name: str | None, reason: str) -> None:
        col, value = self.data.cell(name or "")
        header = self.table.headers.get(name or "", "")
        self.issues.append(
            CellIssue(level, self.data.sheet, self.data.row, col, header, value, reason)  # type: ignore[arg-type]
        )

    def error(self, name: str | None, reason: str) -> None:
        self.issue("error", name, reason)

    def warn(self, name: str | None, reason: str) -> None:
        self.issue("warning", name, reason)


class _Items:
    """The ledger items the rows name, by project code or name, the latest year first."""

    def __init__(self, rows: list[_Row]) -> None:
        codes = {normalize_project_code(r.data.values.get("code") or None) for r in rows} - {None}
        names = {(r.data.values.get("project") or "").strip() for r in rows} - {""}
        items = (
            WorkItem.objects.filter(
                Q(project__code__in=values_in(codes))
                | Q(title__in=values_in(names))
                | Q(project__name__in=values_in(names))
            )
            .select_related("project", "lead_unit")
            .order_by("-year", "pk")
        )
        self.by_code: dict[str, WorkItem] = {}
        self.by_name: dict[str, dict[int | str, WorkItem]] = defaultdict(dict)
        for item in items:
            if item.project is not None and item.project.code:
                self.by_code.setdefault(item.project.code, item)
            identity: int | str = item.project_id or f"task-{item.pk}"
            for text in {item.title, item.project.name if item.project else ""} - {""}:
                self.by_name[name_key(text)].setdefault(identity, item)

    def find(self, row: _Row) -> WorkItem | None:
        v = row.data.values
        code = normalize_project_code(v.get("code") or None)
        if code and code in self.by_code:
            return self.by_code[code]
        name = (v.get("project") or "").strip()
        if not name and not code:
            row.error("project", _("缺少所属项目（项目名称或项目代码）"))
            return None
        found = list(self.by_name.get(name_key(name), {}).values())
        if len(found) > 1:
            row.error(
                "project",
                _("有多个同名项目：%(names)s，请填写项目代码")
                % {"names": join_items(f"{i.year} {i.title}" for i in found)},
            )
            return None
        if not found:
            row.error(
                "project" if name else "code",
                _("台账中没有项目“%(name)s”") % {"name": name or code},
            )
            return None
        return found[0]


@gc_paused()
def problems_import(
    *,
    content: bytes,
    file_name: str,
    by: User,
    dry_run: bool = False,
    choices: NameChoices | None = None,
) -> ImportResult:
    """Import an office's problem list (问题清单/销号清单): every new row becomes a problem in
    its state, all or nothing. Rows already stored (same item, same description) are unchanged.
    """
    sha = hashlib.sha256(content).hexdigest()
    result = ImportResult(file_name=file_name, sha256=sha, year=None, dry_run=dry_run)
    try:
        book = workbook_load(content, file_name=file_name, schema=PROBLEMS)
    except SheetFileError as e:
        result.issues.append(CellIssue("error", "", None, None, "", "", str(e.message)))
        return result
    result.book = book
    result.issues += book.issues
    rows = [_Row(d, t) for t in book.tables for d in t.rows]
    if len(rows) > MAX_PROBLEM_ROWS:
        result.issues.append(
            CellIssue(
                "error",
                "",
                None,
                None,
                "",
                "",
                _("问题清单有%(n)s行，超过%(max)s行的上限，请分成几个文件导入")
                % {"n": len(rows), "max": MAX_PROBLEM_ROWS},
            )
        )
        return result
    checker = _Checker(by=by, rows=rows, choices=choices or NameChoices())
    for row in rows:
        checker.check(row)
    file_errors = {(i.sheet, i.row) for i in result.issues if i.is_error}
    for row in rows:
        result.issues += row.issues
        label = row.entry.title if row.entry else (row.data.values.get("description") or "")[:40]
        if any(i.is_error for i in row.issues) or (row.data.sheet, row.data.row) in file_errors:
            action = "error"
            changes: list[str] = []
        elif row.existing is not None:
            action, changes = "unchanged", []
        else:
            action, changes = "create", [checker.describe(row)]
        result.rows.append(RowOutcome(row.data.sheet, row.data.row, label, action, changes))  # type: ignore[arg-type]
    result.unit_candidates = sorted(checker.candidates.values(), key=lambda c: c[0])
    if result.errors or dry_run:
        return result
    with transaction.atomic():
        for name, unit in checker.learned.values():
            name_alias_add(alias=name, unit=unit, learned=True)
        result.learned = [f"{name} → {unit}" for name, unit in checker.learned.values()]
        for row in rows:
            if row.entry is not None and row.existing is None:
                problem_register(by=by, entry=row.entry)
        result.applied = True
    logger.info(
        "problems.imported",
        extra={"file": file_name, "sha256": sha, "rows": len(rows), "by": by.pk},
    )
    return result


class _Checker:
    def __init__(self, *, by: User, rows: list[_Row], choices: NameChoices) -> None:
        self.by = by
        self.choices = choices
        self.units = UnitNames.load()
        self.items = _Items(rows)
        self.rules = ProblemSettings.load()
        scope = scope_for(by)
        ids = [i.pk for i in self.items.by_code.values()] + [
            i.pk for group in self.items.by_name.values() for i in group.values()
        ]
        self.in_scope: set[int] | None = (
            None
            if scope.everything
            else set(
                work_items_in(scope)
                .filter(pk__in=values_in(ids, of="bigint"))
                .values_list("pk", flat=True)
            )
        )
        self.stored: dict[tuple[int, str], int] = {}
        self.stored_states: dict[int, str] = {}
        for pk, item_id, description, state in Problem.objects.filter(
            work_item_id__in=values_in(ids, of="bigint")
        ).values_list("pk", "work_item_id", "description", "state"):
            self.stored.setdefault((item_id, name_key(description)), pk)
            self.stored_states[pk] = state
        self.seen: dict[tuple[int, str], int] = {}
        self.candidates: dict[str, tuple[str, list[Unit]]] = {}
        self.learned: dict[str, tuple[str, Unit]] = {}
        self.words = {
            S: str(label) for S, label in Problem.State.choices
        }  # state labels, translated once

    def unit(self, row: _Row, name: str, column: str) -> Unit | None:
        key = name_key(name)
        if key in self.choices.units and self.choices.units[key] is not None:
            chosen = self.choices.units[key]
            if not self.units.matches(name):
                self.learned.setdefault(key, (name, chosen))  # type: ignore[arg-type]
            return chosen
        found = self.units.matches(name)
        if len(found) == 1:
            return found[0]
        asked = len(self.candidates) < MAX_CANDIDATE_NAMES
        candidates = found or (self.units.candidates(name) if asked else [])
        if candidates:
            self.candidates.setdefault(key, (name, candidates))
            row.error(
                column,
                _(
                    "系统中没有单位“%(unit)s”，最接近的是：%(units)s（命令行用 --alias 名称=单位代码）"
                )
                % {"unit": name, "units": join_items(u.name for u in candidates)},
            )
        else:
            row.error(column, _("系统中没有单位“%(unit)s”") % {"unit": name})
        return None

    def check(self, row: _Row) -> None:
        v: dict[str, Any] = row.data.values
        description = (v.get("description") or "").strip()
        if not description:
            row.error("description", _("问题描述不能为空"))
        item = self.items.find(row)
        if item is not None and self.in_scope is not None and item.pk not in self.in_scope:
            row.error("project", _("该项目不在您的范围内"))
            item = None
        lead_text = (v.get("lead_unit") or "").strip()
        lead = self.unit(row, lead_text, "lead_unit") if lead_text else None
        if lead is None and not lead_text and item is not None:
            lead = item.lead_unit  # the item's lead unit answers for its problems
        co_units = [
            u for n in split_names(v.get("co_units") or "") if (u := self.unit(row, n, "co_units"))
        ]
        category_text = v.get("category") or ""
        category = word_choice(category_text, CATEGORY_WORDS) if category_text else None
        if category is None:
            if category_text:
                row.warn("category", _("问题类别无法识别，按“其他”导入"))
            category = Problem.Category.OTHER
        source_text = v.get("source") or ""
        source = (word_choice(source_text, SOURCE_WORDS) if source_text else None) or (
            Problem.Source.UNIT_REPORT
        )
        if source == Problem.Source.DEMAND and (item is None or item.project is None):
            source = Problem.Source.UNIT_REPORT
        reported = v.get("reported_on")
        if not isinstance(reported, DateValue):
            row.error("reported_on", _("缺少提出时间"))
        due = v.get("due")
        closed = v.get("closed_on")
        solved = solved_read(v.get("solved") or "")
        if (v.get("solved") or "").strip() and solved is None:
            row.error("solved", _("是否解决应为“是”或“否”（或已解决/未解决）"))
        if solved is False and isinstance(closed, DateValue):
            row.error("closed_on", _("填写了销号时间，但“是否解决”为否"))
        if solved and not isinstance(closed, DateValue):
            row.error("closed_on", _("已解决的问题请填写销号时间（销号月份据此确定）"))
        level = level_read(v.get("level") or "")
        if level is None:
            row.error("level", _("协调层级应为1至4级（或单位分管/主要负责人、区领导、区主要领导）"))
        if any(i.is_error for i in row.issues) or item is None or lead is None:
            return
        assert isinstance(reported, DateValue)  # noqa: S101 - checked above
        title = (v.get("title") or "").strip() or description.splitlines()[0][:60]
        entry = ProblemEntry(
            work_item=item,
            title=title,
            description=description,
            category=category,
            lead_unit=lead,
            reported_on=reported.first,
            due_date=due.last if isinstance(due, DateValue) else None,
            co_units=co_units,
            level=level or 1,
            source=source,
            progress=v.get("progress") or "",
            closed_on=closed_day(closed) if solved is not False else None,
        )
        fields = {"due_date": "due", "work_item": "project"}
        for about, reason in problem_entry_check(by=self.by, entry=entry, rules=self.rules):
            row.error(fields.get(about, about), reason)
        key = (item.pk, name_key(description))
        if key in self.seen:
            row.error("description", _("与第%(row)s行是同一个问题") % {"row": self.seen[key]})
        self.seen.setdefault(key, row.data.row)
        if any(i.is_error for i in row.issues):
            return
        row.entry = entry
        row.existing = self.stored.get(key)
        if row.existing is not None:
            stored_state = self.stored_states[row.existing]
            wants_closed = entry.closed_on is not None
            if wants_closed != (stored_state == Problem.State.CLOSED):
                row.warn(
                    "solved" if "solved" in row.table.columns else "closed_on",
                    _("系统中该问题为“%(state)s”，与表中不同；导入不改变已有问题，请在问题页面办理")
                    % {"state": self.words.get(stored_state, stored_state)},
                )

    def describe(self, row: _Row) -> str:
        entry = row.entry
        assert entry is not None  # noqa: S101 - only rows with an entry are described
        if entry.closed_on is not None:
            return _("新增：已销号（%(year)s年%(month)s月），责任单位%(unit)s") % {
                "year": entry.closed_on.year,
                "month": entry.closed_on.month,
                "unit": entry.lead_unit,
            }
        return _("新增：已交办，责任单位%(unit)s，办理时限%(due)s") % {
            "unit": entry.lead_unit,
            "due": (entry.due_date.isoformat() if entry.due_date else _("按默认天数")),
        }

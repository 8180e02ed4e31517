"""What one row of a ledger proposes: its project, item, reports and corrections, and its action."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from duban.ledger.models import Project, WorkItem
from duban.org.models import Unit
from duban.reporting.models import MonthlyReport
from duban.transfer.imports.result import Action
from duban.transfer.imports.rows import RowInput


@dataclass
class Correction:
    """A closed month's figures the office chose to import as a correction (report_correct):
    the closed month's snapshot stays; the change counts from the next open month."""

    report_id: int
    version: int  # as read when the row was checked: a report changed since is refused
    values: dict[str, Any]
    period_label: str


@dataclass
class RowPlan:
    input: RowInput
    project: Project | None = None
    project_new: bool = False
    project_changes: dict[str, Any] = field(default_factory=dict)
    item: WorkItem | None = None
    item_new: bool = False
    item_changes: dict[str, Any] = field(default_factory=dict)
    co_units: list[Unit] | None = None  # None: leave as is
    report: MonthlyReport | None = None
    report_new: bool = False
    report_changes: dict[str, Any] = field(default_factory=dict)
    changes: list[str] = field(default_factory=list)
    year: int = 0
    report_month: int | None = None
    # The keys of what the import wrote (new objects are written from their fields, never
    # built as model instances).
    project_id: int | None = None
    item_id: int | None = None
    unassigned: bool = False  # no lead unit in the file: the item goes to 待分配
    plan_curve: list[Decimal] | None = None  # the 12 months to store (changed or new)
    more_reports: list[RowPlan] = field(default_factory=list)  # other months' figures
    corrections: list[Correction] = field(default_factory=list)  # closed months, if asked

    @property
    def has_error(self) -> bool:
        return any(i.is_error for i in self.input.issues)

    @property
    def action(self) -> Action:
        if self.has_error:
            return "error"
        if self.project_new or self.item_new:
            return "create"
        if self.changes:
            return "update"
        return "unchanged"

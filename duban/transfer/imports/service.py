"""ledger_import: read → check every row → write everything in one transaction, or nothing."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core.bulk import gc_paused
from duban.core.errors import ApplicationError
from duban.ledger.models import LedgerImport
from duban.org.models import User
from duban.reporting.models import MonthlyReport
from duban.reporting.services import report_correct
from duban.sheets.errors import CellIssue, SheetFileError
from duban.sheets.tables import ParsedWorkbook, workbook_load
from duban.transfer.imports.apply import (
    learned_remember,
    missing_create,
    plans_apply,
    unassigned_unit,
)
from duban.transfer.imports.choices import name_choices_dump
from duban.transfer.imports.errorbook import error_workbook
from duban.transfer.imports.lookup import Lookup
from duban.transfer.imports.plan import Planner
from duban.transfer.imports.plan_names import NameChoices
from duban.transfer.imports.plan_row import RowPlan
from duban.transfer.imports.result import ImportResult, RowOutcome
from duban.transfer.imports.rows import RowInput, row_input

logger = logging.getLogger(__name__)
RESERVE_WORDS = ("储备", "谋划")
WRITE_SLICE = 1000


class _Rollback(Exception):  # noqa: N818 — control flow, never leaves this module
    pass


@dataclass
class _Checked:
    inputs: list[RowInput]
    plans: list[RowPlan]
    planner: Planner


def _file_issue(reason: str) -> CellIssue:
    return CellIssue("error", "", None, None, "", "", reason)


def _year(book: ParsedWorkbook, year: int | None, result: ImportResult) -> int | None:
    if year is not None:
        for t in book.tables:
            if t.year and t.year != year:
                result.issues.append(
                    CellIssue(
                        "warning",
                        t.sheet,
                        None,
                        None,
                        "",
                        t.title,
                        _("标题为%(title_year)s年，按指定的%(year)s年导入")
                        % {"title_year": t.year, "year": year},
                    )
                )
        return year
    # A table without a name column imports nothing: its title's year doesn't count.
    tables = [t for t in book.tables if not t.header.lacks] or book.tables
    years = {t.year for t in tables if t.year}
    if len(years) == 1 and all(t.year for t in tables):
        return years.pop()
    if len(years) > 1:
        result.issues.append(
            _file_issue(
                _("各工作表的年度不一致（%(years)s），请指定导入年度")
                % {"years": pgettext("list separator", "、").join(map(str, sorted(years)))}
            )
        )
    else:
        result.issues.append(
            _file_issue(_("无法从标题或表头确定年度（如“2024年……台账”），请指定导入年度"))
        )
    return None


def _check(
    book: ParsedWorkbook,
    *,
    year: int,
    create_missing: bool,
    by: User | None,
    choices: NameChoices | None,
    correct_closed: bool = False,
) -> _Checked:
    inputs = []
    for table in book.tables:
        reserve = any(w in table.title or w in table.sheet for w in RESERVE_WORDS)
        inputs += [row_input(row, table, reserve_list=reserve) for row in table.rows]
    planner = Planner(
        year=year,
        lookup=Lookup(inputs, year),
        create_missing=create_missing,
        by=by,
        choices=choices,
        correct_closed=correct_closed,
    )
    return _Checked(inputs, [planner.plan(ri) for ri in inputs], planner)


# Messages follow the active language (the interface's; the CLI's is Chinese). The row data
# and the keyword tables that read it are Chinese whatever the language.
@gc_paused()
def ledger_import(
    *,
    content: bytes,
    file_name: str,
    by: User | None,
    year: int | None = None,
    dry_run: bool = False,
    create_missing: bool = False,
    aliases: Mapping[str, str] | None = None,
    record: bool = True,
    choices: NameChoices | None = None,
    correct_closed: bool = False,
) -> ImportResult:
    """Import a ledger workbook (projects or tasks) for one year.

    Writes everything or nothing: with any error, or on a dry run, the ledger is untouched and
    the result lists every row's outcome and every issue. Each call is recorded (LedgerImport)
    unless `record` is False, which only a dry run may ask (re-checking a kept file to mark
    its errors again is not another import).

    A closed month's figures are skipped, one warning per row; with `correct_closed` (the
    office only) they are written as corrections through reporting's report_correct: the
    closed month's snapshot stays, the change counts from the next open month.
    """
    if not record and not dry_run:
        raise ValueError("an import that writes is always recorded")
    if correct_closed and (by is None or not by.is_office):
        raise ApplicationError(
            _("只有推进办可以把已关账月份的数据作为更正导入。"), code="forbidden"
        )
    sha = hashlib.sha256(content).hexdigest()
    result = ImportResult(file_name=file_name, sha256=sha, year=year, dry_run=dry_run)
    # What the error workbook and the full preview of this record are checked again with.
    replay = {"choices": name_choices_dump(choices), "correct_closed": correct_closed}
    save_record = partial(
        _record, by=by, size=len(content), create_missing=create_missing, keep=record, replay=replay
    )
    try:
        book = workbook_load(content, file_name=file_name, aliases=aliases)
    except SheetFileError as e:
        result.issues.append(_file_issue(str(e.message)))
        save_record(result)
        return result
    result.book = book
    result.issues += book.issues
    resolved = _year(book, year, result)
    if resolved is None:
        save_record(result)
        return result
    result.year = resolved
    checked = _check(
        book,
        year=resolved,
        create_missing=create_missing,
        by=by,
        choices=choices,
        correct_closed=correct_closed,
    )
    _collect(result, checked)
    previous = LedgerImport.objects.filter(sha256=sha, outcome=LedgerImport.Outcome.DONE).first()
    if previous is not None:
        result.previous_import = previous.created_at.isoformat(timespec="minutes")
    if result.errors or dry_run:
        save_record(result)
        return result
    try:
        with transaction.atomic():
            planner = checked.planner
            unassigned = any(p.unassigned for p in checked.plans)
            learned = planner.learned.units or planner.learned.leaders
            if _has_missing(checked) or learned or unassigned:
                learned_remember(planner.learned)
                result.learned = [
                    f"{name} → {target}"
                    for name, target in (
                        *planner.learned.units.values(),
                        *planner.learned.leaders.values(),
                    )
                ]
                result.created_units, result.created_leaders = missing_create(
                    planner.missing, owners=create_missing
                )
                if unassigned:
                    unassigned_unit()
                # Again, now that every name resolves (the choices became aliases).
                checked = _check(
                    book,
                    year=resolved,
                    create_missing=False,
                    by=by,
                    choices=_kept(choices),
                    correct_closed=correct_closed,
                )
                if any(p.has_error for p in checked.plans):
                    raise _Rollback
            # In slices, so that the history rows of 20,000 items never sit in memory at once.
            for start in range(0, len(checked.plans), WRITE_SLICE):
                written = checked.plans[start : start + WRITE_SLICE]
                plans_apply(written, by=by)
                for plan in written:  # written: let the model instances go
                    plan.project = plan.item = plan.report = None
            _corrections_apply(checked.plans, by=by, file_name=file_name)
            result.applied = True
            save_record(result)
    except _Rollback:
        result.issues.append(_file_issue(_("创建缺少的单位或领导后仍有错误，未导入任何数据")))
        _collect(result, checked)
        save_record(result)
    except _CorrectionRefused as e:
        result.issues.append(_file_issue(e.reason))
        result.applied = False
        save_record(result)
    logger.info(
        "ledger.imported",
        extra={
            "file": file_name,
            "sha256": sha,
            "rows": len(result.rows),
            "applied": result.applied,
        },
    )
    return result


class _CorrectionRefused(Exception):  # noqa: N818 — control flow, never leaves this module
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _corrections_apply(plans: list[RowPlan], *, by: User | None, file_name: str) -> None:
    """The closed months' figures the office asked to import as corrections, one
    report_correct each (the closed month's snapshot stays; the change counts from the next
    open month). A refusal rolls the whole import back, naming the row."""
    corrections = [(p.input, c) for p in plans for c in p.corrections]
    if not corrections:
        return
    assert by is not None  # noqa: S101 - ledger_import refuses correct_closed without the office
    reason = _("导入台账“%(file)s”") % {"file": file_name[:100]}
    reports = MonthlyReport.objects.in_bulk([c.report_id for _ri, c in corrections])
    for ri, c in corrections:
        try:
            report_correct(
                report=reports[c.report_id],
                by=by,
                version=c.version,
                reason=reason,
                values=c.values,
            )
        except ApplicationError as e:
            raise _CorrectionRefused(
                _(
                    "工作表“%(sheet)s”第%(row)s行，%(period)s的更正未能写入：%(reason)s。未导入任何数据"
                )
                % {"sheet": ri.sheet, "row": ri.row, "period": c.period_label, "reason": e.message}
            ) from e


def _has_missing(checked: _Checked) -> bool:
    m = checked.planner.missing
    return bool(m.units or m.leaders or (m.owners and checked.planner.create_missing))


def _kept(choices: NameChoices | None) -> NameChoices | None:
    """The choices for the second check: names chosen as new exist now; the rest stand."""
    if choices is None:
        return None
    return NameChoices(
        units={k: u for k, u in choices.units.items() if u is not None},
        leaders={k: u for k, u in choices.leaders.items() if u is not None},
        unit_for_file=choices.unit_for_file,
    )


def _collect(result: ImportResult, checked: _Checked) -> None:
    result.rows = []
    file_errors = {(i.sheet, i.row) for i in result.issues if i.is_error and i.row is not None}
    for plan in checked.plans:
        ri = plan.input
        action = "error" if (ri.sheet, ri.row) in file_errors else plan.action
        changes = [] if action == "error" else plan.changes
        result.rows.append(RowOutcome(ri.sheet, ri.row, ri.name, action, changes))  # type: ignore[arg-type]
        result.issues += [i for i in ri.issues if i not in result.issues]
    m = checked.planner.missing
    result.missing_units = sorted(m.units.values())
    result.missing_leaders = sorted(m.leaders.values())
    result.unit_candidates = sorted(m.unit_candidates.values(), key=lambda c: c[0])
    result.leader_candidates = sorted(m.leader_candidates.values(), key=lambda c: c[0])
    result.unassigned = sum(1 for p in checked.plans if p.unassigned)
    result.missing_owners = sorted(m.owners.values())


def _record(
    result: ImportResult,
    *,
    by: User | None,
    size: int,
    create_missing: bool,
    keep: bool,
    replay: dict[str, object],
) -> None:
    if not keep:
        return
    if result.errors:
        outcome = LedgerImport.Outcome.FAILED
    elif result.dry_run:
        outcome = LedgerImport.Outcome.PREVIEW
    else:
        outcome = LedgerImport.Outcome.DONE
    counts = result.counts()
    result.record = LedgerImport.objects.create(
        by=by,
        file_name=result.file_name[:255],
        sha256=result.sha256,
        size=size,
        year=result.year,
        dry_run=result.dry_run,
        create_missing=create_missing,
        outcome=outcome,
        rows=len(result.rows),
        created=counts["create"],
        updated=counts["update"],
        unchanged=counts["unchanged"],
        errors=len(result.errors),
        warnings=len(result.warnings),
        summary={
            "created_units": result.created_units,
            "created_leaders": result.created_leaders,
            "missing_units": result.missing_units,
            "missing_leaders": result.missing_leaders,
            "errors": [str(e) for e in result.errors[:200]],
            "replay": replay,
        },
    )


def import_error_workbook(result: ImportResult) -> bytes | None:
    """The file back with its bad cells marked, or None when it couldn't be read at all."""
    if result.book is None:
        return None
    return error_workbook(result.book.raw, result.issues)

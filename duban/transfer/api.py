"""API: ledger import (office), its history, the ledger and reports exports, the monthly round trip.

The same services as the pages and the CLI. Uploads are multipart; downloads are .xlsx.
A unit outside the user's scope answers 404, like a missing one; a role that may not do the
thing at all answers 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from duban.core.api.errors import ERRORS, errors_or, office_only
from duban.core.api.pagination import PageParams, paginate
from duban.core.api.params import MAX_ID, MAX_YEAR, MIN_YEAR, PERIOD_PATTERN, Id, Year
from duban.core.api.schemas import UnitRef, UserRef
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.core.services import refuse_unless
from duban.ledger.models import LedgerImport
from duban.org.auth import request_user
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.reporting.permissions import can_fill_unit_reports, fills_unit_reports
from duban.reporting.selectors import closed_periods, reporting_period_default
from duban.sheets.api import SheetIssueOut, issue_out
from duban.sheets.reader import max_import_bytes
from duban.transfer.exports import ledger_export
from duban.transfer.imports.choices import (
    MAX_CHOICES_TEXT,
    name_choices_dump,
    name_choices_load,
    name_choices_read,
)
from duban.transfer.imports.monthly import (
    MonthlyResult,
    monthly_import,
    monthly_target,
    monthly_workbook,
)
from duban.transfer.imports.problems import may_import_problems, problems_import
from duban.transfer.imports.result import ImportResult
from duban.transfer.imports.service import import_error_workbook, ledger_import
from duban.transfer.report_exports import reports_export
from duban.transfer.storage import (
    ledger_error_book_file_name,
    ledger_import_error_book,
    ledger_upload_read,
    ledger_upload_save,
    monthly_error_book_file_name,
    monthly_error_book_read,
    monthly_error_book_save,
)

router = Router(tags=["imports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# `名称=单位代码`, `名称=@用户名` or `名称=new`, as the CLI's --alias.
AliasPair = Annotated[str, Field(min_length=3, max_length=200)]
FileName = Annotated[str, Field(min_length=1, max_length=255)]


class NameCandidateOut(Schema):
    name: str = Field(description="The name as the file writes it")
    candidates: list[str] = Field(
        description="Unit codes (or usernames, for leaders), closest first: answer with "
        "`alias` = `name=code` (`name=@username`), or `name=new` to create it"
    )


class LedgerImportRowOut(Schema):
    sheet: str
    row: int
    label: str
    action: str = Field(description="create, update, unchanged or error")
    changes: list[str]


class LedgerImportOut(Schema):
    id: int | None = Field(description="The import record")
    file_name: str
    sha256: str
    year: int | None
    dry_run: bool
    applied: bool = Field(description="True when the ledger was written")
    counts: dict[str, int]
    rows: list[LedgerImportRowOut]
    errors: list[SheetIssueOut]
    warnings: list[SheetIssueOut]
    missing_units: list[str]
    missing_leaders: list[str]
    created_units: list[str]
    created_leaders: list[str]
    unit_candidates: list[NameCandidateOut] = Field(
        description="Unit names that resolve to no unit, with the closest ones to choose from"
    )
    leader_candidates: list[NameCandidateOut]
    unassigned: int = Field(
        description="Rows going to 待分配: the file has no lead-unit column and no `unit` was given"
    )
    learned: list[str] = Field(description="The names remembered as aliases by this import")
    previous_import: str = Field(description="When the same file was imported before, or empty")


class LedgerImportErrorOut(Schema):
    detail: str
    error_workbook: str | None = Field(
        description="Path of the uploaded file with its bad cells marked (.xlsx), or null when "
        "the file couldn't be read as a spreadsheet"
    )
    result: LedgerImportOut


class LedgerImportRecordOut(Schema):
    id: int
    created_at: datetime
    by: UserRef | None
    file_name: str
    sha256: str
    size: int
    year: int | None
    dry_run: bool
    create_missing: bool
    outcome: str
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: int
    warnings: int


class LedgerImportPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[LedgerImportRecordOut]


class MonthlyRowOut(Schema):
    row: int
    title: str
    created: bool
    submitted: bool


class MonthlyUploadOut(Schema):
    unit: UnitRef
    period: str
    saved: int
    submitted: int
    rows: list[MonthlyRowOut]
    errors: list[SheetIssueOut]
    warnings: list[SheetIssueOut]


class MonthlyUploadErrorOut(Schema):
    detail: str
    error_workbook: str | None = Field(
        description="Path of the uploaded file with its bad cells marked (.xlsx), or null when "
        "no error points at a cell"
    )
    result: MonthlyUploadOut


class LedgerExportQuery(Schema):
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR, description="年度")
    unit: int | None = Field(
        None, ge=1, le=MAX_ID, description="Unit id: the items it leads or co-operates on"
    )


class MonthlyWorkbookQuery(Schema):
    period: str | None = Field(
        None, pattern=PERIOD_PATTERN, description="YYYY-MM; default the reporting period"
    )
    unit: int | None = Field(
        None, ge=1, le=MAX_ID, description="Unit id; default the user's own unit"
    )


def _import_out(result: ImportResult) -> dict[str, Any]:
    return {
        "id": result.record.pk if result.record else None,
        "file_name": result.file_name,
        "sha256": result.sha256,
        "year": result.year,
        "dry_run": result.dry_run,
        "applied": result.applied,
        "counts": result.counts(),
        "rows": [
            {
                "sheet": r.sheet,
                "row": r.row,
                "label": r.label,
                "action": r.action,
                "changes": r.changes,
            }
            for r in result.rows
        ],
        "errors": [issue_out(i) for i in result.errors],
        "warnings": [issue_out(i) for i in result.warnings],
        "missing_units": result.missing_units,
        "missing_leaders": result.missing_leaders,
        "created_units": result.created_units,
        "created_leaders": result.created_leaders,
        "unit_candidates": [
            {"name": name, "candidates": [u.code for u in units]}
            for name, units in result.unit_candidates
        ],
        "leader_candidates": [
            {"name": name, "candidates": [u.username for u in users]}
            for name, users in result.leader_candidates
        ],
        "unassigned": result.unassigned,
        "learned": result.learned,
        "previous_import": result.previous_import,
    }


def _monthly_out(result: MonthlyResult, unit: Unit, period: Period) -> dict[str, Any]:
    return {
        "unit": unit,
        "period": str(period),
        "saved": result.saved,
        "submitted": result.submitted,
        "rows": [
            {"row": r.row, "title": r.title, "created": r.created, "submitted": r.submitted}
            for r in result.rows
        ],
        "errors": [issue_out(i) for i in result.errors],
        "warnings": [issue_out(i) for i in result.warnings],
    }


def _office(request: HttpRequest) -> User:
    user = request_user(request)
    office_only(user.is_office, _("只有推进办可以导入台账。"))
    return user


def _content(file: UploadedFile) -> bytes:
    if file.size and file.size > max_import_bytes():
        raise ApplicationError(
            _("文件太大（超过 %(mb)s MB）。") % {"mb": max_import_bytes() // 1048576}
        )
    return bytes(file.read())


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _scoped_unit(user: User, unit_id: int) -> Unit:
    unit = Unit.objects.filter(scope_for(user).units_q(), pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


def _monthly_unit(user: User, unit_id: int | None) -> Unit:
    """The unit whose workbook the user works on: 403 for a role that fills none, else 404."""
    refuse_unless(fills_unit_reports(user), _("您的角色不填报单位月报。"))
    if unit_id is None:
        if user.unit_id is None or user.is_office:
            raise ApplicationError(_("请指定单位（unit）。"))
        unit_id = user.unit_id
    if not can_fill_unit_reports(user, unit_id):
        raise Http404
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit


@router.post(
    "/ledger-imports",
    response={200: LedgerImportOut, **errors_or(LedgerImportErrorOut)},
    summary="Import (or, with dry_run, preview) a ledger workbook: everything or nothing",
    description=(
        "Office only. Multipart: `file` (.xlsx/.xls/.ods/HTML saved as .xls), `year` (default "
        "from the title), `dry_run`, `create_missing`; `alias` (repeatable) answers the "
        "preview's name questions as the CLI's --alias: `名称=单位代码`, `名称=@用户名` (a "
        "leader) or `名称=new` (create it), remembered as aliases when the import writes; "
        "`unit` (code or name) is the lead unit of a file without a lead-unit column (else its "
        "rows go to 待分配); `correct_closed` writes a closed month's figures as corrections "
        "(counted from the next open month) instead of skipping them. 200 with each row's "
        "outcome; 422 when the file has errors (then nothing was written, `result.errors` "
        "names sheet, row, column, value and reason, `result.unit_candidates` the closest "
        "units for unknown names, and `error_workbook` is the path of the file with its bad "
        "cells marked)."
    ),
)
def ledger_import_create(
    request: HttpRequest,
    file: File[UploadedFile],
    year: Form[Year | None] = None,
    dry_run: Form[bool] = False,
    create_missing: Form[bool] = False,
    alias: Form[list[AliasPair] | None] = None,
    unit: Form[Annotated[str, Field(min_length=1, max_length=100)] | None] = None,
    correct_closed: Form[bool] = False,
) -> Any:
    user = _office(request)
    choices = name_choices_read(alias or [], unit)
    content = _content(file)
    file_name = file.name or "upload.xlsx"
    result = ledger_import(
        content=content,
        file_name=file_name,
        by=user,
        year=year,
        dry_run=dry_run,
        create_missing=create_missing,
        choices=choices,
        correct_closed=correct_closed,
    )
    out = _import_out(result)
    if result.errors:
        error_workbook = None
        # Kept as the page keeps it: the marked copy is rebuilt from it on download.
        if result.book is not None and result.record is not None:
            ledger_upload_save(content=content, file_name=file_name)
            error_workbook = reverse(
                "api:ledger_import_errors", kwargs={"import_id": result.record.pk}
            )
        return Status(
            422,
            {
                "detail": _("有%(n)s处错误，未导入任何数据。") % {"n": len(result.errors)},
                "error_workbook": error_workbook,
                "result": out,
            },
        )
    return out


@router.get(
    "/ledger-imports",
    response={200: LedgerImportPage, **ERRORS},
    summary="The import history, newest first (office only)",
)
def ledger_import_list(request: HttpRequest, paging: Query[PageParams]) -> Any:
    _office(request)
    page = paginate(LedgerImport.objects.select_related("by").order_by("-created_at"), paging)
    return {
        "count": page.count,
        "page": page.page,
        "page_size": page.page_size,
        "items": [
            {
                **{
                    k: getattr(r, k)
                    for k in LedgerImportRecordOut.model_fields
                    if k not in ("by", "id")
                },
                "id": r.pk,
                "by": (
                    {"id": r.by.pk, "username": r.by.username, "name": r.by.full_name}
                    if r.by
                    else None
                ),
            }
            for r in page.rows
        ],
    }


@router.get(
    "/ledger-imports/{import_id}/errors.xlsx",
    response={200: None, **ERRORS},
    url_name="ledger_import_errors",
    summary="The file of an import with errors, its bad cells highlighted and commented",
    description=(
        "Office only. The upload is checked again as a dry run with the year, "
        "`create_missing`, `alias`, `unit` and `correct_closed` it was imported with. 404 when "
        "the import had no errors or its file is no longer kept."
    ),
)
def ledger_import_errors_download(request: HttpRequest, import_id: Path[Id]) -> HttpResponse:
    user = _office(request)
    record = LedgerImport.objects.filter(pk=import_id).first()
    if record is None:
        raise Http404
    if not record.errors:
        raise ApplicationError(_("这次导入没有错误，没有标出错误的工作簿。"), code="unavailable")
    book = ledger_import_error_book(record=record, by=user)
    if book is None:
        raise ApplicationError(
            _("这个文件无法作为电子表格读取，没有标出错误的工作簿。"), code="unavailable"
        )
    return _xlsx(book, ledger_error_book_file_name(record.file_name))


@router.get(
    "/ledger-export",
    response={200: None, **ERRORS},
    summary="A year's ledger as .xlsx in the office layout, limited to what the user may see",
)
def ledger_export_download(request: HttpRequest, query: Query[LedgerExportQuery]) -> HttpResponse:
    user = request_user(request)
    unit = _scoped_unit(user, query.unit) if query.unit is not None else None
    content = ledger_export(year=query.year, unit=unit, user=None if user.is_office else user)
    name = f"{unit.name if unit else ''}{query.year}年台账.xlsx"
    return _xlsx(content, name)


class ReportsExportQuery(Schema):
    period: str = Field(pattern=PERIOD_PATTERN, description="YYYY-MM")
    unit: int | None = Field(
        None, ge=1, le=MAX_ID, description="Unit id: the reports of the items it leads"
    )


@router.get(
    "/reports-export",
    response={200: None, **ERRORS},
    summary="The month's reports as .xlsx in the office layout, limited to what the user may see",
)
def reports_export_download(request: HttpRequest, query: Query[ReportsExportQuery]) -> HttpResponse:
    user = request_user(request)
    unit = _scoped_unit(user, query.unit) if query.unit is not None else None
    period = Period.parse(query.period)
    content = reports_export(period=period, unit=unit, user=None if user.is_office else user)
    return _xlsx(
        content, f"{unit.name if unit else ''}{period.year}年{period.month}月月报汇总.xlsx"
    )


@router.get(
    "/monthly-workbook",
    response={200: None, **ERRORS},
    summary="A unit's monthly workbook for a period, prefilled with its items, to fill offline",
)
def monthly_workbook_download(
    request: HttpRequest, query: Query[MonthlyWorkbookQuery]
) -> HttpResponse:
    user = request_user(request)
    unit = _monthly_unit(user, query.unit)
    period = Period.parse(query.period) if query.period else reporting_period_default()
    if period in closed_periods():
        raise ApplicationError(_("%(p)s已关账，月报已锁定，不能再填报。") % {"p": period.label})
    content = monthly_workbook(unit=unit, period=period)
    return _xlsx(content, f"{unit.name}{period.year}年{period.month}月月报.xlsx")


@router.post(
    "/monthly-workbook",
    response={200: MonthlyUploadOut, **errors_or(MonthlyUploadErrorOut)},
    summary="Upload a filled monthly workbook: the reports saved as drafts, or submitted",
    description=(
        "Multipart: `file`, `submit` (default false: drafts), `unit` (default the user's own; "
        "the office may leave it out to take the file's), `period` (default the reporting "
        "period, or the file's for the office). Everything or nothing: 422 with every error "
        "when any row is wrong, or when the file is for another unit or period, or a closed "
        "month; when errors point at cells, `error_workbook` is the path of the file with "
        "them marked."
    ),
)
def monthly_workbook_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    submit: Form[bool] = False,
    unit: Form[Id | None] = None,
    period: Form[str | None] = None,
) -> Any:
    user = request_user(request)
    refuse_unless(fills_unit_reports(user), _("您的角色不填报单位月报。"))
    content = _content(file)
    file_name = file.name or "upload.xlsx"
    target: Unit
    if user.is_office and unit is None:
        target, file_period = monthly_target(content, file_name=file_name)
        asked = Period.parse(period) if period else file_period
    else:
        target = _monthly_unit(user, unit)
        asked = Period.parse(period) if period else reporting_period_default()
    result = monthly_import(
        content=content, file_name=file_name, by=user, unit=target, period=asked, submit=submit
    )
    out = _monthly_out(result, target, asked)
    if result.errors:
        sha = monthly_error_book_save(
            unit=target, content=content, file_name=file_name, issues=result.issues
        )
        return Status(
            422,
            {
                "detail": _("有%(n)s处错误，未保存任何月报。") % {"n": len(result.errors)},
                "error_workbook": (
                    reverse(
                        "api:monthly_workbook_errors", kwargs={"unit_id": target.pk, "sha": sha}
                    )
                    if sha
                    else None
                ),
                "result": out,
            },
        )
    return out


@router.get(
    "/monthly-workbook/{unit_id}/{sha}/errors.xlsx",
    response={200: None, **ERRORS},
    url_name="monthly_workbook_errors",
    summary="The last monthly upload with errors, its bad cells highlighted and commented",
    description=(
        "The path comes from the `error_workbook` of a 422 upload. The unit's own users and "
        "the office; another unit answers 404, a role that fills no monthly reports 403."
    ),
)
def monthly_workbook_errors_download(
    request: HttpRequest, unit_id: Path[Id], sha: str
) -> HttpResponse:
    user = request_user(request)
    unit = _monthly_unit(user, unit_id)
    return _xlsx(monthly_error_book_read(unit=unit, sha=sha), monthly_error_book_file_name(unit))


# problem lists (问题清单 / 销号清单) ---------------------------------------------------------


class ProblemImportOut(Schema):
    file_name: str
    sha256: str
    dry_run: bool
    applied: bool = Field(description="True when the problems were registered")
    counts: dict[str, int] = Field(description="create (new problems), unchanged, error")
    rows: list[LedgerImportRowOut]
    errors: list[SheetIssueOut]
    warnings: list[SheetIssueOut]
    unit_candidates: list[NameCandidateOut]
    learned: list[str]


class ProblemImportErrorOut(Schema):
    detail: str
    error_workbook: str | None = Field(
        description="Path of the uploaded list with its bad cells marked (.xlsx), or null when "
        "the file couldn't be read as a spreadsheet"
    )
    result: ProblemImportOut


def _problems_out(result: ImportResult) -> dict[str, Any]:
    out = _import_out(result)
    return {
        k: out[k]
        for k in (
            "file_name",
            "sha256",
            "dry_run",
            "applied",
            "counts",
            "rows",
            "errors",
            "warnings",
            "unit_candidates",
            "learned",
        )
    }


def _problem_importer(request: HttpRequest) -> User:
    user = request_user(request)
    refuse_unless(may_import_problems(user), _("您的角色不能导入问题清单。"))
    return user


@router.post(
    "/problem-imports",
    response={200: ProblemImportOut, **errors_or(ProblemImportErrorOut)},
    summary="Import (or, with dry_run, preview) a problem list (问题清单/销号清单): all or nothing",
    description=(
        "The office (any unit's problems) or a unit's reporter or head (their unit's only). "
        "Multipart: `file`, `dry_run`, `alias` (repeatable, `名称=单位代码`, as for ledger "
        "imports). Each row becomes a problem in its state (open → assigned with its due "
        "date; solved → closed in its month); a row already stored (same item, same "
        "description) is unchanged, so importing a list again changes nothing. 422 when any "
        "row has an error: nothing written, `result.errors` names sheet, row, column and "
        "reason, `error_workbook` is the path of the list with its bad cells marked."
    ),
)
def problem_import_create(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    alias: Form[list[AliasPair] | None] = None,
) -> Any:
    user = _problem_importer(request)
    choices = name_choices_read(alias or [])
    content = _content(file)
    file_name = file.name or "upload.xlsx"
    result = problems_import(
        content=content, file_name=file_name, by=user, dry_run=dry_run, choices=choices
    )
    out = _problems_out(result)
    if result.errors:
        error_workbook = None
        if result.book is not None:
            sha = ledger_upload_save(content=content, file_name=file_name)
            path = reverse("api:problem_import_errors", kwargs={"sha": sha})
            error_workbook = f"{path}?name={quote(file_name)}"
            if chosen := name_choices_dump(choices):
                error_workbook += f"&choices={quote(chosen)}"
        return Status(
            422,
            {
                "detail": _("有%(n)s处错误，未导入任何问题。") % {"n": len(result.errors)},
                "error_workbook": error_workbook,
                "result": out,
            },
        )
    return out


class ProblemErrorsQuery(Schema):
    name: FileName = Field(description="The uploaded file's name, as the 422 gave it")
    choices: str = Field(
        "",
        max_length=MAX_CHOICES_TEXT,
        description="The upload's `alias` answers, as the 422's path carries them",
    )


@router.get(
    "/problem-imports/{sha}/errors.xlsx",
    response={200: None, **ERRORS},
    url_name="problem_import_errors",
    summary="The problem list of an import with errors, its bad cells highlighted and commented",
    description=(
        "The path comes from the `error_workbook` of a 422 upload. The list is checked again "
        "for the user asking (a unit user's marks are their own), with the upload's `alias` "
        "answers (the path carries them); 404 when it has no errors now or is no longer kept."
    ),
)
def problem_import_errors_download(
    request: HttpRequest,
    sha: Path[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]],
    query: Query[ProblemErrorsQuery],
) -> HttpResponse:
    user = _problem_importer(request)
    content = ledger_upload_read(sha=sha, file_name=query.name)
    result = problems_import(
        content=content,
        file_name=query.name,
        by=user,
        dry_run=True,
        choices=name_choices_load(query.choices),
    )
    book = import_error_workbook(result) if result.errors else None
    if book is None:
        raise ApplicationError(
            _("这个文件现在没有错误，没有标出错误的工作簿。"), code="unavailable"
        )
    return _xlsx(book, ledger_error_book_file_name(query.name))

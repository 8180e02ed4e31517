"""The stored uploads of imports and the error workbooks made from them, for the pages and the API.

A ledger upload is kept under its SHA-256 so that the preview can be confirmed and its error
workbook rebuilt later; a monthly upload with errors keeps only its marked copy, per unit.
A file that is gone or no longer matches its hash answers 404, like a missing object.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404

from duban.ledger.models import LedgerImport
from duban.org.models import Unit, User
from duban.sheets.errors import CellIssue
from duban.transfer.imports.choices import name_choices_load
from duban.transfer.imports.monthly import monthly_error_workbook
from duban.transfer.imports.outcomebook import outcome_workbook
from duban.transfer.imports.result import ImportResult
from duban.transfer.imports.service import import_error_workbook, ledger_import

SHA_RE = re.compile(r"[0-9a-f]{64}")


def _ledger_upload_name(sha: str, file_name: str) -> str:
    suffix = PurePath(file_name).suffix.lower()[:6] or ".xlsx"
    return f"imports/{sha}{suffix}"


def ledger_upload_save(*, content: bytes, file_name: str) -> str:
    """Keep an uploaded ledger file (once per content); return its SHA-256."""
    sha = hashlib.sha256(content).hexdigest()
    name = _ledger_upload_name(sha, file_name)
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(content))
    return sha


def ledger_upload_read(*, sha: str, file_name: str) -> bytes:
    """The kept ledger file; raises Http404 when it is gone or its content changed."""
    if not SHA_RE.fullmatch(sha):
        raise Http404
    name = _ledger_upload_name(sha, file_name)
    if not default_storage.exists(name):
        raise Http404
    with default_storage.open(name, "rb") as fh:
        content: bytes = fh.read()
    if hashlib.sha256(content).hexdigest() != sha:
        raise Http404
    return content


def _recheck(record: LedgerImport, by: User) -> ImportResult:
    """The kept file of an import, checked again as a dry run with the same year, options and
    name choices (not recorded as another import). Raises Http404 when the file is gone."""
    content = ledger_upload_read(sha=record.sha256, file_name=record.file_name)
    replay = (record.summary or {}).get("replay") or {}
    return ledger_import(
        content=content,
        file_name=record.file_name,
        by=by,
        year=record.year,
        dry_run=True,
        create_missing=record.create_missing,
        record=False,
        choices=name_choices_load(str(replay.get("choices") or "")),
        correct_closed=bool(replay.get("correct_closed")) and by.is_office,
    )


def ledger_import_error_book(*, record: LedgerImport, by: User) -> bytes | None:
    """The kept file of an import with its bad cells marked; None when it can't be read as a
    spreadsheet at all. Raises Http404 when the file is gone."""
    return import_error_workbook(_recheck(record, by))


def ledger_import_outcome_book(*, record: LedgerImport, by: User) -> bytes:
    """Every row's outcome of the kept file, as a workbook. Raises Http404 when it is gone."""
    return outcome_workbook(_recheck(record, by))


def ledger_outcome_book_file_name(file_name: str) -> str:
    return f"{PurePath(file_name).stem}预览.xlsx"


def ledger_error_book_file_name(file_name: str) -> str:
    return f"{PurePath(file_name).stem}错误.xlsx"


def _monthly_error_name(unit: Unit, sha: str) -> str:
    return f"imports/monthly/{unit.pk}/{sha}-errors.xlsx"


def monthly_error_book_save(
    *, unit: Unit, content: bytes, file_name: str, issues: Sequence[CellIssue]
) -> str:
    """Keep the marked copy of a monthly upload with errors; return the upload's SHA-256, or ""
    when no error points at a cell (then there is nothing to mark)."""
    if not any(i.is_error and i.sheet for i in issues):
        return ""
    sha = hashlib.sha256(content).hexdigest()
    name = _monthly_error_name(unit, sha)
    if default_storage.exists(name):
        default_storage.delete(name)
    default_storage.save(
        name,
        ContentFile(monthly_error_workbook(content=content, file_name=file_name, issues=issues)),
    )
    return sha


def monthly_error_book_read(*, unit: Unit, sha: str) -> bytes:
    """The marked copy kept for the unit; raises Http404 when there is none."""
    name = _monthly_error_name(unit, sha)
    if not SHA_RE.fullmatch(sha) or not default_storage.exists(name):
        raise Http404
    with default_storage.open(name, "rb") as fh:
        book: bytes = fh.read()
    return book


def monthly_error_book_file_name(unit: Unit) -> str:
    return f"{unit.name}月报错误.xlsx"

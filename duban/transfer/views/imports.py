"""The office's ledger import pages: upload → preview → confirm, the history, error workbooks.

Routed by `duban.transfer.urls.import_patterns` under /ledger/import/.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from duban.ledger.models import LedgerImport
from duban.org.models import Unit, User
from duban.sheets.fields import LEDGER
from duban.transfer.forms import (
    LedgerConfirmForm,
    LedgerUploadForm,
    choices_from_post,
)
from duban.transfer.imports.choices import name_choices_load
from duban.transfer.imports.result import ImportResult
from duban.transfer.imports.service import ledger_import
from duban.transfer.storage import (
    ledger_error_book_file_name,
    ledger_import_error_book,
    ledger_import_outcome_book,
    ledger_outcome_book_file_name,
    ledger_upload_read,
    ledger_upload_save,
)
from duban.transfer.views.mapping import field_choices, mapping_tables, mappings_save

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _office(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_office:
        raise PermissionDenied(_("只有推进办可以导入台账。"))
    return user


# A page lists this many rows and errors at most; the rest are in the downloads (the whole
# preview as a workbook, the file with its bad cells marked).
PREVIEW_ROWS = 500
PREVIEW_ERRORS = 200


def _preview(
    result: ImportResult, confirm: LedgerConfirmForm | None, sha: str, file_name: str
) -> dict[str, Any]:
    listed = [r for r in result.rows if r.action != "unchanged"]
    errors = result.errors
    asks = bool(result.unit_candidates or result.leader_candidates or result.unassigned)
    return {
        "mapping": mapping_tables(result, LEDGER),
        "field_choices": field_choices(LEDGER),
        "asks": asks,
        "all_units": Unit.objects.filter(is_active=True).order_by("sort_order", "code")
        if asks
        else [],
        "result": result,
        "confirm": confirm,
        "sha": sha,
        "file_name": file_name,
        "rows": listed[:PREVIEW_ROWS],
        "rows_not_listed": max(0, len(listed) - PREVIEW_ROWS),
        "unchanged": len(result.rows) - len(listed),
        "errors": errors[:PREVIEW_ERRORS],
        "errors_not_listed": max(0, len(errors) - PREVIEW_ERRORS),
    }


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import_upload_view(request: HttpRequest) -> HttpResponse:
    """Upload a ledger; answer with its preview (nothing written yet)."""
    user = _office(request)
    form = LedgerUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        sha = ledger_upload_save(content=content, file_name=upload.name)
        result = ledger_import(
            content=content,
            file_name=upload.name,
            by=user,
            year=form.cleaned_data["year"],
            dry_run=True,
            create_missing=form.cleaned_data["create_missing"],
            correct_closed=form.cleaned_data["correct_closed"],
        )
        confirm = LedgerConfirmForm(
            initial={
                "sha256": sha,
                "file_name": upload.name,
                "year": result.year,
                "create_missing": form.cleaned_data["create_missing"],
                "correct_closed": form.cleaned_data["correct_closed"],
                "choices": "",
            }
        )
        return render(request, "transfer/preview.html", _preview(result, confirm, sha, upload.name))
    history = LedgerImport.objects.select_related("by")[:30]
    return render(request, "transfer/upload.html", {"form": form, "history": history})


@login_required
@require_POST
def ledger_import_confirm_view(request: HttpRequest) -> HttpResponse:
    """Import the previewed file for real: everything or nothing."""
    user = _office(request)
    form = LedgerConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("确认信息不完整，请重新上传文件。"))
        return redirect("ledger_import:upload")
    data = form.cleaned_data
    content = ledger_upload_read(sha=data["sha256"], file_name=data["file_name"])
    result = ledger_import(
        content=content,
        file_name=data["file_name"],
        by=user,
        year=data["year"],
        create_missing=data["create_missing"],
        correct_closed=data["correct_closed"],
        choices=name_choices_load(data["choices"]),
    )
    if not result.applied:
        return render(
            request,
            "transfer/preview.html",
            _preview(result, form, data["sha256"], data["file_name"]),
        )
    counts = result.counts()
    messages.success(
        request,
        _("已导入%(y)s年台账：新增%(c)s行，更新%(u)s行，无变化%(n)s行。")
        % {
            "y": result.year,
            "c": counts["create"],
            "u": counts["update"],
            "n": counts["unchanged"],
        },
    )
    return redirect("ledger_import:upload")


@login_required
@require_POST
def ledger_import_mapping_view(request: HttpRequest) -> HttpResponse:
    """Map the columns the import did not recognise to fields, once: saved as column aliases,
    then the file is previewed again (nothing of the ledger is written)."""
    user = _office(request)
    form = LedgerConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("确认信息不完整，请重新上传文件。"))
        return redirect("ledger_import:upload")
    data = form.cleaned_data
    content = ledger_upload_read(sha=data["sha256"], file_name=data["file_name"])
    mapping_error = mappings_save(
        request.POST, content=content, file_name=data["file_name"], schema=LEDGER
    )
    result = ledger_import(
        content=content,
        file_name=data["file_name"],
        by=user,
        year=data["year"],
        dry_run=True,
        create_missing=data["create_missing"],
        correct_closed=data["correct_closed"],
        choices=name_choices_load(data["choices"]),
    )
    confirm = LedgerConfirmForm(initial={**data, "year": result.year})
    context = _preview(result, confirm, data["sha256"], data["file_name"])
    context["mapping_error"] = mapping_error
    return render(request, "transfer/preview.html", context)


@login_required
@require_POST
def ledger_import_choose_view(request: HttpRequest) -> HttpResponse:
    """The office's answers to the preview's name questions: preview again with them (nothing
    is written; the choices are remembered as aliases when the import is confirmed)."""
    user = _office(request)
    form = LedgerConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("确认信息不完整，请重新上传文件。"))
        return redirect("ledger_import:upload")
    data = form.cleaned_data
    text = choices_from_post(request.POST, data["choices"])
    content = ledger_upload_read(sha=data["sha256"], file_name=data["file_name"])
    result = ledger_import(
        content=content,
        file_name=data["file_name"],
        by=user,
        year=data["year"],
        dry_run=True,
        create_missing=data["create_missing"],
        correct_closed=data["correct_closed"],
        choices=name_choices_load(text),
    )
    confirm = LedgerConfirmForm(initial={**data, "year": result.year, "choices": text})
    return render(
        request,
        "transfer/preview.html",
        _preview(result, confirm, data["sha256"], data["file_name"]),
    )


@login_required
def ledger_import_preview_book_view(request: HttpRequest, sha: str) -> HttpResponse:
    """Every row's outcome of the previewed file, as a workbook."""
    user = _office(request)
    record = LedgerImport.objects.filter(sha256=sha).order_by("-created_at", "-pk").first()
    if record is None:
        raise Http404
    book = ledger_import_outcome_book(record=record, by=user)
    response = HttpResponse(book, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(ledger_outcome_book_file_name(record.file_name))}"
    )
    return response


@login_required
def ledger_import_errors_view(request: HttpRequest, sha: str) -> HttpResponse:
    """The uploaded file with its bad cells highlighted and commented."""
    user = _office(request)
    record = LedgerImport.objects.filter(sha256=sha).order_by("-created_at", "-pk").first()
    if record is None:
        raise Http404
    book = ledger_import_error_book(record=record, by=user)
    if book is None:
        raise Http404
    response = HttpResponse(book, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(ledger_error_book_file_name(record.file_name))}"
    )
    return response

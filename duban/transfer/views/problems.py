"""The problem list import pages: upload → preview → confirm, and the marked error workbook.

The office imports any unit's problems; a unit's reporter or head only their own unit's.
Routed under /ledger/import/problems/ (namespace ledger_import).
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from duban.org.models import Unit, User
from duban.transfer.forms import (
    ProblemsConfirmForm,
    ProblemsUploadForm,
    choices_from_post,
)
from duban.transfer.imports.choices import MAX_CHOICES_TEXT, name_choices_load
from duban.transfer.imports.problem_columns import PROBLEMS
from duban.transfer.imports.problems import may_import_problems, problems_import
from duban.transfer.imports.result import ImportResult
from duban.transfer.imports.service import import_error_workbook
from duban.transfer.storage import (
    ledger_error_book_file_name,
    ledger_upload_read,
    ledger_upload_save,
)
from duban.transfer.views.imports import PREVIEW_ERRORS, PREVIEW_ROWS, XLSX
from duban.transfer.views.mapping import field_choices, mapping_tables, mappings_save


def _importer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not may_import_problems(user):
        raise PermissionDenied
    return user


@login_required
@require_http_methods(["GET", "POST"])
def problems_import_upload_view(request: HttpRequest) -> HttpResponse:
    """Upload a problem list; answer with its preview (nothing written yet)."""
    user = _importer(request)
    form = ProblemsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        sha = ledger_upload_save(content=content, file_name=upload.name)
        result = problems_import(content=content, file_name=upload.name, by=user, dry_run=True)
        confirm = ProblemsConfirmForm(initial={"sha256": sha, "file_name": upload.name})
        return _preview(request, result, confirm)
    return render(request, "transfer/problems_upload.html", {"form": form})


def _preview(
    request: HttpRequest,
    result: ImportResult,
    confirm: ProblemsConfirmForm,
    *,
    mapping_error: str = "",
) -> HttpResponse:
    rows = [r for r in result.rows if r.action != "unchanged"]
    errors = result.errors
    return render(
        request,
        "transfer/problems_preview.html",
        {
            "result": result,
            "confirm": confirm,
            "rows": rows[:PREVIEW_ROWS],
            "unchanged": len(result.rows) - len(rows),
            "errors": errors[:PREVIEW_ERRORS],
            "errors_not_listed": max(0, len(errors) - PREVIEW_ERRORS),
            "all_units": Unit.objects.filter(is_active=True).order_by("sort_order", "code")
            if result.unit_candidates
            else [],
            # Column names are the office's to set (they apply to every unit's files).
            "mapping": mapping_tables(result, PROBLEMS) if _maps_columns(request) else [],
            "field_choices": field_choices(PROBLEMS),
            "mapping_error": mapping_error,
        },
    )


def _maps_columns(request: HttpRequest) -> bool:
    return isinstance(request.user, User) and request.user.is_office


@login_required
@require_POST
def problems_import_mapping_view(request: HttpRequest) -> HttpResponse:
    """The office maps the columns the import did not recognise to problem-list fields, once:
    saved as column aliases of problem lists, then the list is previewed again."""
    user = _importer(request)
    if not user.is_office:
        raise PermissionDenied
    form = ProblemsConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("确认信息不完整，请重新上传文件。"))
        return redirect("ledger_import:problems")
    data = form.cleaned_data
    content = ledger_upload_read(sha=data["sha256"], file_name=data["file_name"])
    mapping_error = mappings_save(
        request.POST, content=content, file_name=data["file_name"], schema=PROBLEMS
    )
    result = problems_import(
        content=content,
        file_name=data["file_name"],
        by=user,
        dry_run=True,
        choices=name_choices_load(data["choices"]),
    )
    return _preview(request, result, form, mapping_error=mapping_error)


@login_required
@require_POST
def problems_import_choose_view(request: HttpRequest) -> HttpResponse:
    """The user's answers to "which unit is this name?": preview again with them (the choices
    become aliases when the import is confirmed)."""
    user = _importer(request)
    form = ProblemsConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("确认信息不完整，请重新上传文件。"))
        return redirect("ledger_import:problems")
    data = form.cleaned_data
    text = choices_from_post(request.POST, data["choices"])
    content = ledger_upload_read(sha=data["sha256"], file_name=data["file_name"])
    result = problems_import(
        content=content,
        file_name=data["file_name"],
        by=user,
        dry_run=True,
        choices=name_choices_load(text),
    )
    return _preview(request, result, ProblemsConfirmForm(initial={**data, "choices": text}))


@login_required
@require_POST
def problems_import_confirm_view(request: HttpRequest) -> HttpResponse:
    """Import the previewed list for real: every new problem, or none."""
    user = _importer(request)
    form = ProblemsConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("确认信息不完整，请重新上传文件。"))
        return redirect("ledger_import:problems")
    data = form.cleaned_data
    content = ledger_upload_read(sha=data["sha256"], file_name=data["file_name"])
    result = problems_import(
        content=content,
        file_name=data["file_name"],
        by=user,
        choices=name_choices_load(data["choices"]),
    )
    if not result.applied:
        return _preview(request, result, form)
    counts = result.counts()
    messages.success(
        request,
        _("已导入问题清单：新增%(c)s个问题，已有%(n)s个。")
        % {"c": counts["create"], "n": counts["unchanged"]},
    )
    return redirect("ledger_import:problems")


@login_required
def problems_import_errors_view(request: HttpRequest, sha: str) -> HttpResponse:
    """The uploaded list with its bad cells highlighted and commented (checked again for the
    user asking, so a unit user's marks are their own)."""
    user = _importer(request)
    file_name = request.GET.get("name", "")
    if not file_name:
        raise Http404
    content = ledger_upload_read(sha=sha, file_name=file_name)
    # The name choices of the preview the link came from: the marks are that preview's.
    choices = name_choices_load(request.GET.get("choices", "")[:MAX_CHOICES_TEXT])
    result = problems_import(
        content=content, file_name=file_name, by=user, dry_run=True, choices=choices
    )
    book = import_error_workbook(result) if result.errors else None
    if book is None:
        raise Http404
    response = HttpResponse(book, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(ledger_error_book_file_name(file_name))}"
    )
    return response

"""The unit's monthly round trip page: download the month's workbook, upload it back filled.

A reporter or head works on their own unit's workbook; the office chooses any unit. Another
unit's workbook answers 404, exactly as a missing unit does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.models import Unit, User
from duban.reporting.permissions import can_fill_unit_reports, fills_unit_reports
from duban.reporting.selectors import reporting_period_default
from duban.transfer.forms import MonthlyChoiceForm, MonthlyUploadForm
from duban.transfer.imports.monthly import (
    MonthlyResult,
    monthly_import,
    monthly_periods_open,
    monthly_workbook,
)
from duban.transfer.storage import (
    monthly_error_book_file_name,
    monthly_error_book_read,
    monthly_error_book_save,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filler(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not fills_unit_reports(user):
        raise PermissionDenied(_("您的角色不填报单位月报。"))
    return user


def _units(user: User) -> QuerySet[Unit] | None:
    """The units the office may choose from; None for a unit user (their own unit only)."""
    if not user.is_office:
        return None
    return Unit.objects.exclude(kind=Unit.Kind.OFFICE).order_by("sort_order", "pk")


def _unit(user: User, raw: Any) -> Unit | None:
    """The unit asked for, in the user's scope (404 otherwise); a unit user's own by default."""
    if raw in (None, ""):
        return None if user.is_office else get_object_or_404(Unit, pk=user.unit_id)
    try:
        unit_id = int(raw)
    except (TypeError, ValueError) as e:
        raise Http404 from e
    if not can_fill_unit_reports(user, unit_id):
        raise Http404
    return get_object_or_404(Unit, pk=unit_id)


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def monthly_workbook_view(request: HttpRequest) -> HttpResponse:
    """Choose the unit (office) and the open period; download; upload back as drafts or submitted."""
    user = _filler(request)
    periods = monthly_periods_open()
    data = request.POST if request.method == "POST" else request.GET
    unit = _unit(user, data.get("unit"))
    default = reporting_period_default()
    choice = MonthlyChoiceForm(
        request.GET or None,
        units=_units(user),
        periods=periods,
        initial={"unit": unit, "period": str(default)},
    )
    period: Period | None = default if default in periods else (periods[0] if periods else None)
    if request.GET and choice.is_valid() and choice.cleaned_data["period"]:
        period = Period.parse(choice.cleaned_data["period"])
    elif request.GET.get("period") and not choice.is_valid():
        period = None
    context: dict[str, Any] = {"choice": choice, "unit": unit, "period": period, "result": None}
    upload = MonthlyUploadForm(
        initial={"unit": unit.pk if unit else None, "period": str(period) if period else ""}
    )
    if request.method == "POST":
        upload = MonthlyUploadForm(request.POST, request.FILES)
        if unit is None:
            upload.add_error(None, _("请先选择单位。"))
        if upload.is_valid() and unit is not None:
            try:
                period = Period.parse(upload.cleaned_data["period"])
            except ApplicationError as e:
                raise Http404 from e
            context["period"] = period
            context["result"], context["errors_url_sha"] = _upload(
                request, user=user, unit=unit, period=period, upload=upload
            )
    context["upload"] = upload
    return render(request, "transfer/monthly.html", context)


def _upload(
    request: HttpRequest, *, user: User, unit: Unit, period: Period, upload: MonthlyUploadForm
) -> tuple[MonthlyResult, str]:
    file = upload.cleaned_data["file"]
    content = file.read()
    submit = request.POST.get("action") == "submit"
    try:
        result = monthly_import(
            content=content,
            file_name=file.name,
            by=user,
            unit=unit,
            period=period,
            submit=submit,
        )
    except ApplicationError as e:
        # Not a spreadsheet, encrypted, no header: the file as a whole is refused.
        result = MonthlyResult(period=period, unit=unit)
        upload.add_error("file", str(e.message))
        return result, ""
    sha = monthly_error_book_save(
        unit=unit, content=content, file_name=file.name, issues=result.issues
    )
    return result, sha


@login_required
def monthly_workbook_download_view(request: HttpRequest) -> HttpResponse:
    """The unit's workbook for an open period, prefilled with its items."""
    user = _filler(request)
    unit = _unit(user, request.GET.get("unit"))
    if unit is None:
        raise Http404
    try:
        period = Period.parse(request.GET.get("period") or str(reporting_period_default()))
    except ApplicationError as e:
        raise Http404 from e
    if period not in monthly_periods_open():
        raise Http404
    response = HttpResponse(monthly_workbook(unit=unit, period=period), content_type=XLSX)
    return _attachment(response, f"{unit.name}{period.year}年{period.month}月月报.xlsx")


@login_required
def monthly_errors_view(request: HttpRequest, unit_id: int, sha: str) -> HttpResponse:
    """The last upload with errors, its bad cells highlighted and commented."""
    user = _filler(request)
    unit = _unit(user, unit_id)
    if unit is None:
        raise Http404
    response = HttpResponse(monthly_error_book_read(unit=unit, sha=sha), content_type=XLSX)
    return _attachment(response, monthly_error_book_file_name(unit))

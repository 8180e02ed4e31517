"""Excel downloads from the pages: the year's ledger and the month's reports, in the office
layout and limited to what the user may see (the same services as the CLI and the API)."""

from __future__ import annotations

from typing import cast
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.models import Unit, User
from duban.org.selectors import unit_get_for_user
from duban.reporting.selectors import reporting_period_default
from duban.transfer.exports import ledger_export
from duban.transfer.report_exports import reports_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _unit(user: User, text: str | None) -> Unit | None:
    if not text:
        return None
    if not text.isdigit():
        raise Http404
    return unit_get_for_user(user=user, unit_id=int(text))


@login_required
def ledger_export_view(request: HttpRequest) -> HttpResponse:
    """GET ?year=&unit=: the year's ledger; a unit outside the user's scope answers 404."""
    user = cast(User, request.user)
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() else reporting_period_default().year
    unit = _unit(user, request.GET.get("unit"))
    content = ledger_export(year=year, unit=unit, user=None if user.is_office else user)
    return _xlsx(content, f"{unit.name if unit else ''}{year}年重点项目重点工作台账.xlsx")


@login_required
def reports_export_view(request: HttpRequest) -> HttpResponse:
    """GET ?period=YYYY-MM&unit=: the month's reports; a bad period answers 404."""
    user = cast(User, request.user)
    try:
        period = Period.parse(request.GET.get("period") or str(reporting_period_default()))
    except ApplicationError as e:
        raise Http404 from e
    unit = _unit(user, request.GET.get("unit"))
    content = reports_export(period=period, unit=unit, user=None if user.is_office else user)
    return _xlsx(
        content, f"{unit.name if unit else ''}{period.year}年{period.month}月重点项目月报汇总.xlsx"
    )

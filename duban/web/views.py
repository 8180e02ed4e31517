"""The home page (我的待办), the year overview and the month close."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import default_ledger_year
from duban.org.models import User
from duban.problems.selectors import problem_inbox
from duban.reporting.forms import MonthCloseForm, YearForm
from duban.reporting.models import MonthClose, ReportCorrection, UnitSnapshot
from duban.reporting.permissions import can_close_month
from duban.reporting.selectors import (
    closed_periods,
    inbox_for,
    reporting_period_default,
    year_overview,
)
from duban.reporting.services import month_close, month_close_blockers, month_close_refusal


def _user(request: HttpRequest) -> User:
    # login_required guarantees an authenticated User.
    return cast(User, request.user)


def can_view_overview(user: User) -> bool:
    return user.is_office or user.role == User.Role.LEADER


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    inbox = inbox_for(user=user)
    problem_box = problem_inbox(user=user)
    return render(
        request,
        "web/home.html",
        {"inbox": inbox, "problem_box": problem_box, "total": inbox.total + problem_box.total},
    )


@login_required
def overview_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_view_overview(user):
        raise PermissionDenied
    form = YearForm(request.GET or None)
    year = default_ledger_year(user=user, preferred=reporting_period_default().year)
    month = None
    if form.is_valid():
        year = form.cleaned_data.get("year") or year
        month = form.cleaned_data.get("month")
    overview = year_overview(user=user, year=year, period=Period(year, month) if month else None)
    closed = sorted((p for p in closed_periods() if p.year == year), reverse=True)
    level_max = max(overview.by_level.values(), default=0)
    category_max = max(overview.by_category.values(), default=0)
    return render(
        request,
        "web/overview.html",
        {
            "overview": overview,
            "form": form,
            "year": year,
            "may_close": can_close_month(user),
            "closed": closed,
            "level_max": level_max,
            "category_max": category_max,
            "levels": WorkItem.Level.choices,
            "categories": WorkItem.Category.choices,
            "months": range(1, 13),
        },
    )


def _first_unclosed_before_now() -> Period:
    """The month the office would close next: the earliest ended month of this or last year
    that is not closed yet (normally last month)."""
    closed = closed_periods()
    current = Period.current()
    p = Period(current.year - 1, 1)
    while p < current:
        if p not in closed:
            return p
        p = p.next()
    return current.previous()


@login_required
def month_close_view(request: HttpRequest) -> HttpResponse:
    """The month close: what blocks it (with links), what it will freeze, and the close."""
    user = _user(request)
    if not can_close_month(user):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    form = MonthCloseForm(data or None, initial={"period": str(_first_unclosed_before_now())})
    period = form.cleaned_data["period"] if form.is_valid() else _first_unclosed_before_now()
    if request.method == "POST" and not form.is_valid():
        for error in form.errors.get("period", []):
            messages.error(request, str(error))
        return redirect(reverse("web:month_close"))
    if request.method == "GET" and data and not form.is_valid():
        for error in form.errors.get("period", []):
            messages.error(request, str(error))
    if request.method == "POST":
        try:
            close = month_close(period=period, by=user)
        except ApplicationError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(
                request,
                _("%(p)s已关账：冻结了%(n)s个事项的数字和亮灯、%(u)s个单位的统计，月报已锁定。")
                % {
                    "p": period.label,
                    "n": close.summary.get("items", 0),
                    "u": close.summary.get("units", 0),
                },
            )
        return redirect(f"{reverse('web:month_close')}?period={period}")
    close_row = MonthClose.objects.filter(year=period.year, month=period.month).first()
    return render(
        request,
        "web/month_close.html",
        {
            "form": form,
            "period": period,
            "close": close_row,
            "refusal": None if close_row else month_close_refusal(period),
            "blockers": [] if close_row else month_close_blockers(period),
            "units": list(UnitSnapshot.objects.filter(close=close_row).select_related("unit"))
            if close_row
            else [],
            "corrections": list(
                ReportCorrection.objects.filter(
                    counted_from_year=period.year, counted_from_month=period.month
                ).select_related("report__work_item", "by")
            ),
            "closed": sorted(
                (p for p in closed_periods() if p.year >= period.year - 1), reverse=True
            ),
        },
    )

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
from django.views.decorators.http import require_POST

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import default_ledger_year
from duban.org.models import User
from duban.problems.selectors import problem_inbox
from duban.reporting.forms import MonthCloseForm, YearForm
from duban.reporting.permissions import can_close_month
from duban.reporting.selectors import (
    closed_periods,
    inbox_for,
    reporting_period_default,
    year_overview,
)
from duban.reporting.services import month_close


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
    close_form = None
    if can_close_month(user):
        close_form = MonthCloseForm(initial={"period": str(Period.current().previous())})
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
            "close_form": close_form,
            "closed": closed,
            "level_max": level_max,
            "category_max": category_max,
            "levels": WorkItem.Level.choices,
            "categories": WorkItem.Category.choices,
            "months": range(1, 13),
        },
    )


@login_required
@require_POST
def month_close_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_close_month(user):
        raise PermissionDenied
    form = MonthCloseForm(request.POST)
    year = Period.current().year
    if form.is_valid():
        period = form.cleaned_data["period"]
        year = period.year
        try:
            month_close(period=period, by=user)
        except ApplicationError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("%(p)s已关账，月报已锁定。") % {"p": period.label})
    else:
        for error in form.errors.get("period", []):
            messages.error(request, str(error))
    return redirect(f"{reverse('web:overview')}?year={year}")

"""The home page (我的待办), the year overview and the month close."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import default_ledger_year
from duban.liaison.selectors import steward_items
from duban.org.audit import AuditFilterForm, audit_event_list, audit_record
from duban.org.models import AuditEvent, User
from duban.org.services import user_password_changed
from duban.problems.selectors import problem_inbox
from duban.reporting.forms import MonthCloseForm, YearForm
from duban.reporting.models import MonthClose, ReportCorrection, UnitSnapshot
from duban.reporting.permissions import can_close_month, fills_unit_reports
from duban.reporting.selectors import (
    closed_periods,
    inbox_for,
    reporting_period_default,
    year_overview,
)
from duban.reporting.services import month_close, month_close_blockers, month_close_refusal
from duban.supervision.selectors import supervision_box
from duban.transfer.imports.monthly import monthly_periods_open, monthly_workbook_size
from duban.web.cockpit import HOME_LIST_LIMIT, cockpit_view
from duban.web.desk import desk_context, next_month_to_close


def _user(request: HttpRequest) -> User:
    # login_required guarantees an authenticated User.
    return cast(User, request.user)


def can_view_overview(user: User) -> bool:
    return user.is_office or user.role == User.Role.LEADER


def _workbooks(user: User, inbox: Any) -> list[dict[str, Any]]:
    """The unit's monthly workbooks worth downloading: every open month with reports missing
    (a backlog included), with how many items miss it and how many the workbook holds."""
    unit = user.unit
    if user.is_office or not fills_unit_reports(user) or not inbox.missing or unit is None:
        return []
    open_periods = set(monthly_periods_open())
    sizes: dict[int, int] = {}
    rows = []
    for period, missing in inbox.missing_periods:
        if period not in open_periods:
            continue
        if period.year not in sizes:
            sizes[period.year] = monthly_workbook_size(unit=unit, period=period)
        rows.append({"period": period, "missing": missing, "size": sizes[period.year]})
    return rows


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    # Leaders and viewers (e.g. a people's congress liaison) have nothing to fill or review:
    # their first screen is the state of the items in their scope, not an empty to-do list.
    if user.role in (User.Role.LEADER, User.Role.VIEWER):
        return cockpit_view(request)
    inbox = inbox_for(user=user)
    problem_box = problem_inbox(user=user, limit=HOME_LIST_LIMIT)
    desk = desk_context(user, inbox.to_review) if user.is_office else {}
    return render(
        request,
        "web/home.html",
        {
            "inbox": inbox,
            "problem_box": problem_box,
            "total": inbox.total + problem_box.total,
            "supervision_box": supervision_box(user=user),
            "workbooks": _workbooks(user, inbox),
            "desk": desk,
            # the steward's main job is the weekly visit: which projects wait for one
            "steward_items": (
                steward_items(
                    user=user, year=default_ledger_year(user=user, preferred=clock.today().year)
                )
                if user.role == User.Role.STEWARD
                else []
            ),
        },
    )


@login_required
def overview_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not can_view_overview(user):
        raise PermissionDenied(_("只有推进办和区领导可以查看年度概览。"))
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


@login_required
def month_close_view(request: HttpRequest) -> HttpResponse:
    """The month close: what blocks it (with links), what it will freeze, and the close."""
    user = _user(request)
    if not can_close_month(user):
        raise PermissionDenied(_("只有推进办可以关账。"))
    data = request.POST if request.method == "POST" else request.GET
    form = MonthCloseForm(data or None, initial={"period": str(next_month_to_close())})
    period = form.cleaned_data["period"] if form.is_valid() else next_month_to_close()
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


class PasswordChangeView(auth_views.PasswordChangeView):
    """Self-service password change; also where a forced change after an office reset lands."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = user_password_changed(user=form.user)
        audit_record(kind=AuditEvent.Kind.PASSWORD_CHANGED, request=self.request, user=user)
        messages.success(self.request, _("密码已修改。"))
        return response


def locked_out_view(request: HttpRequest, original_response: Any, credentials: Any) -> HttpResponse:
    """What a locked-out sign-in sees (django-axes): why, for how long, and whom to ask."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": round(float(settings.AXES_COOLOFF_TIME) * 60),
    }
    return render(request, "registration/locked_out.html", context, status=429)


@login_required
def audit_log_view(request: HttpRequest) -> HttpResponse:
    """The office searches the audit log: sign-ins, lockouts, password changes, exports."""
    user = cast(User, request.user)
    if not user.is_office:
        raise PermissionDenied(_("只有推进办可以查看审计日志。"))
    form = AuditFilterForm(request.GET or None)
    events = audit_event_list(user=user, filters=form.filters())
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/audit.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def csrf_failure_view(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form post whose CSRF check failed: say what happened and what to do, in Chinese."""
    return render(request, "403_csrf.html", status=403)

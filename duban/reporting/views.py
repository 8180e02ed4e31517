"""Monthly report pages: fill, read, review. Thin: scope, permission, one service, render."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from duban.core.errors import ApplicationError, ConflictError
from duban.core.money import to_decimal
from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.selectors import (
    indicators_for_item,
    milestones_for_item,
    work_item_get_for_user,
)
from duban.org.models import User
from duban.org.selectors import unit_list
from duban.reporting.forms import (
    NoChangeForm,
    ReportCorrectionForm,
    ReportFilterForm,
    ReportForm,
    ReportReturnForm,
    ReviewFilterForm,
    VersionForm,
)
from duban.reporting.models import EDITABLE_STATES, MonthlyReport
from duban.reporting.permissions import (
    can_fill_report,
    can_review_report,
    can_sign_off_report,
)
from duban.reporting.selectors import (
    ReportFilters,
    report_for_item_period,
    report_get_for_user,
    report_history,
    report_list,
    report_progress,
    reporting_period_default,
)
from duban.reporting.services import (
    period_is_closed,
    report_accept,
    report_correct,
    report_due_date,
    report_no_change,
    report_prepare,
    report_return,
    report_save,
    report_save_and_submit,
    report_sign_off,
    report_start,
)
from duban.reporting.validation import amount_problem

S = MonthlyReport.State


def _user(request: HttpRequest) -> User:
    # login_required guarantees an authenticated User.
    return cast(User, request.user)


def _page(request: HttpRequest, qs: QuerySet[Any]) -> Page:
    return Paginator(qs, settings.DUBAN_PAGE_SIZE).get_page(request.GET.get("page"))


def can_view_review_queue(user: User) -> bool:
    return user.is_office or user.role == User.Role.STEWARD


def _read_only_reason(user: User, report: MonthlyReport) -> str:
    """Why the report can't be edited here (empty when it can)."""
    if period_is_closed(report.period):
        return _("%(p)s已关账，月报已锁定，不能再修改。") % {"p": report.period.label}
    if report.state not in EDITABLE_STATES:
        return _("月报状态为“%(s)s”，只有草稿或被退回的月报可以修改。") % {
            "s": report.get_state_display()
        }
    if not can_fill_report(user, report.work_item):
        return _("您不能填报该事项的月报。")
    return ""


def _report_form(item: WorkItem, report: MonthlyReport, data: Any = None) -> ReportForm:
    milestones = [
        m
        for m in milestones_for_item(item)
        if m.actual_date is None
        or (
            report.pk is not None
            and any(r.milestone_id == m.pk for r in report.milestones_reached.all())
        )
    ]
    return ReportForm(
        data,
        item=item,
        report=report,
        indicators=list(indicators_for_item(item)),
        milestones=milestones,
    )


@login_required
def report_fill_view(request: HttpRequest, item_id: int, period: Period) -> HttpResponse:
    user = _user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    if not can_fill_report(user, item):
        existing = report_for_item_period(item=item, period=period)
        if existing is not None:
            return redirect(existing)
        raise PermissionDenied(_("只有该事项的责任单位（填报人、负责人）或项目管家可以填报月报。"))
    context: dict[str, Any] = {"item": item, "period": period, "due_date": None}
    try:
        context["due_date"] = report_due_date(period)
        # Opening the form writes nothing: the draft is created by the first save.
        starter = report_start if request.method == "POST" else report_prepare
        report = starter(item=item, period=period, by=user)
    except ApplicationError as e:
        context["error"] = e.message
        return render(request, "reporting/fill.html", context, status=200)
    context["report"] = report
    reason = _read_only_reason(user, report)
    if reason:
        context.update(readonly_reason=reason, **_report_context(report))
        return render(request, "reporting/fill.html", context)
    if request.method == "POST":
        form = _report_form(item, report, request.POST)
        if form.is_valid():
            action = request.POST.get("action", "save")
            service = report_save_and_submit if action == "submit" else report_save
            try:
                report = service(
                    report=report,
                    by=user,
                    version=form.cleaned_data.get("version"),
                    data=form.report_data(),
                    indicator_values=form.indicator_values(),
                    milestones_reached=form.milestones_reached(),
                )
            except ConflictError as e:
                # Keep what the user typed; offer the current version so a deliberate second
                # save is possible after they have looked at what the other person saved.
                current = MonthlyReport.objects.get(pk=report.pk)
                data = request.POST.copy()
                data["version"] = str(current.version)
                form = _report_form(item, current, data)
                form.is_valid()
                context.update(error=e.message, conflict=current)
            except ApplicationError as e:
                context.update(error=e.message, error_field=e.field, error_fields=e.fields)
            else:
                if report.state in EDITABLE_STATES:
                    messages.success(request, _("草稿已保存。"))
                    return redirect("reporting:fill", item_id=item.pk, period=period)
                messages.success(
                    request,
                    _("月报已提交（%(s)s）。") % {"s": report.get_state_display()},
                )
                return redirect(report)
    else:
        form = _report_form(item, report)
    typed = form.data.get("investment_month") if form.is_bound else None
    context.update(form=form, **_figures_context(report, typed))
    return render(request, "reporting/fill.html", context)


def _figures_context(report: MonthlyReport, typed: str | None) -> dict[str, Any]:
    """The figure cards: as if the typed amount counted, unless the validator refuses it
    (then the counted figures stay, and the card says why the typed amount was not used)."""
    amount = report.investment_month if typed is None else to_decimal(typed)
    refused = None
    if typed is not None and typed.strip() and amount is None:
        refused = _("“%(v)s”不是有效的金额。") % {"v": typed.strip()[:40]}
    elif amount is not None:
        item = report.work_item
        total = item.project.total_investment if item.project_id and item.project else None
        refused = amount_problem("investment_month", amount, total_investment=total)
    if refused:
        progress = report_progress(report)
    else:
        progress = report_progress(report, investment_month=amount)
    return {
        "progress": progress,
        "figures": progress.figures if progress else None,
        "figures_refused": refused,
    }


@login_required
@require_GET
def report_figures_view(request: HttpRequest, item_id: int, period: Period) -> HttpResponse:
    """The derived figures for a typed 本月完成投资 (htmx partial; computes, writes nothing)."""
    item = work_item_get_for_user(user=_user(request), item_id=item_id)
    report = report_for_item_period(item=item, period=period) or MonthlyReport(
        work_item=item, year=period.year, month=period.month
    )
    typed = request.GET.get("investment_month", "")
    return render(
        request,
        "reporting/partials/_figures.html",
        {"report": report, **_figures_context(report, typed)},
    )


@login_required
@require_POST
def report_no_change_view(request: HttpRequest, item_id: int, period: Period) -> HttpResponse:
    user = _user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    if not can_fill_report(user, item):
        raise PermissionDenied(_("只有该事项的责任单位（填报人、负责人）或项目管家可以填报月报。"))
    form = NoChangeForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        report = report_no_change(item=item, period=period, by=user, version=version)
    except ApplicationError as e:
        messages.error(request, str(e.message))
        return redirect("reporting:fill", item_id=item.pk, period=period)
    messages.success(request, _("已按“无变化”报送：沿用上月进展和指标值。"))
    return redirect(report)


def _report_context(report: MonthlyReport) -> dict[str, Any]:
    if report.pk is None:
        return {"values": [], "reached": [], **_figures_context(report, None)}
    return {
        "values": list(report.indicator_values.select_related("indicator")),
        "reached": list(report.milestones_reached.select_related("milestone")),
        **_figures_context(report, None),
    }


@login_required
def report_detail_view(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _user(request)
    report = report_get_for_user(user=user, report_id=report_id)
    closed = period_is_closed(report.period)
    may_sign = can_sign_off_report(user, report) and report.state == S.PENDING_SIGNOFF
    may_review = can_review_report(user, report) and report.state == S.SUBMITTED
    may_return = (report.state == S.PENDING_SIGNOFF and can_sign_off_report(user, report)) or (
        report.state == S.SUBMITTED and can_review_report(user, report)
    )
    may_edit = report.state in EDITABLE_STATES and can_fill_report(user, report.work_item)
    return render(
        request,
        "reporting/report.html",
        {
            "report": report,
            "item": report.work_item,
            "closed": closed,
            "may_sign": may_sign and not closed,
            "may_review": may_review and not closed,
            "may_return": may_return and not closed,
            "may_edit": may_edit and not closed,
            "return_form": ReportReturnForm(initial={"version": report.version}),
            "corrections": list(report.corrections.select_related("by")),
            "correction_form": ReportCorrectionForm(
                initial={
                    "version": report.version,
                    "investment_month": report.investment_month,
                    "funds_month": report.funds_month,
                }
            )
            if closed and user.is_office and report.state in (S.SUBMITTED, S.ACCEPTED)
            else None,
            "history": report_history(report),
            **_report_context(report),
        },
    )


@login_required
@require_POST
def report_sign_off_view(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _user(request)
    report = report_get_for_user(user=user, report_id=report_id)
    if not can_sign_off_report(user, report):
        raise PermissionDenied(_("只有责任单位的负责人可以审签月报。"))
    form = VersionForm(request.POST)
    form.is_valid()
    try:
        report_sign_off(report=report, by=user, version=form.cleaned_data.get("version"))
    except ApplicationError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("已审签，月报已报送推进办。"))
    return redirect(report)


@login_required
@require_POST
def report_accept_view(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _user(request)
    report = report_get_for_user(user=user, report_id=report_id)
    if not can_review_report(user, report):
        raise PermissionDenied(_("只有推进办或该项目的项目管家可以采纳或退回月报。"))
    form = VersionForm(request.POST)
    form.is_valid()
    try:
        report_accept(report=report, by=user, version=form.cleaned_data.get("version"))
    except ApplicationError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("已采纳。"))
    return redirect(report)


@login_required
@require_POST
def report_return_view(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _user(request)
    report = report_get_for_user(user=user, report_id=report_id)
    if not (can_review_report(user, report) or can_sign_off_report(user, report)):
        raise PermissionDenied(_("只有推进办、项目管家或责任单位负责人可以退回月报。"))
    form = ReportReturnForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(report)
    try:
        report_return(
            report=report,
            by=user,
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data.get("version"),
        )
    except ApplicationError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("已退回，单位将在待办中看到退回原因。"))
    return redirect(report)


@login_required
def report_review_view(request: HttpRequest) -> HttpResponse:
    """The queue of reports to review (office: all; steward: the projects they steward)."""
    user = _user(request)
    if not can_view_review_queue(user):
        raise PermissionDenied(_("只有推进办和项目管家可以查看月报审核。"))
    data = request.GET.copy()
    data.setdefault("state", S.SUBMITTED)
    form = ReviewFilterForm(data, units=unit_list(user=user))
    filters = ReportFilters()
    if form.is_valid():
        period = form.cleaned_data.get("period")
        unit = form.cleaned_data.get("unit")
        filters = ReportFilters(
            year=period.year if period else None,
            month=period.month if period else None,
            unit=unit.pk if unit else None,
            state=form.cleaned_data.get("state") or None,
        )
    qs = report_list(user=user, filters=filters)
    if not user.is_office:
        qs = qs.filter(work_item__steward=user)
    page = _page(request, qs)
    return render(request, "reporting/review.html", {"form": form, "page": page})


@login_required
def report_list_view(request: HttpRequest) -> HttpResponse:
    """Every report the user may see, by year, month, unit and state."""
    user = _user(request)
    form = ReportFilterForm(request.GET or None, units=unit_list(user=user))
    filters = ReportFilters()
    if form.is_valid():
        unit = form.cleaned_data.get("unit")
        filters = ReportFilters(
            year=form.cleaned_data.get("year"),
            month=form.cleaned_data.get("month"),
            unit=unit.pk if unit else None,
            state=form.cleaned_data.get("state") or None,
        )
    page = _page(request, report_list(user=user, filters=filters))
    export_period = reporting_period_default()
    if filters.year and filters.month:
        export_period = Period(filters.year, filters.month)
    return render(
        request,
        "reporting/list.html",
        {"form": form, "page": page, "export_period": export_period},
    )


@login_required
@require_POST
def report_correct_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """The office corrects a closed month's report; the frozen month stays as it was."""
    user = _user(request)
    report = report_get_for_user(user=user, report_id=report_id)
    form = ReportCorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("更正内容有误：%(e)s") % {"e": form.errors.as_text()})
        return redirect(report)
    data = form.cleaned_data
    values = {k: data[k] for k in ("investment_month", "funds_month")}
    try:
        correction = report_correct(
            report=report,
            by=user,
            # A post without the version it was read at is treated as stale, never as current.
            version=int(data.get("version") or 0),
            reason=data.get("reason") or "",
            values=values,
        )
    except ApplicationError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(
            request,
            _("已更正，从%(p)s起计入；%(c)s冻结的数字不变。")
            % {"p": correction.counted_from.label, "c": report.period.label},
        )
    return redirect(report)

"""Ledger pages: the list, an item, and the office's edits. Thin: scope, permission, one service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from duban.core.errors import ApplicationError, ConflictError
from duban.core.forms import posted_version
from duban.core.home_panels import home_panels
from duban.core.periods import Period
from duban.ledger.forms import (
    CarryOverForm,
    IndicatorForm,
    ItemVersionForm,
    MilestoneForm,
    NodeTemplateForm,
    PlanCurveForm,
    WorkItemEditForm,
    WorkItemFilterForm,
    funding_formset,
)
from duban.ledger.models import WorkItem
from duban.ledger.permissions import (
    can_carry_over_work_items,
    can_edit_work_item,
    can_hand_out_work_item,
)
from duban.ledger.selectors import (
    default_ledger_year,
    indicators_for_item,
    milestones_for_item,
    plan_curve_disagrees,
    plan_curve_total,
    work_item_get_for_user,
    work_item_list,
    work_items_carry_over_candidates,
)
from duban.ledger.services import (
    funding_set,
    hand_out_problems,
    indicator_create,
    milestone_create,
    milestones_from_template,
    work_item_hand_out,
    work_item_set_plan_curve,
    work_item_update,
)
from duban.org.models import User
from duban.org.selectors import unit_list
from duban.reporting.permissions import can_fill_report
from duban.reporting.progress import Light
from duban.reporting.selectors import (
    figures_period_default,
    ids_with_light,
    progress_for_item,
    progress_for_items,
    reporting_period_default,
    reports_of_item,
    rules_in_force,
    work_item_change_log,
)
from duban.reporting.selectors.progress import is_closed
from duban.reporting.services import work_items_carry_over


class LedgerFilterForm(WorkItemFilterForm):
    """The ledger's filters, plus the light the progress core derives for the shown month."""

    light = forms.ChoiceField(
        label=gettext_lazy("亮灯"),
        choices=[("", gettext_lazy("全部")), *Light.choices],
        required=False,
    )


def _user(request: HttpRequest) -> User:
    # login_required guarantees an authenticated User.
    return cast(User, request.user)


@login_required
def work_item_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    period = reporting_period_default()
    data = request.GET.copy()
    if "year" not in data:
        data["year"] = str(default_ledger_year(user=user, preferred=period.year))
    form = LedgerFilterForm(data, units=unit_list(user=user).order_by("sort_order", "code"))
    filters = form.filters()
    shown = figures_period_default(filters.year, user=user)
    qs = work_item_list(user=user, filters=filters)
    light = form.cleaned_data.get("light") if form.is_valid() else None
    if light:
        # Lights are derived: the core computes them for the filtered items, then the page
        # is cut from the matching ids in list order.
        ids_page = Paginator(ids_with_light(qs, shown, [light]), settings.DUBAN_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        found = {i.pk: i for i in qs.filter(pk__in=list(ids_page))}
        items = [found[pk] for pk in ids_page if pk in found]
        page: Page[Any] = ids_page
    else:
        page = Paginator(qs, settings.DUBAN_PAGE_SIZE).get_page(request.GET.get("page"))
        items = list(page.object_list)
    progress = progress_for_items([i for i in items if i.year == shown.year], shown)
    rows = [(item, progress.get(item.pk)) for item in items]
    return render(
        request,
        "ledger/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "month": shown.month,
            "period": shown,
            "frozen": is_closed(shown),
            "rules": rules_in_force()[0],
            "year": filters.year,
            "may_carry_over": can_carry_over_work_items(user) and filters.year,
        },
    )


def _item_period(user: User, item: WorkItem) -> Period | None:
    """Figures of an item of this year or a past one, as of the same month as its ledger list."""
    if item.year > reporting_period_default().year:
        return None
    return figures_period_default(item.year, user=user)


@login_required
def work_item_detail_view(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    return render(request, "ledger/item.html", _item_context(user, item))


def _item_context(user: User, item: WorkItem, **editors: Any) -> dict[str, Any]:
    """The item page; `editors` replaces an editor's blank form with a bound one and its error."""
    period = _item_period(user, item)
    progress = progress_for_item(item, period) if period and period.year == item.year else None
    may_edit = can_edit_work_item(user, item)
    is_draft = item.status == WorkItem.Status.DRAFT
    funding = list(item.funding.all())
    plan_months = list(item.plan_months.all())
    context: dict[str, Any] = {
        "item": item,
        "period": period,
        "progress": progress,
        "figures": progress.figures if progress and item.is_project else None,
        "rules": rules_in_force()[0],
        "indicators": list(indicators_for_item(item)),
        "milestones": list(milestones_for_item(item)),
        "reports": list(reports_of_item(item=item)),
        "funding": funding,
        "funding_total": sum((f.amount for f in funding), Decimal(0)) if funding else None,
        "plan_months": plan_months,
        "plan_total": plan_curve_total(plan_months),
        "plan_disagrees": plan_curve_disagrees(item, plan_months),
        "history": work_item_change_log(item),
        "may_edit": may_edit,
        "may_hand_out": can_hand_out_work_item(user, item) and is_draft,
        "hand_out_problems": hand_out_problems(item) if may_edit and is_draft else [],
        "may_fill": (
            period is not None
            and item.status == WorkItem.Status.ACTIVE
            and can_fill_report(user, item)
            and period.year == reporting_period_default().year
        ),
        "fill_period": reporting_period_default(),
    }
    if may_edit:
        context["indicator_form"] = IndicatorForm()
        context["milestone_form"] = MilestoneForm()
        context["template_form"] = NodeTemplateForm()
        context["funding_formset"] = funding_formset(item=item)
        context["funding_version"] = item.version
        if item.is_project:
            context["plan_form"] = PlanCurveForm(item=item, months=plan_months)
        context.update(editors)
    context["home_panels"] = home_panels("item", user, item=item)
    return context


@login_required
def work_item_update_view(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    if not can_edit_work_item(user, item):
        raise PermissionDenied(_("只有推进办可以修改台账。"))
    units = unit_list(user=user).order_by("sort_order", "code")
    error = None
    if request.method == "POST":
        form = WorkItemEditForm(request.POST, item=item, units=units)
        if form.is_valid():
            try:
                item = work_item_update(
                    item=item,
                    version=form.cleaned_data["version"],
                    data=form.item_data(),
                    co_units=list(form.cleaned_data["co_units"]),
                )
            except ConflictError as e:
                # Keep the typed values; the current version lets a deliberate second save through.
                current = WorkItem.objects.get(pk=item.pk)
                data = request.POST.copy()
                data["version"] = str(current.version)
                form = WorkItemEditForm(data, item=current, units=units)
                form.is_valid()
                error = e.message
            except ApplicationError as e:
                error = e.message
            else:
                messages.success(request, _("台账事项已保存。"))
                return redirect(item)
    else:
        form = WorkItemEditForm(item=item, units=units)
    return render(request, "ledger/edit.html", {"item": item, "form": form, "error": error})


@login_required
@require_POST
def work_item_hand_out_view(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    if not can_hand_out_work_item(user, item):
        raise PermissionDenied(_("只有推进办可以下达事项。"))
    try:
        work_item_hand_out(item=item, by=user, version=posted_version(request))
    except ApplicationError as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("已下达，责任单位将按月填报。"))
    return redirect(item)


@login_required
def work_items_carry_over_view(request: HttpRequest) -> HttpResponse:
    """Confirm (GET) and run (POST) the carry-over of a year's unfinished items."""
    user = _user(request)
    if not can_carry_over_work_items(user):
        raise PermissionDenied(_("只有推进办可以结转台账。"))
    form = CarryOverForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("请选择要结转的年度。"))
        return redirect("ledger:list")
    year = form.cleaned_data["year"]
    if request.method == "POST":
        try:
            created = work_items_carry_over(year=year, by=user)
        except ApplicationError as e:
            messages.error(request, str(e.message))
            return redirect(f"{reverse('ledger:carry_over')}?year={year}")
        messages.success(
            request,
            _("已将%(y)s年%(n)s个未完成事项结转到%(next)s年台账（待下达）。")
            % {"y": year, "n": len(created), "next": year + 1},
        )
        return redirect(f"{reverse('ledger:list')}?year={year + 1}&status=draft")
    candidates = work_items_carry_over_candidates(user=user, year=year)
    return render(
        request,
        "ledger/carry_over.html",
        {"year": year, "next_year": year + 1, "candidates": candidates, "form": form},
    )


@login_required
@require_POST
def indicator_create_view(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    if not can_edit_work_item(user, item):
        raise PermissionDenied(_("只有推进办可以修改台账。"))
    form = IndicatorForm(request.POST)
    if form.is_valid():
        try:
            indicator_create(item=item, data=form.cleaned_data)
        except ApplicationError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("指标已添加。"))
    else:
        messages.error(request, _("指标未添加：请填写指标名称，数值和日期格式要正确。"))
    return redirect(item)


@login_required
@require_POST
def milestone_create_view(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    if not can_edit_work_item(user, item):
        raise PermissionDenied(_("只有推进办可以修改台账。"))
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            milestone_create(
                item=item, data={**form.cleaned_data, "responsible_unit": item.lead_unit}
            )
        except ApplicationError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("节点已添加。"))
    else:
        messages.error(request, _("节点未添加：请填写节点名称，日期格式要正确。"))
    return redirect(item)


@login_required
@require_POST
def milestones_from_template_view(request: HttpRequest, item_id: int) -> HttpResponse:
    user = _user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    if not can_edit_work_item(user, item):
        raise PermissionDenied(_("只有推进办可以修改台账。"))
    form = NodeTemplateForm(request.POST)
    if form.is_valid():
        try:
            added = milestones_from_template(
                item=item, template_set=form.cleaned_data["template_set"], by=user
            )
        except ApplicationError as e:
            messages.error(request, str(e.message))
        else:
            messages.success(request, _("已从模板添加%(n)s个节点。") % {"n": len(added)})
    else:
        messages.error(request, _("请选择节点模板。"))
    return redirect(item)


@login_required
@require_POST
def work_item_funding_view(request: HttpRequest, item_id: int) -> HttpResponse:
    """Save the funding breakdown; on an error the item page shows it with the typed lines."""
    user = _user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    if not can_edit_work_item(user, item):
        raise PermissionDenied(_("只有推进办可以修改台账。"))
    formset = funding_formset(request.POST, item=item)
    version_form = ItemVersionForm(request.POST)
    version = item.version
    if formset.is_valid() and version_form.is_valid():
        try:
            funding_set(
                item=item,
                lines=formset.lines(),
                version=version_form.cleaned_data["version"],
                by=user,
            )
        except ConflictError as e:
            # Keep the typed lines; the current version lets a deliberate second save through.
            error = e.message
            item = WorkItem.objects.get(pk=item.pk)
            version = item.version
        except ApplicationError as e:
            error = e.message
            version = version_form.cleaned_data["version"]
        else:
            messages.success(request, _("资金来源已保存。"))
            return redirect(f"{item.get_absolute_url()}#funding")
    else:
        error = _("资金来源未保存：请按提示修改标红的行。")
        if version_form.is_valid():
            version = version_form.cleaned_data["version"]
    context = _item_context(
        user, item, funding_formset=formset, funding_version=version, funding_error=error
    )
    return render(request, "ledger/item.html", context)


@login_required
@require_POST
def work_item_plan_curve_view(request: HttpRequest, item_id: int) -> HttpResponse:
    """Save the monthly plan curve; on an error the item page shows it with the typed months."""
    user = _user(request)
    item = work_item_get_for_user(user=user, item_id=item_id)
    if not can_edit_work_item(user, item):
        raise PermissionDenied(_("只有推进办可以修改台账。"))
    form = PlanCurveForm(request.POST, item=item)
    if form.is_valid():
        try:
            work_item_set_plan_curve(
                item=item,
                amounts=form.amounts(),
                version=form.cleaned_data["version"],
                by=user,
            )
        except ConflictError as e:
            error = e.message
            item = WorkItem.objects.get(pk=item.pk)
            data = request.POST.copy()
            data["version"] = str(item.version)
            form = PlanCurveForm(data, item=item)
            form.is_valid()
        except ApplicationError as e:
            error = e.message
        else:
            messages.success(request, _("月度计划已保存。"))
            return redirect(f"{item.get_absolute_url()}#plan-curve")
    else:
        error = _("月度计划未保存：请按提示修改标红的月份。")
    context = _item_context(user, item, plan_form=form, plan_error=error)
    return render(request, "ledger/item.html", context)

"""Settings pages: a user's channels; the office's work groups, test message and delivery log;
a unit's view of the groups it is in."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.core.errors import ApplicationError
from duban.notify.delivery import delivery_resend, delivery_send, work_group_test
from duban.notify.forms import ChannelSettingForm, WorkGroupForm
from duban.notify.models import ChannelSetting, Delivery, WorkGroup
from duban.org.models import User


@login_required
def channel_settings_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    setting = ChannelSetting.objects.filter(user=user).first() or ChannelSetting(user=user)
    form = ChannelSettingForm(request.POST or None, instance=setting)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("提醒设置已保存。"))
        return redirect("notify:settings")
    groups = WorkGroup.objects.filter(units=user.unit_id, active=True) if user.unit_id else []
    return render(
        request,
        "notify/settings.html",
        {"form": form, "groups": groups, "has_email": bool(user.email)},
    )


def _office(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not user.is_office:
        raise PermissionDenied(_("只有推进办可以配置工作群。"))
    return user


@login_required
def work_group_list_view(request: HttpRequest) -> HttpResponse:
    _office(request)
    groups = WorkGroup.objects.prefetch_related("units")
    failed = Delivery.objects.filter(state=Delivery.State.FAILED).count()
    return render(request, "notify/groups.html", {"groups": groups, "failed": failed})


@login_required
def work_group_edit_view(request: HttpRequest, group_id: int | None = None) -> HttpResponse:
    _office(request)
    group = get_object_or_404(WorkGroup, pk=group_id) if group_id else WorkGroup()
    form = WorkGroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            group = form.save(commit=False)
            group.endpoint = form.cleaned_data["endpoint"]
            group.secret = form.cleaned_data["secret"]
            group.save()
            form.save_m2m()
        messages.success(request, _("工作群已保存。"))
        return redirect("notify:groups")
    return render(request, "notify/group_form.html", {"form": form, "group": group})


@require_POST
@login_required
def work_group_test_view(request: HttpRequest, group_id: int) -> HttpResponse:
    user = _office(request)
    group = get_object_or_404(WorkGroup, pk=group_id)
    delivery = work_group_test(group=group, by=user)
    state = delivery_send(delivery.pk)
    if state == Delivery.State.SENT:
        messages.success(request, _("测试消息已发送。"))
    else:
        messages.error(request, _("测试消息未发送成功，请查看发送记录。"))
    return redirect("notify:deliveries")


@login_required
def delivery_list_view(request: HttpRequest) -> HttpResponse:
    _office(request)
    state = request.GET.get("state") or ""
    rows = Delivery.objects.select_related("recipient", "group")
    if state in Delivery.State.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/deliveries.html",
        {"page": page, "state": state, "states": Delivery.State.choices},
    )


@require_POST
@login_required
def delivery_resend_view(request: HttpRequest, delivery_id: int) -> HttpResponse:
    user = _office(request)
    delivery = get_object_or_404(Delivery, pk=delivery_id)
    try:
        delivery_resend(delivery=delivery, by=user)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已重新排队发送。"))
    return redirect("notify:deliveries")

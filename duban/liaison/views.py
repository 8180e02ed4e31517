"""Liaison pages: visits, a finding raised as a problem in one step, 包联 figures per leader."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.ledger.selectors import default_ledger_year, work_item_list
from duban.liaison.downloads import photo_response
from duban.liaison.forms import FindingForm, VisitForm
from duban.liaison.models import VisitPhoto
from duban.liaison.permissions import can_log_visit, can_raise_from_visit
from duban.liaison.selectors import liaison_figures, visit_list
from duban.liaison.services import visit_log, visit_raise_problem
from duban.org.models import User
from duban.org.selectors import enterprise_list
from duban.problems.selectors import demand_figures


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def visit_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = None
    if can_log_visit(user):
        form = VisitForm(
            request.POST or None,
            request.FILES or None,
            # This year's ledger only: a project on two years' lists was offered twice, and
            # last year's row (first in the list) took the visit and the problems it raised.
            items=work_item_list(user=user).filter(
                year=default_ledger_year(user=user, preferred=clock.today().year)
            ),
            enterprises=enterprise_list(user=user),
            initial={"date": clock.today()},
        )
        if request.method == "POST" and form.is_valid():
            try:
                data = dict(form.cleaned_data)
                visit_log(by=user, data=data, photos=data.pop("photos", None) or ())
            except ApplicationError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, _("走访已登记。"))
                return redirect("liaison:visits")
    # A page at a time: the list stopped at the newest 200 without saying so.
    visits = Paginator(
        visit_list(user=user).prefetch_related("photos").order_by("-date", "-pk"),
        settings.DUBAN_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "liaison/visits.html",
        {
            "visits": visits,
            "page": visits,
            "form": form,
            "finding_form": FindingForm(),
            "leaders": liaison_figures(user=user, year=clock.today().year),
            "demands": demand_figures(user=user, year=clock.today().year),
            "user_id": user.pk,
        },
    )


@login_required
@require_POST
def visit_raise_view(request: HttpRequest, visit_id: int) -> HttpResponse:
    user = _user(request)
    visit = get_object_or_404(visit_list(user=user), pk=visit_id)
    if not can_raise_from_visit(user, visit):
        messages.error(request, _("只有走访人或推进办可以把走访发现转为问题。"))
        return redirect("liaison:visits")
    form = FindingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写问题和描述。"))
        return redirect("liaison:visits")
    try:
        problem = visit_raise_problem(visit=visit, by=user, data=form.cleaned_data)
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("liaison:visits")
    messages.success(request, _("已转为问题，等待推进办受理。"))
    return redirect("problems:problem", problem_id=problem.pk)


@login_required
def visit_photo_view(request: HttpRequest, photo_id: int) -> FileResponse:
    """A visit's photo, only for who may see the visit (else 404), with the type judged at
    upload (always an image) and never sniffed."""
    user = _user(request)
    photo = get_object_or_404(
        VisitPhoto.objects.filter(visit__in=visit_list(user=user).values("pk")), pk=photo_id
    )
    response = photo_response(photo)
    response["Cache-Control"] = "private, max-age=86400"
    return response

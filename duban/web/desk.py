"""The office's desk (its home page): the review queue with batch accept, what blocks the month
close, overdue problems; and a search across items, problems and units for everyone."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.home_panels import home_panels
from duban.core.periods import Period
from duban.core.queries import first_rows
from duban.ledger.selectors import work_item_list
from duban.org.models import User
from duban.org.selectors import unit_list
from duban.problems.models import OPEN_STATES
from duban.problems.selectors import problem_list
from duban.reporting.models import MonthlyReport, ReportingSettings
from duban.reporting.selectors import closed_periods
from duban.reporting.services import month_close_blockers, report_accept
from duban.reporting.services.base import report_is_late

SEARCH_LIMIT = 20
BATCH_LIMIT = 200


def next_month_to_close() -> Period:
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


def desk_context(user: User, to_review: list[MonthlyReport]) -> dict[str, Any]:
    """What the office's home adds to 我的待办 (a fixed number of queries)."""
    due_day = ReportingSettings.load().due_day
    period = next_month_to_close()
    overdue = problem_list(user=user).filter(state__in=OPEN_STATES, due_date__lt=clock.today())
    return {
        "late_ids": {r.pk for r in to_review if report_is_late(r, due_day)},
        "close_period": period,
        "blockers": month_close_blockers(period),
        "overdue_count": overdue.count(),
        "overdue": first_rows(overdue.order_by("due_date", "pk"), 10),
        "home_panels": home_panels("desk", user),
    }


@login_required
@require_POST
def desk_accept_view(request: HttpRequest) -> HttpResponse:
    """Accept the ticked reports, each at the version the office saw; the others stay (a
    return needs its own reason: from the report's page)."""
    user = cast(User, request.user)
    if not user.is_office:
        raise PermissionDenied(_("只有推进办可以批量采纳月报。"))
    picked: dict[int, int] = {}
    for raw in request.POST.getlist("report")[:BATCH_LIMIT]:
        pk, _sep, version = raw.partition(":")
        if pk.isdigit() and version.isdigit():
            picked[int(pk)] = int(version)
    if not picked:
        messages.error(request, _("请先勾选要采纳的月报。"))
        return redirect("web:home")
    accepted, refused = 0, []
    reports = MonthlyReport.objects.filter(pk__in=picked).select_related("work_item")
    for report in reports:
        try:
            report_accept(report=report, by=user, version=picked[report.pk])
            accepted += 1
        except ApplicationError as e:
            refused.append(f"{report.work_item.title}（{report.period.label}）：{e.message}")
    if accepted:
        messages.success(request, _("已采纳%(n)s份月报。") % {"n": accepted})
    for text in refused:
        messages.error(request, _("未采纳：%(t)s") % {"t": text})
    return redirect("web:home")


@login_required
def search_view(request: HttpRequest) -> HttpResponse:
    """Items, problems and units whose name or code holds the words, in the user's scope."""
    user = cast(User, request.user)
    q = (request.GET.get("q") or "").strip()[:100]
    results: dict[str, list[Any]] = {"items": [], "problems": [], "units": []}
    if q:
        results["items"] = list(
            work_item_list(user=user)
            .filter(Q(title__icontains=q) | Q(project__code__icontains=q))
            .order_by("-year", "pk")[:SEARCH_LIMIT]
        )
        results["problems"] = list(
            problem_list(user=user)
            .filter(Q(title__icontains=q) | (Q(pk=int(q)) if q.isdigit() else Q(pk__in=[])))
            .order_by("-pk")[:SEARCH_LIMIT]
        )
        results["units"] = list(
            unit_list(user=user)
            .filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q))
            .order_by("sort_order", "code")[:SEARCH_LIMIT]
        )
    return render(request, "web/search.html", {"q": q, **results, "limit": SEARCH_LIMIT})

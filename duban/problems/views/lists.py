"""The five lists (任务清单、问题清单、协调清单、反馈清单、销号清单) with figures, filters and
Excel export."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duban.core import clock
from duban.core.formatting import date_cn
from duban.core.money import fmt_pct
from duban.core.periods import Period
from duban.ledger.selectors import default_ledger_year
from duban.org.models import User
from duban.org.selectors import unit_list
from duban.problems import permissions as perm
from duban.problems.exports import list_workbook
from duban.problems.forms import (
    COORDINATION_STATES,
    FEEDBACK_STATES,
    ProblemFilterForm,
)
from duban.problems.models import (
    OPEN_STATES,
    Problem,
)
from duban.problems.selectors import (
    closeout_list,
    coordination_list,
    feedback_list,
    open_problem_list,
    problem_figures,
    problem_list,
    task_list,
)
from duban.problems.views.base import user_of


@dataclass(frozen=True)
class ListSpec:
    key: str
    title: Any
    states: list[tuple[str, Any]] | None
    headers: list[Any]


LISTS = {
    "tasks": ListSpec(
        "tasks",
        gettext_lazy("任务清单"),
        [],
        [
            gettext_lazy("序号"),
            gettext_lazy("事项"),
            gettext_lazy("牵头单位"),
            gettext_lazy("牵头领导"),
            gettext_lazy("未办结问题"),
            gettext_lazy("逾期问题"),
        ],
    ),
    "problems": ListSpec(
        "problems",
        gettext_lazy("问题清单"),
        [(s, Problem.State(s).label) for s in OPEN_STATES],
        [
            gettext_lazy("编号"),
            gettext_lazy("问题"),
            gettext_lazy("来源"),
            gettext_lazy("类别"),
            gettext_lazy("事项/企业"),
            gettext_lazy("牵头单位"),
            gettext_lazy("配合单位"),
            gettext_lazy("调度级别"),
            gettext_lazy("办理时限"),
            gettext_lazy("状态"),
        ],
    ),
    "coordination": ListSpec(
        "coordination",
        gettext_lazy("协调清单"),
        COORDINATION_STATES,
        [
            gettext_lazy("问题"),
            gettext_lazy("协调领导"),
            gettext_lazy("协调意见"),
            gettext_lazy("责任单位"),
            gettext_lazy("完成时限"),
            gettext_lazy("调度会"),
            gettext_lazy("状态"),
        ],
    ),
    "feedback": ListSpec(
        "feedback",
        gettext_lazy("反馈清单"),
        FEEDBACK_STATES,
        [
            gettext_lazy("反馈单位"),
            gettext_lazy("针对"),
            gettext_lazy("反馈内容"),
            gettext_lazy("反馈时间"),
            gettext_lazy("状态"),
            gettext_lazy("退回原因"),
        ],
    ),
    "closeout": ListSpec(
        "closeout",
        gettext_lazy("销号清单"),
        [],
        [
            gettext_lazy("编号"),
            gettext_lazy("问题"),
            gettext_lazy("类别"),
            gettext_lazy("事项/企业"),
            gettext_lazy("牵头单位"),
            gettext_lazy("原定时限"),
            gettext_lazy("办理结果"),
            gettext_lazy("销号时间"),
            gettext_lazy("重新打开次数"),
        ],
    ),
}


def _target(problem: Problem) -> str:
    return str(problem.work_item.title if problem.work_item else problem.enterprise or "")


class _Labels:
    """Choice labels, each field's read once per list: Django's get_FOO_display rebuilds the
    field's map (and translates every label) on every call — for a province's 22,000
    problems exported, 600,000 translations."""

    def __init__(self) -> None:
        self._maps: dict[tuple[type[Any], str], dict[Any, str]] = {}

    def __call__(self, obj: Any, field: str) -> str:
        key = (type(obj), field)
        labels = self._maps.get(key)
        if labels is None:
            choices = type(obj)._meta.get_field(field).flatchoices
            labels = self._maps[key] = {value: str(label) for value, label in choices}
        value = getattr(obj, field)
        return labels.get(value, value)


def _rows(key: str, qs: Iterable[Any]) -> list[list[object]]:
    label = _Labels()
    if key == "tasks":
        return [
            [
                item.seq or n,
                item.title,
                item.lead_unit.name,
                item.lead_leader.display_name if item.lead_leader else "",
                item.open_problem_count,
                item.overdue_problem_count,
            ]
            for n, item in enumerate(qs, start=1)
        ]
    if key == "problems":
        return [
            [
                p.pk,
                p.title,
                label(p, "source"),
                label(p, "category"),
                _target(p),
                p.lead_unit.name if p.lead_unit else "",
                "、".join(u.name for u in p.co_units.all()),
                p.level,
                date_cn(p.due_date),
                label(p, "state"),
            ]
            for p in qs
        ]
    if key == "coordination":
        return [
            [
                o.problem.title,
                o.leader.display_name,
                o.text,
                "、".join(u.name for u in o.units.all()),
                date_cn(o.deadline),
                o.meeting.title if o.meeting else "",
                label(o, "state"),
            ]
            for o in qs
        ]
    if key == "feedback":
        return [
            [
                fb.unit.name,
                (fb.problem or fb.coordination).__str__(),
                fb.text,
                timezone.localtime(fb.created_at).strftime("%Y-%m-%d %H:%M"),
                label(fb, "state"),
                fb.return_reason,
            ]
            for fb in qs
        ]
    return [
        [
            p.pk,
            p.title,
            label(p, "category"),
            _target(p),
            p.lead_unit.name if p.lead_unit else "",
            date_cn(p.original_due_date),
            p.resolution,
            timezone.localtime(p.closed_at).strftime("%Y-%m-%d") if p.closed_at else "",
            p.reopen_count,
        ]
        for p in qs
    ]


def _closeout_month_default(user: User, year: int, today: Period) -> int:
    """This month for this year; for a past year the latest month anything was closed out."""
    if year == today.year:
        return today.month
    latest = (
        problem_list(user=user)
        .filter(close_year=year)
        .order_by("-close_month")
        .values_list("close_month", flat=True)
        .first()
    )
    return latest or 12


def _list_view(request: HttpRequest, key: str) -> HttpResponse:
    user = user_of(request)
    spec = LISTS[key]
    today = Period.current()
    data = request.GET.copy()
    # Open on the latest year the user has items in (a district's data may stop in a past year).
    data.setdefault("year", str(default_ledger_year(user=user, preferred=today.year)))
    if key == "closeout" and "month" not in data:
        year_text = str(data.get("year", ""))
        year = int(year_text) if year_text.isdigit() else today.year  # a bad year: the form says so
        data["month"] = str(_closeout_month_default(user, year, today))
    form = ProblemFilterForm(
        data, units=unit_list(user=user).order_by("sort_order", "code"), states=spec.states
    )
    filters = form.filters()
    period = Period(filters.year or today.year, filters.month or today.month)
    qs: QuerySet[Any]
    if key == "tasks":
        qs = task_list(user=user, filters=filters)
    elif key == "problems":
        qs = open_problem_list(user=user, filters=filters)
    elif key == "coordination":
        qs = coordination_list(user=user, filters=filters)
    elif key == "feedback":
        qs = feedback_list(user=user, filters=filters)
    else:
        qs = closeout_list(user=user, period=period, filters=filters)
    figures = problem_figures(user=user, period=period, filters=filters)
    if request.GET.get("format") == "xlsx":
        title = _("%(y)s年%(t)s") % {"y": period.year, "t": spec.title}
        if key == "closeout":
            title = _("%(p)s%(t)s") % {"p": period.label, "t": spec.title}
        rows = _rows(key, qs)
        if key == "tasks":
            # The office layout carries a 合计 row with real values, not a formula.
            rows.append(
                [_("合计"), "", "", "", sum(r[4] for r in rows), sum(r[5] for r in rows)]  # type: ignore[misc]
            )
        body = list_workbook(
            title=title,
            unit_line=_("导出时间：%(d)s") % {"d": date_cn(clock.today())},
            headers=[str(h) for h in spec.headers],
            rows=rows,
        )
        response = HttpResponse(
            body,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{key}-{period}.xlsx"'
        return response
    page = Paginator(qs, settings.DUBAN_PAGE_SIZE).get_page(request.GET.get("page"))
    objects = list(page.object_list)
    export_query = request.GET.copy()
    export_query["format"] = "xlsx"
    return render(
        request,
        "problems/list.html",
        {
            "spec": spec,
            "lists": LISTS.values(),
            "form": form,
            "page": page,
            "rows": _rows(key, objects),
            "objects": objects,
            "figures": figures,
            "completion": fmt_pct(figures.completion_pct),
            "period": period,
            "export_query": export_query.urlencode(),
            "may_report": perm.can_report_problem(user),
        },
    )


@login_required
def tasks_view(request: HttpRequest) -> HttpResponse:
    return _list_view(request, "tasks")


@login_required
def problems_view(request: HttpRequest) -> HttpResponse:
    return _list_view(request, "problems")


@login_required
def coordination_view(request: HttpRequest) -> HttpResponse:
    return _list_view(request, "coordination")


@login_required
def feedback_view(request: HttpRequest) -> HttpResponse:
    return _list_view(request, "feedback")


@login_required
def closeout_view(request: HttpRequest) -> HttpResponse:
    return _list_view(request, "closeout")

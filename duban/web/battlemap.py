"""The battle map (挂图作战): the year's items against their milestone nodes.

A wall: one row per item (filtered by unit, leader, level, category, light), twelve month
columns holding its nodes — done (actual date), overdue (planned date passed, not done), due
this month, or ahead — with today's month marked; and a Gantt of one item's or one unit's
nodes. Printable on A3 landscape (`@page` in duban.css) and exported to Excel through
`duban.sheets.writer`. A fixed number of queries per page whatever the number of items.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duban.core import clock
from duban.core.formatting import date_cn
from duban.core.forms import FastSelect
from duban.ledger.models import Milestone, WorkItem
from duban.ledger.selectors import WorkItemFilters, default_ledger_year, work_item_list
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.org.selectors import unit_list
from duban.reporting.ledger_views import LedgerFilterForm
from duban.reporting.progress import ItemProgress
from duban.reporting.selectors import (
    figures_period_default,
    progress_for_items,
    reporting_period_default,
)
from duban.sheets.writer import OfficeSheet, OutColumn, OutGroup, office_book
from duban.web.scope_lights import scope_lights

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTHS = range(1, 13)
PAGE_SIZE = 100  # rows of the wall per page (the export holds every filtered item)


class BattleMapForm(LedgerFilterForm):
    leader = forms.ModelChoiceField(
        label=gettext_lazy("领导"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
        widget=FastSelect(attrs={"data-searchable": ""}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role=User.Role.LEADER, is_active=True
        ).order_by("username")
        for name in ("stage", "status", "kind"):
            self.fields.pop(name, None)

    def filters(self) -> WorkItemFilters:
        base = super().filters()
        leader = self.cleaned_data.get("leader") if self.is_valid() else None
        return WorkItemFilters(
            year=base.year,
            unit=base.unit,
            level=base.level,
            category=base.category,
            q=base.q,
            leader=leader.pk if leader else None,
        )


@dataclass(frozen=True)
class Node:
    milestone: Milestone
    state: str  # done, overdue, due, ahead, undated
    month: int | None  # the column: the planned month (the actual one when done)

    @property
    def css(self) -> str:
        return f"node-{self.state}"

    @property
    def label(self) -> str:
        return str(NODE_STATES[self.state])


NODE_STATES = {
    "done": gettext_lazy("已完成"),
    "overdue": gettext_lazy("逾期未完成"),
    "due": gettext_lazy("本月到期"),
    "ahead": gettext_lazy("未到期"),
    "undated": gettext_lazy("未定日期"),
}


def node_state(m: Milestone, today: date) -> str:
    if m.actual_date is not None:
        return "done"
    if m.planned_date is None:
        return "undated"
    if m.planned_date < today:
        return "overdue"
    if (m.planned_date.year, m.planned_date.month) == (today.year, today.month):
        return "due"
    return "ahead"


def _column(m: Milestone, year: int) -> int | None:
    when = m.actual_date or m.planned_date
    if when is None:
        return None
    if when.year < year:
        return 1
    if when.year > year:
        return 12
    return when.month


@dataclass(frozen=True)
class MapRow:
    item: WorkItem
    progress: ItemProgress | None
    by_month: dict[int, list[Node]]
    undated: list[Node]
    earlier: int  # nodes done before the year (a multi-year project's past): counted, not drawn
    done: int
    overdue: int
    total: int
    cells: list[tuple[str, SafeString]]  # months 1..12: the cell's class and its nodes


def _node_html(n: Node) -> SafeString:
    """One node of the wall with its tooltip (written here, not by the template: a wall of a
    hundred items has 1,200 cells)."""
    m = n.milestone
    title = f"{m.name} · {_('计划')}{date_cn(m.planned_date)}"
    if m.actual_date:
        title += f" · {_('实际')}{date_cn(m.actual_date)}"
    title += f" · {n.label}"
    return format_html('<span class="node {}" title="{}">{}</span>', n.css, title, m.name)


def _cells(
    by_month: dict[int, list[Node]], today_month: int | None
) -> list[tuple[str, SafeString]]:
    return [
        (
            "bm-month bm-today" if month == today_month else "bm-month",
            mark_safe("".join(_node_html(n) for n in by_month.get(month, ()))),  # noqa: S308
        )
        for month in MONTHS
    ]


def nodes_for(items: list[WorkItem], year: int, today: date) -> dict[int, list[Node]]:
    """Each item's nodes in order (one query)."""
    out: dict[int, list[Node]] = defaultdict(list)
    for m in (
        Milestone.objects.filter(work_item__in=[i.pk for i in items])
        .select_related("responsible_unit")
        .order_by("work_item_id", "sort_order", "pk")
    ):
        out[m.work_item_id].append(Node(m, node_state(m, today), _column(m, year)))
    return out


def _rows(items: list[WorkItem], year: int, progress: dict[int, ItemProgress]) -> list[MapRow]:
    today = clock.today()
    today_month = today.month if today.year == year else None
    nodes = nodes_for(items, year, today)
    rows = []
    for item in items:
        by_month: dict[int, list[Node]] = defaultdict(list)
        undated = []
        earlier = 0
        for n in nodes.get(item.pk, []):
            done_before = (
                n.milestone.actual_date is not None and n.milestone.actual_date.year < year
            )
            if done_before:
                earlier += 1
            elif n.month is None:
                undated.append(n)
            else:
                by_month[n.month].append(n)
        all_nodes = nodes.get(item.pk, [])
        rows.append(
            MapRow(
                item=item,
                progress=progress.get(item.pk),
                by_month=dict(by_month),
                undated=undated,
                earlier=earlier,
                done=sum(1 for n in all_nodes if n.state == "done"),
                overdue=sum(1 for n in all_nodes if n.state == "overdue"),
                total=len(all_nodes),
                cells=_cells(by_month, today_month),
            )
        )
    return rows


def _filtered(request: HttpRequest, user: User) -> tuple[BattleMapForm, Any, Any, int]:
    data = request.GET.copy()
    if "year" not in data:
        data["year"] = str(
            default_ledger_year(user=user, preferred=reporting_period_default().year)
        )
    form = BattleMapForm(data, units=unit_list(user=user).order_by("sort_order", "code"))
    filters = form.filters()
    year = filters.year or reporting_period_default().year
    shown = figures_period_default(year, user=user)
    qs = work_item_list(user=user, filters=filters).exclude(status=WorkItem.Status.DRAFT)
    light = form.cleaned_data.get("light") if form.is_valid() else None
    return form, qs, (shown, light), year


def _items(user: User, qs: Any, shown: Any, light: str | None, year: int) -> Any:
    """The filtered items in list order, as a queryset or (with a light) a list of ids.

    The light of every item in the user's scope for the year comes from the cache that the
    cockpit shares (`scope_lights`), so a light filter does not judge every item again.
    """
    if not light:
        return qs
    scope = work_item_list(user=user, filters=WorkItemFilters(year=year)).exclude(
        status=WorkItem.Status.DRAFT
    )
    lights = scope_lights(scope, shown, year, everything=scope_for(user).everything)
    wanted = lights.ids_by_light.get(light, frozenset())
    return [pk for pk in qs.values_list("pk", flat=True) if pk in wanted]


@login_required
def battle_map_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form, qs, (shown, light), year = _filtered(request, user)
    page = Paginator(_items(user, qs, shown, light, year), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if light:
        found = {i.pk: i for i in qs.filter(pk__in=list(page.object_list))}
        items = [found[pk] for pk in page.object_list if pk in found]
    else:
        items = list(page.object_list)
    progress = progress_for_items(items, shown)
    today = clock.today()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/battle_map.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(items, year, progress),
            "year": year,
            "period": shown,
            "months": MONTHS,
            "today_month": today.month if today.year == year else None,
            "today": today,
            "states": NODE_STATES,
            "query": query.urlencode(),
        },
    )


@login_required
def battle_map_export_view(request: HttpRequest) -> HttpResponse:
    """Every filtered item (not one page) with its nodes, one row per node."""
    user = cast(User, request.user)
    _form, qs, (shown, light), year = _filtered(request, user)
    ids = _items(user, qs, shown, light, year)
    items = list(qs.filter(pk__in=ids)) if light else list(qs)
    progress = progress_for_items(items, shown)
    today = clock.today()
    nodes = nodes_for(items, year, today)
    columns = [
        OutColumn("序号", kind="seq", width=6),
        OutColumn("事项名称", width=30),
        OutColumn("牵头单位", width=16),
        OutColumn("亮灯", width=6),
        OutColumn("节点", width=24),
        OutColumn("计划完成日期", kind="date"),
        OutColumn("实际完成日期", kind="date"),
        OutColumn("状态", width=10),
        OutColumn("责任单位", width=16),
    ]
    rows: list[list[Any]] = []
    for item in items:
        p = progress.get(item.pk)
        light_label = str(p.light.label) if p is not None else ""
        item_nodes = nodes.get(item.pk) or []
        if not item_nodes:
            rows.append(
                [None, item.title, item.lead_unit.name, light_label, "", None, None, "", ""]
            )
        for n in item_nodes:
            m = n.milestone
            rows.append(
                [
                    None,
                    item.title,
                    item.lead_unit.name,
                    light_label,
                    m.name,
                    m.planned_date,
                    m.actual_date,
                    str(n.label),
                    m.responsible_unit.name if m.responsible_unit else "",
                ]
            )
    sheet = OfficeSheet(
        name=_("挂图作战"),
        title=_("%(y)s年重点项目挂图作战表（截至%(d)s）")
        % {"y": year, "d": today.strftime("%Y-%m-%d")},
        columns=columns,
        groups=[OutGroup(label="", rows=rows)],
    )
    content = office_book([sheet], reporter=_("区重点项目推进办公室"))
    response = HttpResponse(content, content_type=XLSX)
    name = _("%(y)s年挂图作战表.xlsx") % {"y": year}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@dataclass(frozen=True)
class GanttRow:
    item: WorkItem
    node: Node
    start_pct: float  # where the bar starts (the year's share before the planned date)
    actual_pct: float | None


def _pct(d: date | None, year: int) -> float | None:
    if d is None:
        return None
    start, end = date(year, 1, 1), date(year, 12, 31)
    d = min(max(d, start), end)
    return round((d - start).days * 100 / (end - start).days, 2)


@login_required
def gantt_view(request: HttpRequest) -> HttpResponse:
    """The timeline of one item's nodes (?item=) or one unit's (?unit=), in the user's scope."""
    user = cast(User, request.user)
    visible = work_item_list(user=user).exclude(status=WorkItem.Status.DRAFT)
    try:
        item_id = int(request.GET.get("item") or 0)
        unit_id = int(request.GET.get("unit") or 0)
        year = int(request.GET.get("year") or reporting_period_default().year)
    except ValueError as e:
        raise Http404 from e
    if not 2000 <= year <= 2100:
        raise Http404
    subject: WorkItem | Unit
    if item_id:
        items = list(visible.filter(pk=item_id))
        if not items:
            raise Http404
        subject = items[0]
        year = items[0].year
    elif unit_id:
        unit = unit_list(user=user).filter(pk=unit_id).first()
        if unit is None:
            raise Http404
        subject = unit
        items = list(visible.filter(year=year, lead_unit_id=unit_id)[:200])
    else:
        raise Http404
    today = clock.today()
    nodes = nodes_for(items, year, today)
    rows = [
        GanttRow(
            item=item,
            node=n,
            start_pct=_pct(n.milestone.planned_date, year) or 0.0,
            actual_pct=_pct(n.milestone.actual_date, year),
        )
        for item in items
        for n in nodes.get(item.pk, [])
    ]
    return render(
        request,
        "web/gantt.html",
        {
            "subject": subject,
            "is_item": item_id != 0,
            "rows": rows,
            "year": year,
            "months": MONTHS,
            "today_pct": _pct(today, year) if today.year == year else None,
            "states": NODE_STATES,
        },
    )

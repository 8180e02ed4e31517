"""Lists and tables a template places with [[name]]: the red and yellow items with their
reasons (from the progress core), and the tables by level, by industry and by unit (each cell
a figure of the catalogue over the group's rows, with a chart in the Word document)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.utils.translation import gettext as _

from duban.bulletins.catalogue import (
    FigureContext,
    FigureQuery,
    FigureResult,
    FigureValue,
    compute,
    compute_groups,
    get_figure,
)
from duban.bulletins.figures import (
    ITEM,
    PROBLEM,
    Row,
    problems_qs,
    progress,
    projects,
    rows,
    shared,
    titles,
)
from duban.bulletins.figures_assessment import STANDING, Line, not_published, standings
from duban.core.formatting import date_cn
from duban.ledger.models import Project, WorkItem
from duban.org.models import Unit
from duban.problems.models import OPEN_STATES
from duban.reporting.progress import Light
from duban.supervision.models import Card

# A document lists at most this many red or yellow items or table rows (the rest: online).
LIST_LIMIT = 50

# The table by unit prints the units at both ends of the ranking, as an office prints it: the
# first and the last this many by completion of the annual plan (the whole ranking online).
UNIT_TABLE_EACH = 10

# The figures of a row of the tables by level, industry and unit.
TABLE_FIGURES = (
    "ledger.projects",
    "ledger.annual_plan",
    "investment.ytd",
    "investment.completion_pct",
)


@dataclass(frozen=True)
class ListBlock:
    """A list (one line per row) or a table; row_ids name the rows in `row_model`; chart:
    categories and series (万元) drawn under a table in the Word document."""

    kind: str  # "items" or "table"
    header: tuple[str, ...] = ()
    lines: tuple[tuple[str, ...], ...] = ()
    row_ids: tuple[int, ...] = ()
    row_model: str = ITEM
    figures: dict[str, Any] = field(default_factory=dict)
    chart: dict[str, Any] | None = None
    cell_keys: tuple[tuple[str | None, ...], ...] = ()
    name: str = ""  # a table's name ([[by_unit]]), for the page of its whole ranking
    full: dict[str, Any] | None = None  # a cut table's whole ranking (see _table)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.kind,
            "header": list(self.header),
            "rows": [list(line) for line in self.lines],
            "row_ids": list(self.row_ids),
            "row_model": self.row_model,
            "figures": self.figures,
        }
        if self.chart:
            out["chart"] = self.chart
        if self.cell_keys:
            out["cell_keys"] = [list(k) for k in self.cell_keys]
        if self.name:
            out["name"] = self.name
        if self.full is not None:
            out["full"] = self.full
        return out


def _more(n: int) -> str:
    return _("（共%(n)s项，此处列出前%(k)s项，完整名单见网页版明细。）") % {
        "n": n,
        "k": LIST_LIMIT,
    }


def _omitted(total: int, each: int, both_ends: bool, left: int, unranked: int) -> str:
    """The line of a cut ranking: how many groups there are and how many are left out."""
    if not both_ends:
        return _(
            "（共%(n)s个单位，此处列出有年度计划投资的%(k)s个单位，其余%(m)s个单位无年度计划"
            "投资、未排名，完整排名见网页版。）"
        ) % {"n": total, "k": each, "m": left}
    if unranked:
        return _(
            "（共%(n)s个单位，此处列出投资完成率前%(k)s名和后%(k)s名，其余%(m)s个单位从略"
            "（其中%(u)s个无年度计划投资、未排名），完整排名见网页版。）"
        ) % {"n": total, "k": each, "m": left, "u": unranked}
    return _(
        "（共%(n)s个单位，此处列出投资完成率前%(k)s名和后%(k)s名，其余%(m)s个单位从略，"
        "完整排名见网页版。）"
    ) % {"n": total, "k": each, "m": left}


@shared
def _by_light(ctx: FigureContext) -> dict[str, list[int]]:
    """The 口径's items (in their order) by their light, in one pass for both lists."""
    prog = progress(ctx)
    out: defaultdict[str, list[int]] = defaultdict(list)
    for r in rows(ctx):
        p = prog.get(r.id)
        if p is not None:
            out[p.light].append(r.id)
    return out


def _items_with_light(ctx: FigureContext, light: str) -> ListBlock:
    prog = progress(ctx)
    ids = _by_light(ctx).get(light, [])
    if not ids:
        return ListBlock("items", lines=((_("无"),),))
    named = titles(ids[:LIST_LIMIT])
    lines = tuple(
        (named[i][0], named[i][1] or "", "；".join(prog[i].reason_texts) or "—")
        for i in ids[:LIST_LIMIT]
    )
    if len(ids) > LIST_LIMIT:
        lines = (*lines, (_more(len(ids)), "", ""))
    return ListBlock("items", (_("事项"), _("牵头单位"), _("原因")), lines, tuple(ids))


def red_items(ctx: FigureContext) -> ListBlock:
    return _items_with_light(ctx, Light.RED)


def yellow_items(ctx: FigureContext) -> ListBlock:
    return _items_with_light(ctx, Light.YELLOW)


RATE = "investment.completion_pct"


def _rate_key(res: dict[str, FigureValue]) -> tuple[bool, Decimal]:
    """Ranked by completion of the annual plan, highest first (无 last, after 0%)."""
    v = res[RATE].value
    return (v is None, -Decimal(v or 0))


def _ends(ranked: list[int], each: int) -> tuple[list[int], list[int]]:
    """The first and the last `each` of a ranking (all of it when it is short)."""
    if len(ranked) <= 2 * each:
        return ranked, []
    return ranked[:each], ranked[-each:]


def _table(
    ctx: FigureContext,
    name: str,
    first: str,
    groups: list[tuple[str, str, list[Row]]],
    *,
    extra: Callable[[str, dict[str, FigureValue]], tuple[str, ...]] | None = None,
    extra_header: tuple[str, ...] = (),
    sort_by_rate: bool = False,
    ends: int | None = None,
) -> ListBlock:
    """A table of groups (code, label, rows) with the figures of TABLE_FIGURES each, and a
    chart of annual plan against completed investment (万元). Each printed cell's figure is
    stored with the bulletin under "name.code.figure" (by_level.province.investment.ytd), so
    that a number in a table links to its rows like a number in the text.

    With `ends` (a ranking, sort_by_rate), a long table prints only the first and the last
    `ends` groups of those ranked, as an office prints it, with a line saying how many are
    left out; the whole ranking is kept with the bulletin (`full`: each group's values and the
    rows behind its line) for the page and the Excel sheet it links to."""
    q = ctx.query
    query = FigureQuery(q.year, q.month, q.levels, q.unit_id, q.leader_id)
    # Each figure over every group in one pass (the catalogue's grouped forms): a row's group
    # is the group whose rows hold it.
    group_of = {r.id: n for n, (_c, _l, g) in enumerate(groups) for r in g}
    by_group = compute_groups(TABLE_FIGURES, ctx, group_of.get, range(len(groups)))
    computed = [(code, label, by_group[n], g) for n, (code, label, g) in enumerate(groups)]
    if sort_by_rate:
        computed.sort(key=lambda c: _rate_key(c[2]))
    order = list(range(len(computed)))
    top, bottom = order, list[int]()
    full: dict[str, Any] | None = None
    ranked = [i for i in order if computed[i][2][RATE].value is not None]
    if ends is not None and len(computed) > 2 * ends:
        top, bottom = _ends(ranked, ends)
        full = {
            "keys": list(TABLE_FIGURES),
            "lines": [
                {
                    "code": code,
                    "label": label,
                    "values": [None if v.value is None else str(v.value) for v in res.values()],
                    "extra": list(extra(code, res)) if extra else [],
                    "rows": [r.id for r in g],
                }
                for code, label, res, g in computed
            ],
        }
    lines = []
    cell_keys: list[list[str | None]] = []
    figures: dict[str, Any] = {}

    def add(n: int) -> None:
        code, label, values, _g = computed[n]
        res = [FigureResult(get_figure(k), query, v) for k, v in values.items()]
        keys: list[str | None] = [None] * (2 if sort_by_rate else 1)
        for r in res:
            composite = f"{name}.{code or '-'}.{r.key}"
            figures[composite] = {
                **r.as_json(),
                "key": composite,
                "label": f"{label}：{r.figure.label}",
            }
            keys.append(composite)
        cells = (label, *(r.text for r in res))
        if sort_by_rate:
            cells = (str(n + 1), *cells)
        if extra:
            extra_cells = extra(code, values)
            cells = (*cells, *extra_cells)
            keys += [None] * len(extra_cells)
        lines.append(cells)
        cell_keys.append(keys)

    limit = LIST_LIMIT if full is None else len(top) + len(bottom)
    for n in top[:limit]:
        add(n)
    width = 1 + len(TABLE_FIGURES) + (1 if sort_by_rate else 0) + len(extra_header)
    if full is not None:
        left = len(computed) - len(top) - len(bottom)
        note = _omitted(len(computed), len(top), bool(bottom), left, len(computed) - len(ranked))
        lines.append((note,) + ("",) * (width - 1))
        cell_keys.append([])
        for n in bottom:
            add(n)
    elif len(computed) > LIST_LIMIT:
        lines = [*lines[:LIST_LIMIT], (_more(len(computed)),) + ("",) * (width - 1)]
        cell_keys = [*cell_keys[:LIST_LIMIT], []]
    shown = [computed[n] for n in top[: min(12, limit)]]
    header: tuple[str, ...] = (
        first,
        _("项目数"),
        _("年度计划投资"),
        _("累计完成投资"),
        _("投资完成率"),
    )
    if sort_by_rate:
        header = (_("排名"), *header)
    chart = {
        "title": _("年度计划投资与累计完成投资（万元）"),
        "categories": [label for _c, label, _r, _g in shown],
        "series": [
            {
                "name": _("年度计划投资"),
                "values": [str(r["ledger.annual_plan"].value or 0) for *_x, r, _g in shown],
            },
            {
                "name": _("累计完成投资"),
                "values": [str(r["investment.ytd"].value or 0) for *_x, r, _g in shown],
            },
        ],
    }
    return ListBlock(
        "table",
        header + extra_header,
        tuple(lines),
        figures=figures,
        chart=chart if shown else None,
        cell_keys=tuple(tuple(k) for k in cell_keys),
        name=name,
        full=full,
    )


def _grouped(ctx: FigureContext, key: Callable[[Row], Any]) -> dict[Any, list[Row]]:
    out: defaultdict[Any, list[Row]] = defaultdict(list)
    for r in projects(ctx):
        out[key(r)].append(r)
    return out


def by_level(ctx: FigureContext) -> ListBlock:
    q = ctx.query
    groups = _grouped(ctx, attrgetter("level"))
    levels = [c for c in WorkItem.Level.choices if not q.levels or c[0] in q.levels]
    return _table(
        ctx,
        "by_level",
        _("级别"),
        [(code, str(label), groups.get(code, [])) for code, label in levels],
    )


def by_industry(ctx: FigureContext) -> ListBlock:
    groups = _grouped(ctx, lambda r: r.industry or "")
    names = dict(Project.Industry.choices)
    return _table(
        ctx,
        "by_industry",
        _("行业"),
        [
            (code, str(names.get(code) or _("未分类")), groups[code])
            for code in [*names, ""]
            if code in groups
        ],
    )


def by_unit(ctx: FigureContext) -> ListBlock:
    """Units ranked by completion of their projects' annual plan, with the month's card."""
    q = ctx.query
    groups = _grouped(ctx, attrgetter("lead_unit_id"))
    # Every unit's name and the month's cards, looked up by id: the ids of a province's 2,000
    # units as query parameters would cost more than reading what the tables hold.
    names = dict(Unit.objects.order_by().values_list("pk", "name"))
    colours = dict(
        Card.objects.filter(year=q.year, month=q.month).values_list("unit_id", "colour").order_by()
    )
    card_names = {"green": _("绿牌"), "yellow": _("黄牌"), "red": _("红牌")}

    def card(code: str, _values: dict[str, FigureValue]) -> tuple[str, ...]:
        colour = colours.get(int(code)) if code else None
        return (card_names.get(colour or "", "—"),)

    return _table(
        ctx,
        "by_unit",
        _("牵头单位"),
        [(str(u), names.get(u, "—"), g) for u, g in groups.items() if u],
        extra=card,
        extra_header=(_("本月亮牌"),),
        sort_by_rate=True,
        ends=UNIT_TABLE_EACH,
    )


# The figures of a line of the ranking table, one line per assessment group.
RANKING_FIGURES = (
    "assessment.ranked_units",
    "assessment.average_score",
    "assessment.top_score",
    "assessment.bottom_score",
)


def ranking(ctx: FigureContext) -> ListBlock:
    """The month's published assessment ranking by group (差异化考核): units ranked, average,
    highest and lowest score (each cell a figure over the group's lines), and the units first
    and last in the group; one line saying so when the ranking is not published."""
    missing = not_published(ctx)
    if missing is not None:
        return ListBlock("items", lines=((missing.note + "。",),), row_model=STANDING)
    by_group: dict[str, list[Line]] = {}
    for s in standings(ctx):
        by_group.setdefault(s.group, []).append(s)
    if not by_group:
        return ListBlock("items", lines=((_("无"),),), row_model=STANDING)
    lines = []
    cell_keys: list[tuple[str | None, ...]] = []
    figures: dict[str, Any] = {}
    for n, (group, members) in enumerate(sorted(by_group.items()), 1):
        sub = FigureContext(ctx.query)
        sub.cache["ranking_published"] = True
        sub.cache["standings"] = members
        res = {k: compute(k, sub) for k in RANKING_FIGURES}
        keys: list[str | None] = [None]
        for k, r in res.items():
            composite = f"ranking.{n}.{k}"  # by number: a group's name may hold a "/"
            figures[composite] = {
                **r.as_json(),
                "key": composite,
                "label": f"{group}：{r.figure.label}",
            }
            keys.append(composite)
        last = max(s.rank for s in members)
        ends = ("、".join(s.unit for s in members if s.rank == rank) for rank in (1, last))
        lines.append((group, *(r.text for r in res.values()), *ends))
        cell_keys.append((*keys, None, None))
    header = (
        _("考核分组"),
        _("参加排名单位"),
        _("平均得分"),
        _("最高得分"),
        _("最低得分"),
        _("第一名"),
        _("末名"),
    )
    return ListBlock(
        "table",
        header,
        tuple(lines),
        row_model=STANDING,
        figures=figures,
        cell_keys=tuple(cell_keys),
    )


def item_status(ctx: FigureContext) -> ListBlock:
    """For a 项目专报: each item of the 口径 this year with its light and reasons."""
    prog = progress(ctx)
    ids = [r.id for r in rows(ctx) if r.id in prog][:LIST_LIMIT]
    if not ids:
        return ListBlock("items", lines=((_("无"),),))
    named = titles(ids)
    lights = {"green": _("绿灯"), "yellow": _("黄灯"), "red": _("红灯")}
    lines = tuple(
        (
            named[i][0],
            named[i][1] or "",
            "；".join([str(lights.get(prog[i].light, prog[i].light)), *prog[i].reason_texts]),
        )
        for i in ids
    )
    return ListBlock("items", (_("事项"), _("牵头单位"), _("亮灯及原因")), lines, tuple(ids))


def open_problems(ctx: FigureContext) -> ListBlock:
    """The 口径's problems not yet closed, oldest first, with their lead unit."""
    qs = (
        problems_qs(ctx)
        .filter(state__in=OPEN_STATES)
        .order_by("reported_on", "pk")
        .values_list("pk", "title", "lead_unit__name", "reported_on")
    )
    found = list(qs[: LIST_LIMIT + 1])
    if not found:
        return ListBlock("items", lines=((_("无"),),), row_model=PROBLEM)
    lines = tuple(
        (title, unit or "", _("%(day)s上报") % {"day": date_cn(day)})
        for _pk, title, unit, day in found[:LIST_LIMIT]
    )
    if len(found) > LIST_LIMIT:
        lines = (
            *lines,
            (_("（此处列出前%(k)s项，完整名单见网页版明细。）") % {"k": LIST_LIMIT}, "", ""),
        )
    return ListBlock(
        "items",
        (_("问题"), _("牵头单位"), _("上报时间")),
        lines,
        tuple(pk for pk, *_x in found[:LIST_LIMIT]),
        row_model=PROBLEM,
    )


LISTS: dict[str, Callable[[FigureContext], ListBlock]] = {
    "red_items": red_items,
    "yellow_items": yellow_items,
    "by_level": by_level,
    "by_industry": by_industry,
    "by_unit": by_unit,
    "item_status": item_status,
    "open_problems": open_problems,
    "ranking": ranking,
}

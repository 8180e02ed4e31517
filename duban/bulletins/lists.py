"""Lists and tables a template places with [[name]]: the red and yellow items with their
reasons (from the progress core) and the table by level (from the catalogue's figures)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from duban.bulletins.catalogue import FigureContext, FigureQuery, compute
from duban.bulletins.figures import ITEM, progress, rows
from duban.ledger.models import WorkItem
from duban.reporting.progress import Light

# A document lists at most this many red or yellow items (the rest: in the rows online).
LIST_LIMIT = 50


@dataclass(frozen=True)
class ListBlock:
    """A list (one line per row) or a table; row_ids name the rows in `row_model`."""

    kind: str  # "items" or "table"
    header: tuple[str, ...] = ()
    lines: tuple[tuple[str, ...], ...] = ()
    row_ids: tuple[int, ...] = ()
    row_model: str = ITEM
    figures: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "header": list(self.header),
            "rows": [list(line) for line in self.lines],
            "row_ids": list(self.row_ids),
            "row_model": self.row_model,
            "figures": self.figures,
        }


def _items_with_light(ctx: FigureContext, light: str) -> ListBlock:
    prog = progress(ctx)
    ids = [r.id for r in rows(ctx) if r.id in prog and prog[r.id].light == light]
    titles = dict(WorkItem.objects.filter(pk__in=ids).values_list("pk", "title"))
    units = dict(WorkItem.objects.filter(pk__in=ids).values_list("pk", "lead_unit__name"))
    lines = tuple(
        (
            titles[i],
            units.get(i) or "",
            "；".join(prog[i].reason_texts) or "—",
        )
        for i in ids[:LIST_LIMIT]
    )
    if not ids:
        return ListBlock("items", lines=((_("无"),),))
    if len(ids) > LIST_LIMIT:
        more = _("（共%(n)s项，此处列出前%(k)s项，完整名单见网页版明细。）") % {
            "n": len(ids),
            "k": LIST_LIMIT,
        }
        lines = (*lines, (more, "", ""))
    return ListBlock("items", (_("事项"), _("牵头单位"), _("原因")), lines, tuple(ids))


def red_items(ctx: FigureContext) -> ListBlock:
    return _items_with_light(ctx, Light.RED)


def yellow_items(ctx: FigureContext) -> ListBlock:
    return _items_with_light(ctx, Light.YELLOW)


def by_level(ctx: FigureContext) -> ListBlock:
    q = ctx.query
    levels = [c for c in WorkItem.Level.choices if not q.levels or c[0] in q.levels]
    lines = []
    figures: dict[str, Any] = {}
    for code, label in levels:
        sub = FigureContext(FigureQuery(q.year, q.month, (code,), q.unit_id, q.leader_id))
        # A level only narrows the 口径: its rows and their progress are the parent's, cut.
        sub.cache["rows"] = [r for r in rows(ctx) if r.level == code]
        sub.cache["progress"] = progress(ctx)
        res = {
            k: compute(k, sub)
            for k in (
                "ledger.projects",
                "ledger.annual_plan",
                "investment.ytd",
                "investment.completion_pct",
            )
        }
        figures[code] = {k: r.as_json() for k, r in res.items()}
        lines.append((str(label), *(r.text for r in res.values())))
    header = (_("级别"), _("项目数"), _("年度计划投资"), _("累计完成投资"), _("投资完成率"))
    return ListBlock("table", header, tuple(lines), figures=figures)


LISTS: dict[str, Callable[[FigureContext], ListBlock]] = {
    "red_items": red_items,
    "yellow_items": yellow_items,
    "by_level": by_level,
}

"""Reads for pages and the API: bulletins a user may see, the 口径 a user may ask for, and the
rows behind a figure cut to the user's scope (a unit sees its own rows and is told how many
more the figure covers)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from duban.bulletins.catalogue import COUNT, FigureQuery, figure_text, get_figure
from duban.bulletins.catalogue import FigureValue as Value
from duban.bulletins.models import Bulletin
from duban.bulletins.row_models import ROW_MODELS, describe
from duban.core.errors import ApplicationError
from duban.core.text import parse_id
from duban.ledger.models import WorkItem
from duban.ledger.selectors import work_item_list
from duban.org.models import User


def bulletin_list(*, user: User) -> QuerySet[Bulletin]:
    """The office sees every bulletin; others the published ones."""
    qs = Bulletin.objects.select_related("unit")
    if user.is_office:
        return qs
    return qs.filter(published_at__isnull=False)


def bulletin_get_for_user(*, user: User, bulletin_id: int) -> Bulletin:
    row = bulletin_list(user=user).filter(pk=bulletin_id).first()
    if row is None:
        raise Http404
    return row


def special_item(*, user: User, text: str, year: int) -> WorkItem:
    """The work item a 项目专报 is about, as the office writes it: its number, its project's
    code, its whole name or a part of it that only one of the year's items bears (the year's
    items first, then any year's). Refused with what to write instead when none or several
    match; only items in the user's scope are found."""
    text = text.strip()
    items = work_item_list(user=user)
    if text.isascii() and text.isdigit():
        pk = parse_id(text)
        found = items.filter(pk=pk).first() if pk is not None else None
        if found is None:
            raise ApplicationError(_("没有编号为%(n)s的事项。") % {"n": text}, field="item")
        return found
    for among in (items.filter(year=year), items):
        exact = list(among.filter(Q(title=text) | Q(project__code=text))[:2])
        if len(exact) == 1:
            return exact[0]
        matches = list(
            among.filter(Q(title__icontains=text) | Q(project__code__icontains=text))[:6]
        )
        if len(matches) == 1:
            return matches[0]
        if matches:
            names = "、".join(
                _("%(title)s（%(year)s年，编号%(n)s）")
                % {"title": m.title, "year": m.year, "n": m.pk}
                for m in matches[:5]
            )
            more = _("等") if len(matches) > 5 else ""
            raise ApplicationError(
                _("有多个事项符合“%(t)s”：%(names)s%(more)s。请写完整名称或编号。")
                % {"t": text, "names": names, "more": more},
                field="item",
            )
    raise ApplicationError(
        _("没有名称或项目代码含“%(t)s”的事项。请核对名称，或在事项页面点“生成项目专报”。")
        % {"t": text},
        field="item",
    )


def query_for_user(user: User, query: FigureQuery) -> FigureQuery:
    """The 口径 a user may ask for: the office any; a unit's people their unit; a leader or a
    viewer their area. Stewards keep the asked 口径, their rows cut to their scope."""
    if user.is_office:
        return query
    if user.role in (User.Role.UNIT_HEAD, User.Role.REPORTER) and user.unit_id:
        return FigureQuery(query.year, query.month, query.levels, user.unit_id, None)
    if user.role in (User.Role.LEADER, User.Role.VIEWER):
        return FigureQuery(query.year, query.month, query.levels, None, user.pk)
    return query


@dataclass(frozen=True)
class FigureRows:
    row_model: str
    rows: list[dict[str, Any]]
    hidden: int  # rows behind the figure outside the user's scope


def figure_rows(*, user: User, row_model: str, ids: list[int]) -> FigureRows:
    """The rows behind a figure that the user may see, and how many more there are."""
    if row_model not in ROW_MODELS:
        return FigureRows(row_model, [], len(set(ids)))
    qs = ROW_MODELS[row_model].visible(user).filter(pk__in=ids)
    rows = describe(row_model, qs)
    return FigureRows(row_model, rows, len(set(ids)) - len(rows))


@dataclass(frozen=True)
class FullTable:
    """A cut table's whole ranking as stored with the bulletin (see bulletins.lists._table):
    one line per group with its figures written as the office writes them."""

    name: str
    header: list[str]
    keys: list[str]  # the figures of its columns
    lines: list[dict[str, Any]]  # rank, code, label, texts, values, extra, key (of its rows)


def _full(bulletin: Bulletin, name: str) -> tuple[list[str], dict[str, Any]] | None:
    block = next(
        (b for b in bulletin.blocks if b.get("name") == name and b.get("full") is not None), None
    )
    return None if block is None else (list(block["header"]), block["full"])


def full_table(bulletin: Bulletin, name: str) -> FullTable | None:
    """The whole ranking of the bulletin's table `name`, when the document prints it cut."""
    found = _full(bulletin, name)
    if found is None:
        return None
    header, full = found
    figures = [get_figure(k) for k in full["keys"]]
    lines = []
    for n, line in enumerate(full["lines"], 1):
        values = [None if v is None else Decimal(v) for v in line["values"]]
        lines.append(
            {
                "rank": n,
                "code": line["code"],
                "label": line["label"],
                "values": values,
                "texts": [figure_text(f, Value(v)) for f, v in zip(figures, values, strict=True)],
                "extra": line["extra"],
                "key": f"{name}.{line['code']}",
            }
        )
    return FullTable(name, header, list(full["keys"]), lines)


def table_line_figure(bulletin: Bulletin, key: str) -> dict[str, Any] | None:
    """A line of a cut table's whole ranking ("by_unit.<code>") as a figure: the projects
    behind the line, so that a unit left out of the printed table is traced like the rest."""
    name, _dot, code = key.partition(".")
    found = _full(bulletin, name) if code else None
    line = next((ln for ln in found[1]["lines"] if ln["code"] == code), None) if found else None
    if line is None:
        return None
    count = get_figure("ledger.projects")
    return {
        "key": key,
        "label": f"{line['label']}：{count.label}",
        "definition": _("完整排名中该单位一行各数所依据的重点项目（本单位牵头、在口径内）。"),
        "kind": COUNT,
        "value": str(len(line["rows"])),
        "text": figure_text(count, Value(len(line["rows"]))),
        "note": "",
        "row_model": count.row_model,
        "rows": line["rows"],
        "amounts": None,
    }


__all__ = [
    "FigureRows",
    "FullTable",
    "bulletin_get_for_user",
    "bulletin_list",
    "figure_rows",
    "full_table",
    "query_for_user",
    "table_line_figure",
]

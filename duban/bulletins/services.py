"""Generating, storing and publishing bulletins; editing their templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from duban.bulletins.catalogue import FigureContext, FigureQuery, FigureResult, compute
from duban.bulletins.lists import LISTS
from duban.bulletins.models import Bulletin, BulletinTemplate, Kind
from duban.bulletins.templates_text import (
    DEFAULTS,
    LIST_LINE,
    check_template,
    figure_keys_of,
    line_parts,
)
from duban.core import clock
from duban.core.bulk import gc_paused
from duban.core.errors import ApplicationError
from duban.core.events import Event, NotificationKind, district_text, emit
from duban.core.services import full_clean_or_raise, require
from duban.ledger.models import WorkItem
from duban.org.models import Unit, User
from duban.reporting.models import MonthClose

QUARTER_ENDS = (3, 6, 9, 12)


def template_for(kind: str) -> tuple[str, str]:
    """The office's wording of `kind`, or the built-in one."""
    row = BulletinTemplate.objects.filter(kind=kind).first()
    if row is not None:
        return row.title, row.body
    return DEFAULTS[kind]


@transaction.atomic
def template_save(*, kind: str, title: str, body: str, by: User) -> BulletinTemplate:
    """Save the office's wording of a kind; unknown figures and lists are refused."""
    if not by.is_office:
        raise ApplicationError(_("只有推进办可以修改通报模板。"), code="forbidden")
    require(kind in Kind.values, _("未知的通报类型。"), field="kind")
    check_template(title, body)
    row = BulletinTemplate.objects.select_for_update().filter(kind=kind).first()
    if row is None:
        row = BulletinTemplate(kind=kind)
    else:
        row.version += 1
    row.title, row.body, row.updated_by = title, body, by
    full_clean_or_raise(row)
    row.save()
    return row


def bulletin_month(kind: str, year: int, month: int | None) -> int:
    """The month a bulletin's figures run to: the year's end for 年度总结, a quarter's end
    for 季度汇报, else the month given."""
    if kind == Kind.ANNUAL or month is None:
        return 12
    if kind == Kind.QUARTERLY:
        return next(q for q in QUARTER_ENDS if q >= month)
    return month


def is_draft(year: int, month: int) -> bool:
    """A month that is not closed can only be reported as a draft."""
    return not MonthClose.objects.filter(year=year, month=month).exists()


def scope_text(levels: tuple[str, ...], unit: Unit | None, item: WorkItem | None = None) -> str:
    if item is not None:
        return item.title
    labels = dict(WorkItem.Level.choices)
    parts = []
    if unit is not None:
        parts.append(unit.name)
    else:
        parts.append(_("全区"))
    if levels:
        parts.append("".join(str(labels[lvl]).removesuffix("重点") for lvl in levels) + _("重点"))
    return "".join(parts)


@dataclass
class Rendered:
    title: str
    blocks: list[dict[str, Any]]
    figures: dict[str, FigureResult]
    # The figures of the tables' cells, as stored (see lists._table).
    table_figures: dict[str, dict[str, Any]]

    def stored_figures(self) -> dict[str, dict[str, Any]]:
        """Every figure the bulletin states, as stored with it: the text's, then the tables'."""
        return {**{k: r.as_json() for k, r in self.figures.items()}, **self.table_figures}


def render(
    *,
    kind: str,
    query: FigureQuery,
    unit: Unit | None = None,
    item: WorkItem | None = None,
    template: tuple[str, str] | None = None,
) -> Rendered:
    """The bulletin's text blocks and figures for a 口径 (nothing stored)."""
    title_t, body_t = template or template_for(kind)
    check_template(title_t, body_t)
    # A province's figures read and keep hundreds of thousands of rows and progress figures
    # to the end: every full collection of the cyclic collector would walk all of them.
    with gc_paused():
        return _render(query, unit, item, title_t, body_t)


def _render(
    query: FigureQuery,
    unit: Unit | None,
    item: WorkItem | None,
    title_t: str,
    body_t: str,
) -> Rendered:
    ctx = FigureContext(query)
    figures = {k: compute(k, ctx) for k in figure_keys_of(title_t, body_t)}
    words = {
        "year": str(query.year),
        "month": str(query.month),
        "scope": scope_text(query.levels, unit, item),
    }

    blocks: list[dict[str, Any]] = []
    table_figures: dict[str, dict[str, Any]] = {}
    for raw in body_t.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = LIST_LINE.match(line)
        if m:
            block = LISTS[m.group(1)](ctx).as_json()
            table_figures.update(block.pop("figures"))
            blocks.append(block)
            continue
        kind, text = "paragraph", line
        if line.startswith("## "):
            kind, text = "subheading", line[3:]
        elif line.startswith("# "):
            kind, text = "heading", line[2:]
        parts = line_parts(text, figures, words)
        # A line that was only optional clauses, all left out, is not written at all.
        if any(p["text"] for p in parts):
            blocks.append({"type": kind, "parts": parts})
    title = "".join(p["text"] for p in line_parts(title_t, figures, words))
    return Rendered(title, blocks, figures, table_figures)


@transaction.atomic
def bulletin_generate(
    *,
    kind: str,
    year: int,
    month: int | None,
    levels: tuple[str, ...] = (),
    unit: Unit | None = None,
    item: WorkItem | None = None,
    by: User | None,
) -> Bulletin:
    """Generate and store a bulletin with its figures; an unclosed month only as a draft.
    A 项目专报 (kind project) is about one work item, given as `item`."""
    if by is not None and not by.is_office:
        raise ApplicationError(_("只有推进办可以生成通报。"), code="forbidden")
    require(kind in Kind.values, _("未知的通报类型。"), field="kind")
    require(
        all(lvl in WorkItem.Level.values for lvl in levels), _("未知的项目级别。"), field="levels"
    )
    require(2000 <= year <= 2100, _("年度不正确。"), field="year")
    require(
        (kind == Kind.PROJECT) == (item is not None),
        _("项目专报须选择一个事项，其他通报不选事项。"),
        field="item",
    )
    m = bulletin_month(kind, year, month)
    query = FigureQuery(
        year, m, tuple(levels), unit.pk if unit else None, None, item.pk if item else None
    )
    # Rendering and storing without cyclic garbage collection (`render` alone pauses it): the
    # collector's catch-up then comes after `_store` returns, when the rows and figures it
    # read are freed, instead of walking them all while the figures are packed and saved.
    with gc_paused():
        return _store(kind, year, m, query, levels, unit, item, by)


def _store(
    kind: str,
    year: int,
    m: int,
    query: FigureQuery,
    levels: tuple[str, ...],
    unit: Unit | None,
    item: WorkItem | None,
    by: User | None,
) -> Bulletin:
    title_t, body_t = template_for(kind)
    out = render(kind=kind, query=query, unit=unit, item=item, template=(title_t, body_t))
    bulletin = Bulletin(
        kind=kind,
        year=year,
        month=m,
        levels=list(levels),
        unit=unit,
        work_item=item,
        draft=is_draft(year, m),
        title=out.title,
        blocks=out.blocks,
        template_body=body_t,
        created_by=by,
    )
    bulletin.figures = out.stored_figures()  # stored packed (see Bulletin.figures)
    # The text and figures are the catalogue's own output, not typed: validating them would
    # only encode a province's tens of thousands of row ids once more before the save does.
    full_clean_or_raise(bulletin, exclude=["blocks", "stored_figures"])
    bulletin.save()
    return bulletin


@transaction.atomic
def bulletin_publish(*, bulletin: Bulletin, by: User) -> Bulletin:
    """Publish a bulletin of a closed month; a draft is refused."""
    if not by.is_office:
        raise ApplicationError(_("只有推进办可以发布通报。"), code="forbidden")
    row = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    require(not row.draft, _("月份尚未关账，草稿不能发布。"))
    require(row.published_at is None, _("该通报已发布。"))
    row.published_at = clock.now()
    row.save(update_fields=["published_at", "updated_at"])
    leaders = User.objects.filter(role=User.Role.LEADER, is_active=True).values_list(
        "pk", flat=True
    )
    emit(
        Event.about(
            NotificationKind.BULLETIN_PUBLISHED,
            row,
            text=district_text(gettext_noop("通报已发布：%(title)s"), title=row.title),
            url=reverse("bulletins:detail", args=[row.pk]),
            unit_ids=tuple(Unit.objects.filter(is_active=True).values_list("pk", flat=True)),
            unit_roles=("unit_head",),
            user_ids=tuple(leaders),
        )
    )
    return row

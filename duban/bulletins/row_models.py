"""The kinds of rows a figure can stand on, and how each is shown and cut to a user's scope.

A figure names its `row_model` ("ledger.workitem", "problems.problem"…). To show the rows
behind it, the row model says which of its rows a user may see (`visible`) and how one row is
described (a name, a unit or a note, a link). A new source of figures (assessment, when it
exists) registers its row model here beside its figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from duban.ledger.models import FundingSource, Project
from duban.ledger.scoping import related_q, work_items_in
from duban.org.models import Responsibility, User
from duban.org.scoping import scope_for
from duban.problems.models import Problem
from duban.problems.scoping import problems_q
from duban.supervision.models import Card, Colour, Flag, Interview, Prompt, PromptItem
from duban.supervision.selectors import units_q


@dataclass(frozen=True)
class RowModel:
    """How rows of one model are cut to a user's scope and described.

    fields: (name, note, link id) paths for `values_list`; link: the URL name a row links to
    (with the link id), or "" for none."""

    key: str
    label: str | Promise
    visible: Callable[[User], QuerySet[Any]]
    fields: tuple[str, str | Coalesce, str]
    link: str = ""
    # For rows that keep a code rather than a text (an interview's level and month, a card's
    # colour): (name, note) said in the reader's language from the row itself, read with the
    # `related` rows; `fields` then go unread but for the link id (the row's own key).
    shown: Callable[[Any], tuple[Any, Any]] | None = None
    related: tuple[str, ...] = ()


ROW_MODELS: dict[str, RowModel] = {}


def register_row_model(row: RowModel) -> RowModel:
    ROW_MODELS[row.key] = row
    return row


def describe(row_model: str, qs: QuerySet[Any]) -> list[dict[str, Any]]:
    """One dict per row: id, name, unit (or a note), url."""
    spec = ROW_MODELS[row_model]
    if spec.shown is not None:
        rows = [
            (obj.pk, *spec.shown(obj), obj.pk)
            for obj in qs.order_by("pk").select_related(*spec.related)
        ]
    else:
        rows = list(qs.order_by("pk").values_list("pk", *spec.fields))
    out = []
    for pk, name, note, link_id in rows:
        url = reverse(spec.link, args=[link_id]) if spec.link and link_id else ""
        out.append({"id": pk, "name": str(name or ""), "unit": str(note or ""), "url": url})
    return out


def _all_or(model: type[Model], user: User, q: Callable[[], Any]) -> QuerySet[Any]:
    if scope_for(user).everything:
        return model._default_manager.all()
    return model._default_manager.filter(q())


def _projects(user: User) -> QuerySet[Project]:
    scope = scope_for(user)
    if scope.everything:
        return Project.objects.all()
    return Project.objects.filter(work_items__in=work_items_in(scope).values("pk")).distinct()


for _row in (
    RowModel(
        "ledger.workitem",
        _("事项"),
        lambda u: work_items_in(scope_for(u)),
        ("title", "lead_unit__name", "pk"),
        "ledger:item",
    ),
    RowModel(
        "ledger.fundingsource",
        _("资金来源"),
        lambda u: FundingSource.objects.filter(related_q(scope_for(u))),
        ("work_item__title", "amount", "work_item_id"),
        "ledger:item",
    ),
    RowModel(
        "ledger.project",
        _("项目"),
        _projects,
        ("name", "total_investment", "pk"),
    ),
    RowModel(
        "problems.problem",
        _("问题"),
        lambda u: Problem.objects.filter(problems_q(scope_for(u))),
        ("title", "lead_unit__name", "pk"),
        "problems:problem",
    ),
    RowModel(
        "org.responsibility",
        _("包联关系"),
        lambda u: _all_or(Responsibility, u, lambda: Q(leader_id=u.pk)),
        ("leader__username", Coalesce("enterprise__name", "work_item__title", "unit__name"), "pk"),
    ),
    RowModel(
        "supervision.prompt",
        _("工作提示"),
        lambda u: Prompt.objects.filter(units_q(u)),
        ("number", "unit__name", "pk"),
        "supervision:prompt",
    ),
    RowModel(
        "supervision.promptitem",
        _("提示事项"),
        lambda u: PromptItem.objects.filter(units_q(u, "prompt__unit")),
        ("reason_text", "prompt__unit__name", "prompt_id"),
        "supervision:prompt",
    ),
    RowModel(
        "supervision.card",
        _("亮牌"),
        lambda u: Card.objects.filter(units_q(u)),
        ("unit__name", "colour", "pk"),
        "supervision:card",
        shown=lambda card: (card.unit.name, Colour(card.colour).label),
        related=("unit",),
    ),
    RowModel(
        "supervision.flag",
        _("挂牌督办"),
        lambda u: Flag.objects.filter(units_q(u)),
        ("reason", "unit__name", "pk"),
        "supervision:flag",
    ),
    RowModel(
        "supervision.interview",
        _("约谈"),
        lambda u: Interview.objects.filter(units_q(u)),
        ("because", "unit__name", "pk"),
        shown=lambda interview: (interview.because_shown, interview.unit.name),
        related=("unit",),
    ),
):
    register_row_model(_row)

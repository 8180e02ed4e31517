"""Bulletin pages: the office chooses kind, period and 口径, previews, generates, publishes
and edits the templates; a bulletin's page lists its figures with definitions and rows."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.bulletins.catalogue import FigureQuery, all_figures
from duban.bulletins.forms import GenerateForm, TemplateForm
from duban.bulletins.models import Bulletin, Kind
from duban.bulletins.output import (
    blocks_html,
    draft_mark,
    figure_rows_xlsx,
    full_table_xlsx,
    to_docx,
    to_html,
    to_json,
)
from duban.bulletins.selectors import (
    FigureRows,
    FullTable,
    bulletin_get_for_user,
    bulletin_list,
    figure_rows,
    full_table,
    special_item,
    table_line_figure,
)
from duban.bulletins.services import (
    bulletin_generate,
    bulletin_month,
    bulletin_publish,
    is_draft,
    template_for,
    template_save,
)
from duban.bulletins.services import (
    render as render_bulletin,
)
from duban.bulletins.templates_text import known_lists
from duban.core.errors import ApplicationError
from duban.core.text import parse_id
from duban.ledger.selectors import work_item_list
from duban.org.models import User
from duban.reporting.selectors.periods import closed_periods, reporting_period_default


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _office(request: HttpRequest) -> User:
    user = _user(request)
    if not user.is_office:
        raise Http404
    return user


@login_required
def bulletin_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = None
    if user.is_office:
        # The month most often wanted: the last closed one (the field was empty, with an
        # example from 2024, and every bulletin began by typing the month).
        latest = max(closed_periods(), default=reporting_period_default())
        initial: dict[str, Any] = {"period": str(latest)}
        # From an item's page (生成项目专报): the kind and the item filled in.
        if request.GET.get("kind") in Kind.values:
            initial["kind"] = request.GET["kind"]
        if (item_id := parse_id(request.GET.get("item"))) is not None:
            chosen = work_item_list(user=user).filter(pk=item_id).first()
            if chosen is not None:
                initial["item"] = chosen.title
        form = GenerateForm(request.POST or None, initial=initial)
    preview = None
    if form is not None and request.method == "POST" and form.is_valid():
        year, month = form.period_parts()
        kind = form.cleaned_data["kind"]
        levels = tuple(form.cleaned_data["levels"])
        item = None
        if form.cleaned_data.get("item"):
            try:
                item = special_item(user=user, text=form.cleaned_data["item"], year=year)
            except ApplicationError as e:
                form.add_error("item", e.message)
            if item is not None and kind == Kind.SPECIAL:
                kind = Kind.PROJECT  # 专报 on the chosen project
        try:
            if form.errors:
                pass
            elif "preview" in request.POST:
                m = bulletin_month(kind, year, month)
                query = FigureQuery(year, m, levels, item_id=item.pk if item else None)
                out = render_bulletin(kind=kind, query=query, item=item)
                draft = Bulletin(
                    kind=kind,
                    year=year,
                    month=m,
                    title=out.title,
                    blocks=out.blocks,
                    draft=is_draft(year, m),
                )
                draft.figures = out.stored_figures()
                preview = {
                    "bulletin": draft,
                    "html": mark_safe(blocks_html(draft, lambda k: "#")),  # noqa: S308 - escaped
                }
            else:
                b = bulletin_generate(
                    kind=kind, year=year, month=month, levels=levels, item=item, by=user
                )
                messages.success(request, _("通报已生成。"))
                return redirect("bulletins:detail", b.pk)
        except ApplicationError as e:
            form.add_error(None, e.message)
    return render(
        request,
        "bulletins/list.html",
        {
            # A page at a time: the list stopped at the newest 200 without saying so.
            "page": Paginator(bulletin_list(user=user), settings.DUBAN_PAGE_SIZE).get_page(
                request.GET.get("page")
            ),
            "form": form,
            "preview": preview,
            "draft_mark": draft_mark(),
            "kinds": Kind.choices,
        },
    )


@login_required
def bulletin_detail_view(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    user = _user(request)
    b = bulletin_get_for_user(user=user, bulletin_id=bulletin_id)
    html = blocks_html(
        b,
        lambda k: reverse("bulletins:figure", args=[b.pk, k]),
        lambda name: reverse("bulletins:table", args=[b.pk, name]),
    )
    return render(
        request,
        "bulletins/detail.html",
        {
            "b": b,
            "html": mark_safe(html),  # noqa: S308 - every text escaped in blocks_html
            "figures": list(b.figures.values()),
            "draft_mark": draft_mark(),
        },
    )


@login_required
def bulletin_download_view(request: HttpRequest, bulletin_id: int, fmt: str) -> HttpResponse:
    b = bulletin_get_for_user(user=_user(request), bulletin_id=bulletin_id)
    writers = {
        "docx": (
            to_docx,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "html": (to_html, "text/html; charset=utf-8"),
        "json": (to_json, "application/json"),
    }
    if fmt not in writers:
        raise Http404
    write, content_type = writers[fmt]
    response = HttpResponse(write(b), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="bulletin-{b.pk}.{fmt}"'
    return response


def _figure(
    request: HttpRequest, bulletin_id: int, key: str
) -> tuple[Bulletin, dict[str, Any], FigureRows]:
    """A stored bulletin's figure and the rows behind it that the user may see."""
    user = _user(request)
    b = bulletin_get_for_user(user=user, bulletin_id=bulletin_id)
    # A stored figure, or a line of a cut table's whole ranking (the rows behind it).
    fig = b.figures.get(key) or table_line_figure(b, key)
    if fig is None:
        raise Http404
    return b, fig, figure_rows(user=user, row_model=fig["row_model"], ids=fig["rows"])


@login_required
def bulletin_figure_view(request: HttpRequest, bulletin_id: int, key: str) -> HttpResponse:
    b, fig, rows = _figure(request, bulletin_id, key)
    return render(request, "bulletins/figure.html", {"b": b, "fig": fig, "rows": rows})


@login_required
def bulletin_figure_xlsx_view(request: HttpRequest, bulletin_id: int, key: str) -> HttpResponse:
    """The rows behind a figure the user may see, as an Excel sheet with each row's share."""
    b, fig, rows = _figure(request, bulletin_id, key)
    response = HttpResponse(
        figure_rows_xlsx(b, fig, rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="bulletin-{b.pk}-{key}.xlsx"'
    return response


def _full_table(request: HttpRequest, bulletin_id: int, name: str) -> tuple[Bulletin, FullTable]:
    b = bulletin_get_for_user(user=_user(request), bulletin_id=bulletin_id)
    table = full_table(b, name)
    if table is None:
        raise Http404
    return b, table


@login_required
def bulletin_table_view(request: HttpRequest, bulletin_id: int, name: str) -> HttpResponse:
    """A table the document prints cut (the first and last units): its whole ranking as
    stored with the bulletin, each line linking to the rows behind it."""
    b, table = _full_table(request, bulletin_id, name)
    return render(
        request,
        "bulletins/table.html",
        {"b": b, "table": table, "draft_mark": draft_mark()},
    )


@login_required
def bulletin_table_xlsx_view(request: HttpRequest, bulletin_id: int, name: str) -> HttpResponse:
    b, table = _full_table(request, bulletin_id, name)
    response = HttpResponse(
        full_table_xlsx(b, table),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="bulletin-{b.pk}-{name}.xlsx"'
    return response


@login_required
@require_POST
def bulletin_publish_view(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    user = _office(request)
    b = bulletin_get_for_user(user=user, bulletin_id=bulletin_id)
    try:
        bulletin_publish(bulletin=b, by=user)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("通报已发布。"))
    return redirect("bulletins:detail", b.pk)


@login_required
def template_edit_view(request: HttpRequest, kind: str) -> HttpResponse:
    user = _office(request)
    if kind not in Kind.values:
        raise Http404
    title, body = template_for(kind)
    form = TemplateForm(request.POST or None, initial={"title": title, "body": body})
    if request.method == "POST" and form.is_valid():
        try:
            template_save(
                kind=kind, title=form.cleaned_data["title"], body=form.cleaned_data["body"], by=user
            )
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("模板已保存。"))
            return redirect("bulletins:template", kind)
    return render(
        request,
        "bulletins/template.html",
        {
            "kind": Kind(kind).label,
            "form": form,
            "figures": all_figures(),
            "lists": known_lists(),
        },
    )

"""Pages: 月榜 (the month's ranking with arrows and a unit's rank through the year), a unit's
score (every event with its origin, objections), the scheme, and the office's desk (manual
events, approvals, objections, publication). Thin: scoped selector, a permission, a service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.assessment import selectors as sel
from duban.assessment.documents import (
    change_text,
    quarter_summary_docx,
    ranking_docx,
    ranking_xlsx,
)
from duban.assessment.models import Objection, Rule, ScoreEvent, Standing
from duban.assessment.permissions import can_manage_assessment, can_object_event
from duban.assessment.services import manual as svc
from duban.assessment.services.manual import objection_last_days, objection_window_end
from duban.assessment.services.schemes import scheme_for
from duban.assessment.services.scoring import ranking_publish
from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.forms import posted_version
from duban.core.periods import Period
from duban.core.text import parse_id
from duban.org.models import User

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _office(user: User) -> None:
    if not can_manage_assessment(user):
        raise PermissionDenied


def _run(request: HttpRequest, call: Callable[[], Any], done: str) -> None:
    try:
        call()
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)


def _period(request: HttpRequest, user: User) -> Period | None:
    """The month asked for, else the newest ranking the user may see."""
    try:
        return Period.parse(request.GET.get("period", ""))
    except ApplicationError:
        latest = sel.ranking_list(user=user).order_by("-year", "-month").first()
        return latest.period if latest else None


def _year(request: HttpRequest) -> int:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else clock.today().year


def _rank_chart(unit_name: str, ranks: list[int | None]) -> dict[str, object]:
    """The rank chart's data, its month and axis labels in the reader's language (the English
    page drew 1月…12月 under a 名次 axis)."""
    return {
        "unit": unit_name,
        "months": [_("%(m)s月") % {"m": m} for m in range(1, 13)],
        "axis": _("名次"),
        "ranks": ranks,
    }


@login_required
def ranking_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    period = _period(request, user)
    ranking = None
    if period is not None:
        ranking = sel.ranking_list(user=user).filter(year=period.year, month=period.month).first()
    rows = sel.ranking_standings(ranking=ranking) if ranking else []
    # A unit's name links to its score page only where the user may open it (a unit sees
    # the whole published ranking, but only its own events).
    openable = sel.unit_ids_in_scope(user=user)
    groups: dict[str, list[tuple[Standing, str, bool]]] = {}
    for s in rows:
        link = openable is None or s.unit_id in openable
        groups.setdefault(s.group, []).append((s, change_text(s), link))
    year = period.year if period else clock.today().year
    months = sel.ranking_list(user=user, year=year).order_by("month")
    years = sorted(
        set(sel.ranking_list(user=user).values_list("year", flat=True)) - {year}, reverse=True
    )
    chart_unit = None
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        chart_unit = next((s.unit for s in rows if s.unit_id == int(unit_id)), None)
    if chart_unit is None and user.unit_id:
        chart_unit = next((s.unit for s in rows if s.unit_id == user.unit_id), None)
    if chart_unit is None and rows:
        chart_unit = rows[0].unit
    series = sel.unit_rank_series(user=user, unit=chart_unit, year=year) if chart_unit else []
    # The office publishes when it will; it is told when that cuts the units' objections short.
    window_end = None
    if ranking is not None and ranking.published_at is None and can_manage_assessment(user):
        window_end = objection_window_end(ranking.period)
        if window_end is not None and window_end < clock.today():
            window_end = None
    return render(
        request,
        "assessment/ranking.html",
        {
            "period": period,
            "ranking": ranking,
            "groups": groups,
            "months": months,
            "years": years,
            "quarter": ranking is not None and ranking.month % 3 == 0,
            "is_office": can_manage_assessment(user),
            "objections_until": window_end,
            "chart_unit": chart_unit,
            "chart": _rank_chart(chart_unit.name if chart_unit else "", series),
            "series": list(zip(range(1, 13), series, strict=True)) if series else [],
        },
    )


@login_required
@require_POST
def ranking_publish_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _office(user)
    try:
        period = Period.parse(request.POST.get("period", ""))
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("assessment:ranking")
    _run(request, lambda: ranking_publish(period=period, by=user), _("月榜已公布。"))
    return redirect(f"{reverse('assessment:ranking')}?period={period}")


def _ranking_or_404(request: HttpRequest) -> Any:
    user = _user(request)
    try:
        period = Period.parse(request.GET.get("period", ""))
    except ApplicationError as e:
        raise Http404 from e
    return sel.ranking_get_for_user(user=user, period=period)


@login_required
def ranking_xlsx_view(request: HttpRequest) -> HttpResponse:
    ranking = _ranking_or_404(request)
    body = ranking_xlsx(ranking)
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="ranking-{ranking.period}.xlsx"'
    return response


@login_required
def ranking_docx_view(request: HttpRequest) -> HttpResponse:
    ranking = _ranking_or_404(request)
    response = HttpResponse(ranking_docx(ranking), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="ranking-{ranking.period}.docx"'
    return response


@login_required
def quarter_docx_view(request: HttpRequest) -> HttpResponse:
    ranking = _ranking_or_404(request)
    if ranking.month % 3:
        raise Http404
    response = HttpResponse(quarter_summary_docx(ranking), content_type=DOCX)
    name = f"quarter-{ranking.year}-Q{ranking.month // 3}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def unit_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    unit = get_object_or_404(sel.units_in_scope(user=user), pk=unit_id)
    year = _year(request)
    months = sel.unit_score(user=user, unit=unit, year=year)
    events = [e for m in months for line in m.lines for e in line.events]
    urls = sel.origin_urls(events, user=user)
    objections = {o.event_id: o for o in sel.objection_list(user=user).filter(event__in=events)}
    last_days = objection_last_days(events, user=user)
    today = clock.today()
    for e in events:
        e.origin_url = urls.get(e.pk, "")  # type: ignore[attr-defined]
        e.objection = objections.get(e.pk)  # type: ignore[attr-defined]
        until = last_days.get(e.pk)
        pending = e.objection is not None and e.objection.state == Objection.State.PENDING  # type: ignore[attr-defined]
        e.object_until = until if until and today <= until and not pending else None  # type: ignore[attr-defined]
    # A rule's events are folded under its line (a unit's month holds dozens: on a phone the
    # year ran to 18,000 px), open where a person acted on one: a manual bonus or deduction,
    # an objection.
    for m in months:
        for line in m.lines:
            line.open = any(e.manual or e.objection for e in line.events)  # type: ignore[attr-defined]
    series = sel.unit_rank_series(user=user, unit=unit, year=year)
    return render(
        request,
        "assessment/unit.html",
        {
            "unit": unit,
            "year": year,
            "years": sel.unit_score_years(user=user, unit=unit, around=year),
            "months": months,
            "chart": _rank_chart(unit.name, series),
            "series": list(zip(range(1, 13), series, strict=True)),
        },
    )


@login_required
@require_POST
def event_object_view(request: HttpRequest, event_id: int) -> HttpResponse:
    user = _user(request)
    event = sel.event_get_for_user(user=user, event_id=event_id)
    if not can_object_event(user, event):
        raise PermissionDenied
    _run(
        request,
        lambda: svc.objection_raise(event=event, reason=request.POST.get("reason", ""), by=user),
        _("异议已提交，推进办处理后会在本页显示结果。"),
    )
    # Back to the event's rule (opened, for it now has an objection), not the page's top.
    url = reverse("assessment:unit", args=[event.unit_id])
    return redirect(f"{url}?year={event.year}#score-{event.period}-{event.rule_id}")


@login_required
def scheme_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    year = _year(request)
    schemes = list(sel.scheme_list(user=user, year=year))
    return render(
        request,
        "assessment/scheme.html",
        {
            "year": year,
            "years": sel.scheme_years(user=user, around=year),
            "schemes": schemes,
            "is_office": can_manage_assessment(user),
        },
    )


def _office_page(
    request: HttpRequest, user: User, *, posted: dict[str, str] | None = None, error: str = ""
) -> HttpResponse:
    """The desk; after a refused proposal, its form filled in again as posted, with the reason
    it was refused beside it (the office typed a reason and evidence: they are not lost)."""
    period = Period.current().previous()
    scheme = scheme_for(period)
    form = posted or {"period": str(period)}
    return render(
        request,
        "assessment/office.html",
        {
            "period": period,
            "form": form,
            "error": error,
            "pending": sel.event_list(user=user, state=ScoreEvent.State.PENDING).select_related(
                "created_by"
            ),
            "objections": sel.objection_list(user=user, state=Objection.State.PENDING),
            "decided": sel.objection_list(user=user)
            .exclude(state=Objection.State.PENDING)
            .order_by("-decided_at", "-pk")[:50],
            "rules": Rule.objects.filter(scheme=scheme, automatic=False),
            "units": sel.units_in_scope(user=user).filter(is_active=True),
            "unpublished": sel.ranking_list(user=user).filter(published_at__isnull=True),
        },
        status=400 if error else 200,
    )


@login_required
def office_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _office(user)
    return _office_page(request, user)


@login_required
@require_POST
def manual_propose_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _office(user)
    post = request.POST
    try:
        period = Period.parse(post.get("period", ""))
        unit = sel.units_in_scope(user=user).filter(pk=_int(post.get("unit"))).first()
        rule = Rule.objects.filter(pk=_int(post.get("rule")), automatic=False).first()
        if unit is None or rule is None:
            raise ApplicationError(_("请选择单位和细则。"))
        svc.manual_event_propose(
            unit=unit,
            rule=rule,
            period=period,
            reason=post.get("reason", ""),
            evidence=post.get("evidence", ""),
            by=user,
        )
    except ApplicationError as e:
        fields = ("period", "unit", "rule", "reason", "evidence")
        posted = {k: post.get(k, "") for k in fields}
        return _office_page(request, user, posted=posted, error=str(e.message))
    messages.success(request, _("已录入，待另一位推进办人员审核。"))
    return redirect("assessment:office")


def _int(text: str | None) -> int:
    return parse_id(text) or 0


@login_required
@require_POST
def manual_decide_view(request: HttpRequest, event_id: int, action: str) -> HttpResponse:
    user = _user(request)
    _office(user)
    if action not in ("approve", "reject"):
        raise Http404
    event = sel.event_get_for_user(user=user, event_id=event_id)
    _run(
        request,
        lambda: svc.manual_event_decide(
            event=event,
            approve=action == "approve",
            by=user,
            version=posted_version(request),
            note=request.POST.get("note", ""),
        ),
        _("已通过，计入该单位当月得分。") if action == "approve" else _("已退回，不计分。"),
    )
    return redirect("assessment:office")


@login_required
@require_POST
def objection_decide_view(request: HttpRequest, objection_id: int, action: str) -> HttpResponse:
    user = _user(request)
    _office(user)
    if action not in ("uphold", "cancel"):
        raise Http404
    objection = sel.objection_get_for_user(user=user, objection_id=objection_id)
    _run(
        request,
        lambda: svc.objection_decide(
            objection=objection,
            cancel=action == "cancel",
            decision=request.POST.get("decision", ""),
            by=user,
            version=posted_version(request),
        ),
        _("异议已处理。"),
    )
    return redirect("assessment:office")

"""Pages: 提示 (the office's batch preview and issue, a unit's reply), 亮牌 (the month's cards,
a card explained, a unit's year and history), 挂牌督办 and 约谈. Thin: scoped selector, a
permission, one service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from duban.core import clock
from duban.core.bulk import values_in
from duban.core.errors import ApplicationError
from duban.core.forms import VERSION_ERRORS, posted_version
from duban.core.periods import Period
from duban.core.text import parse_id
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.reporting.models import MonthClose
from duban.supervision import selectors as sel
from duban.supervision.documents import flag_docx, prompt_docx
from duban.supervision.models import Colour, Flag, Interview, Prompt, PromptItem
from duban.supervision.permissions import (
    can_manage_supervision,
    can_reply_prompt,
    can_report_flag,
)
from duban.supervision.services import cards as card_svc
from duban.supervision.services import flags as flag_svc
from duban.supervision.services import interviews as iv_svc
from duban.supervision.services import prompts as prompt_svc
from duban.supervision.services.false_reports import false_report_record

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _office(user: User) -> None:
    if not can_manage_supervision(user):
        raise PermissionDenied


def _run(request: HttpRequest, call: Callable[[], Any], done: str) -> None:
    try:
        call()
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# -- lists by state or colour, a page at a time (prompts, cards, flags, interviews) -----------


def _listing(
    request: HttpRequest,
    qs: QuerySet[Any],
    tabs: tuple[tuple[str, str | Promise, tuple[str, ...] | None], ...],
    prefer: tuple[str, ...],
    *,
    field: str = "state",
    keep: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """A scoped list cut by state (tabs with their counts), month (YYYY-MM) and unit name, a
    page at a time; a bad month is said and ignored. Without a chosen tab, the first of
    `prefer` that holds something (else the last). The tabs cut by `field` (a state, a card's
    colour); `keep` are the page's own parameters, kept by the tabs and the filters (a list
    of one month: its `period`, and no month filter). Two queries and the page's."""
    month_text = "" if keep else request.GET.get("month", "").strip()
    unit_text = request.GET.get("q", "").strip()[:50]
    month_error = ""
    if month_text:
        try:
            period = Period.parse(month_text)
        except ApplicationError as e:
            month_error = e.message
        else:
            qs = qs.filter(year=period.year, month=period.month)
    if unit_text:
        qs = qs.filter(unit__name__icontains=unit_text)
    # Distinct: a list may join rows for an annotation of its own (a prompt's lines).
    by_state = dict(qs.order_by().values_list(field).annotate(n=Count("pk", distinct=True)))
    shown = [
        {
            "key": key,
            "label": label,
            "count": sum(by_state.values())
            if states is None
            else sum(by_state.get(state, 0) for state in states),
        }
        for key, label, states in tabs
    ]
    keys = {key: states for key, _label, states in tabs}
    # A handful of rows (a unit's own) needs no tabs nor filters: all of them are shown.
    filterable = sum(by_state.values()) > FEW_ROWS or bool(month_text or unit_text)
    tab = request.GET.get("state", "")
    if tab not in keys:
        counts = {t["key"]: t["count"] for t in shown}
        tab = next((key for key in prefer if counts[key]), prefer[-1])
        if not filterable and "all" in keys:
            tab = "all"
    states = keys[tab]
    if states is not None:
        qs = qs.filter(**{f"{field}__in": states})
    page = Paginator(qs, settings.DUBAN_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "tabs": shown,
        "tab": tab,
        "page": page,
        "month": month_text,
        "month_error": month_error,
        "q": unit_text,
        "keep": keep,
        "keep_query": urlencode(keep),
        "filterable": filterable,
        # A reader answering for one unit has nothing to pick among: no unit filter.
        "by_unit": _many_units(request.user) or bool(unit_text),
    }


def _many_units(user: Any) -> bool:
    scope = scope_for(user)
    return scope.everything or len(scope.unit_ids) > 1


# Up to this many rows a list shows them without tabs or filters.
FEW_ROWS = 10


def _state_order(states: tuple[str, ...]) -> Case:
    """The states in the order the office works them."""
    return Case(
        *(When(state=state, then=Value(n)) for n, state in enumerate(states)),
        default=Value(len(states)),
        output_field=IntegerField(),
    )


IV = Interview.State
INTERVIEW_TABS = (
    ("todo", gettext_lazy("待办理"), (IV.PROPOSED, IV.SCHEDULED)),
    ("done", gettext_lazy("已约谈"), (IV.DONE,)),
    ("dismissed", gettext_lazy("不予约谈"), (IV.DISMISSED,)),
    ("all", gettext_lazy("全部"), None),
)
FS = Flag.State
FLAG_TABS = (
    ("suggested", gettext_lazy("建议挂牌"), (FS.SUGGESTED,)),
    ("open", gettext_lazy("督办中"), (FS.OPEN, FS.DELIST_REQUESTED)),
    ("delisted", gettext_lazy("已摘牌"), (FS.DELISTED,)),
    ("dismissed", gettext_lazy("不予挂牌"), (FS.DISMISSED,)),
    ("all", gettext_lazy("全部"), None),
)


# -- prompts ----------------------------------------------------------------------------------


PS = Prompt.State
PROMPT_TABS = (
    ("issued", gettext_lazy("待答复"), (PS.ISSUED, PS.RETURNED)),
    ("replied", gettext_lazy("已答复"), (PS.REPLIED,)),
    ("accepted", gettext_lazy("已采纳"), (PS.ACCEPTED,)),
    ("all", gettext_lazy("全部"), None),
)


@login_required
def prompts_view(request: HttpRequest) -> HttpResponse:
    """两个提示: the office's drafts (a page at a time, each page or the whole batch issued) and
    the prompts issued, by state, month and unit (a province's batch is 2,000 prompts)."""
    user = _user(request)
    office = can_manage_supervision(user)
    year = clock.today().year
    drafts = batch = None
    if office:
        draft_qs = sel.prompt_list(user=user, state=Prompt.State.DRAFT)
        drafts = Paginator(
            draft_qs.order_by(
                "kind", "unit__sort_order", "unit_id", "leader_id", "pk"
            ).prefetch_related(
                Prefetch("lines", PromptItem.objects.select_related("work_item", "problem"))
            ),
            settings.DUBAN_PAGE_SIZE,
        ).get_page(request.GET.get("drafts"))
        # The whole batch as previewed: each draft with the version the office saw.
        batch = ",".join(
            f"{pk}:{version}"
            for pk, version in draft_qs.order_by("pk").values_list("pk", "version")
        )
    issued = (
        sel.prompt_list(user=user)
        .exclude(state=Prompt.State.DRAFT)
        .order_by("-year", "-month", "seq", "pk")
    )
    prefer = ("replied", "all") if office else ("issued", "all")
    return render(
        request,
        "supervision/prompts.html",
        {
            **_listing(request, issued, PROMPT_TABS, prefer),
            "drafts": drafts,
            "batch": batch,
            "summary": sel.prompt_summary(user=user, year=year),
            "year": year,
            "kinds": Prompt.Kind.choices,
            "is_office": office,
        },
    )


@login_required
@require_POST
def prompts_draft_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _office(user)
    kind = request.POST.get("kind", "")
    repeats = request.POST.get("include_repeats") == "1"
    _run(
        request,
        lambda: prompt_svc.prompt_batch_draft(kind=kind, include_repeats=repeats, by=user),
        _("已生成提示草稿，请预览后下发。"),
    )
    return redirect("supervision:prompts")


@login_required
@require_POST
def prompts_issue_view(request: HttpRequest) -> HttpResponse:
    """Issue the drafts ticked on a page (their ids and versions), or the whole batch as
    previewed (`batch`: "id:version,…" in one field, so a province's 2,000 drafts are not
    4,000 fields)."""
    user = _user(request)
    _office(user)
    posted = _batch(request.POST.get("batch", ""))
    if posted is None:
        ids = [pk for x in request.POST.getlist("prompt") if (pk := parse_id(x)) is not None]
        posted = {
            pk: v for pk in ids if (v := parse_id(request.POST.get(f"version-{pk}"))) is not None
        }
    else:
        ids = list(posted)
    chosen = set(
        sel.prompt_list(user=user, state=Prompt.State.DRAFT)
        .filter(pk__in=values_in(ids, of="bigint"))
        .values_list("pk", flat=True)
    )
    versions = {pk: v for pk, v in posted.items() if pk in chosen}

    def issue() -> Any:
        if posted == {} and request.POST.get("batch", "").strip():
            raise ApplicationError(str(VERSION_ERRORS["invalid"]), field="version")
        if len(chosen) != len(set(ids)):
            raise ApplicationError(
                _("所选提示中有的已下发或已删除，请刷新页面后重新选择。"), code="conflict"
            )
        if len(versions) != len(chosen):
            raise ApplicationError(str(VERSION_ERRORS["required"]), field="version")
        return prompt_svc.prompt_issue(prompts=versions, by=user)

    _run(request, issue, _("提示已下发。"))
    return redirect("supervision:prompts")


# The most drafts one batch can name (a province's batch is one per unit: 2,000).
BATCH_MAX = 20_000


def _batch(text: str) -> dict[int, int] | None:
    """A batch posted as "id:version,…" (None when none was posted; an empty dict when it is
    malformed or too long, which the issue refuses as an invalid version)."""
    text = text.strip()
    if not text:
        return None
    out: dict[int, int] = {}
    parts = text.split(",", BATCH_MAX)
    if len(parts) > BATCH_MAX:
        return {}
    for part in parts:
        pk_text, _sep, version_text = part.partition(":")
        pk, version = parse_id(pk_text), parse_id(version_text)
        if pk is None or version is None:
            return {}
        out[pk] = version
    return out


@login_required
@require_POST
def prompt_draft_edit_view(request: HttpRequest, prompt_id: int) -> HttpResponse:
    """Drop a line (or put it back), or drop the whole draft."""
    user = _user(request)
    _office(user)
    prompt = sel.prompt_get_for_user(user=user, prompt_id=prompt_id)
    line_id = parse_id(request.POST.get("line"))
    if line_id is not None:
        line = get_object_or_404(PromptItem, pk=line_id, prompt=prompt)
        keep = request.POST.get("keep") == "1"
        _run(
            request,
            lambda: prompt_svc.prompt_line_drop(
                line=line, dropped=not keep, version=posted_version(request)
            ),
            _("已更新提示草稿。"),
        )
    else:
        _run(
            request,
            lambda: prompt_svc.prompt_drop(prompt=prompt, version=posted_version(request)),
            _("已删除该单位的提示草稿。"),
        )
    return redirect("supervision:prompts")


@login_required
def prompt_view(request: HttpRequest, prompt_id: int) -> HttpResponse:
    user = _user(request)
    prompt = sel.prompt_get_for_user(user=user, prompt_id=prompt_id)
    return render(
        request,
        "supervision/prompt.html",
        {
            "prompt": prompt,
            "lines": prompt.lines.filter(dropped=False).select_related(
                "work_item", "problem", "unit"
            ),
            "can_reply": can_reply_prompt(user, prompt),
            "own_unit": user.unit_id,
            "is_office": can_manage_supervision(user),
        },
    )


@login_required
@require_POST
def prompt_action_view(request: HttpRequest, prompt_id: int, action: str) -> HttpResponse:
    user = _user(request)
    prompt = sel.prompt_get_for_user(user=user, prompt_id=prompt_id)
    if action == "reply":
        if not can_reply_prompt(user, prompt):
            raise PermissionDenied
        answers = {
            line.pk: (
                request.POST.get(f"answer-{line.pk}", ""),
                _date(request.POST.get(f"date-{line.pk}")),
            )
            for line in prompt.lines.filter(dropped=False)
            if not prompt.by_area or line.unit_id == user.unit_id
        }

        def call() -> Prompt:
            return prompt_svc.prompt_reply(
                prompt=prompt, by=user, answers=answers, version=posted_version(request)
            )

        _run(request, call, _("已提交答复。"))
    elif action in ("accept", "return"):
        _office(user)

        def review() -> Prompt:
            version = posted_version(request)
            if action == "accept":
                return prompt_svc.prompt_accept(prompt=prompt, by=user, version=version)
            return prompt_svc.prompt_return(
                prompt=prompt, by=user, reason=request.POST.get("reason", ""), version=version
            )

        _run(request, review, _("已审核答复。"))
    else:
        raise Http404
    return redirect("supervision:prompt", prompt_id=prompt.pk)


@login_required
def prompt_docx_view(request: HttpRequest, prompt_id: int) -> HttpResponse:
    prompt = sel.prompt_get_for_user(user=_user(request), prompt_id=prompt_id)
    response = HttpResponse(prompt_docx(prompt), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="prompt-{prompt.pk}.docx"'
    return response


# -- cards ----------------------------------------------------------------------------------


def _period_param(request: HttpRequest, latest: Period | None = None) -> Period:
    """The month asked for; else `latest` (the newest month with cards), the last month
    closed, or last month."""
    text = request.GET.get("period", "")
    try:
        return Period.parse(text)
    except ApplicationError:
        if latest is not None:
            return latest
        close = MonthClose.objects.order_by("-year", "-month").first()
        return Period(close.year, close.month) if close else Period.current().previous()


@login_required
def cards_view(request: HttpRequest) -> HttpResponse:
    """A month's cards, by colour and unit, a page at a time (a province has 2,000), with the
    month's and the year's counts and, for the office, publication at the top."""
    user = _user(request)
    # Only months that hold cards are offered (a month's cards appear at its close).
    with_cards = sel.card_periods(user=user)
    period = _period_param(request, with_cards[-1] if with_cards else None)
    cards = sel.card_list(user=user, year=period.year, month=period.month).order_by(
        "unit__sort_order", "unit_id"
    )
    listing = _listing(
        request, cards, CARD_TABS, ("all",), field="colour", keep=(("period", str(period)),)
    )
    return render(
        request,
        "supervision/cards.html",
        {
            **listing,
            "period": period,
            "month_counts": sel.card_counts(user=user, year=period.year, month=period.month),
            "year_counts": sel.card_counts(user=user, year=period.year),
            "unpublished": cards.filter(published_at__isnull=True).exists(),
            "is_office": can_manage_supervision(user),
            "periods": [p for p in with_cards if p.year == period.year],
            "previous_year": next((p for p in reversed(with_cards) if p.year < period.year), None),
            "next_year": next((p for p in with_cards if p.year > period.year), None),
        },
    )


CARD_TABS = (
    ("all", gettext_lazy("全部"), None),
    ("red", gettext_lazy("红牌"), (Colour.RED,)),
    ("yellow", gettext_lazy("黄牌"), (Colour.YELLOW,)),
    ("green", gettext_lazy("绿牌"), (Colour.GREEN,)),
)


@login_required
@require_POST
def cards_publish_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _office(user)
    period = _period_param(request)
    _run(request, lambda: card_svc.cards_publish(period=period, by=user), _("亮牌已公布。"))
    return redirect(f"{request.path.rsplit('publish/', 1)[0]}?period={period}")


@login_required
def card_view(request: HttpRequest, card_id: int) -> HttpResponse:
    user = _user(request)
    card = sel.card_get_for_user(user=user, card_id=card_id)
    if request.method == "POST":
        _office(user)

        def override() -> Any:
            return card_svc.card_override(
                card=card,
                colour=request.POST.get("colour", ""),
                reason=request.POST.get("reason", ""),
                by=user,
                version=posted_version(request),
            )

        _run(request, override, _("已调整亮牌。"))
        return redirect("supervision:card", card_id=card.pk)
    return render(
        request,
        "supervision/card.html",
        {
            "card": card,
            "lines": sel.card_explanation(card),
            "colours": Colour.choices,
            "is_office": can_manage_supervision(user),
        },
    )


@login_required
def unit_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    scope = scope_for(user)
    units = Unit.objects.all() if scope.everything else Unit.objects.filter(pk__in=scope.unit_ids)
    unit = get_object_or_404(units, pk=unit_id)
    year = clock.today().year
    years = [(y, sel.unit_year_cards(user=user, unit=unit, year=y)) for y in (year - 1, year)]
    return render(
        request,
        "supervision/unit.html",
        {
            "unit": unit,
            "years": years,
            "history": sel.unit_history(user=user, unit=unit),
            "is_office": can_manage_supervision(user),
        },
    )


# -- flags and interviews -------------------------------------------------------------------


@login_required
def flags_view(request: HttpRequest) -> HttpResponse:
    """The list of flags; the office flags a unit, an item or a problem from here (the unit
    page and the item page link to the form with the target filled in)."""
    user = _user(request)
    if request.method == "POST":
        _office(user)
        post = request.POST
        target = post.get("target", "")
        pk = parse_id(post.get("id"))

        def create() -> Flag:
            if target not in Flag.Target.values or pk is None:
                raise ApplicationError(_("请选择挂牌对象并填写其编号。"), field="target")
            try:
                subject = sel.flag_subject(user=user, target=target, pk=pk)
            except Http404:
                raise ApplicationError(
                    _(
                        "没有编号为%(n)s的%(t)s。请核对编号，或从该单位、事项或问题的页面"
                        "点“挂牌督办”进入，编号会自动填好。"
                    )
                    % {"n": pk, "t": Flag.Target(target).label},
                    field="id",
                ) from None
            leader = User.objects.filter(pk=parse_id(post.get("leader")) or 0).first()
            return flag_svc.flag_create(
                **subject,
                reason=post.get("reason", ""),
                actions=post.get("actions", ""),
                deadline=_date(post.get("deadline")),
                criteria=post.get("criteria", ""),
                flagged_by=leader,
            )

        try:
            flag = create()
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("已挂牌督办：%(n)s") % {"n": flag.number})
            return redirect("supervision:flag", flag_id=flag.pk)
    office = can_manage_supervision(user)
    flags = sel.flag_list(user=user).order_by(
        _state_order((FS.SUGGESTED, FS.DELIST_REQUESTED, FS.OPEN, FS.DELISTED, FS.DISMISSED)),
        "deadline",
        "-pk",
    )
    # Units never see suggestions or dismissals (the selector leaves them out): no tab.
    tabs = (
        FLAG_TABS if office else tuple(t for t in FLAG_TABS if t[0] in ("open", "delisted", "all"))
    )
    # The office lands on what waits for it (the suggestions of the last close), if any.
    listing = _listing(request, flags, tabs, ("suggested", "open") if office else ("open",))
    return render(
        request,
        "supervision/flags.html",
        {
            **listing,
            "leaders": User.objects.filter(role=User.Role.LEADER, is_active=True),
            "is_office": office,
            "targets": Flag.Target.choices,
            "form": request.POST if request.method == "POST" else request.GET,
        },
    )


@login_required
def false_report_view(request: HttpRequest, report_id: int) -> HttpResponse:
    """认定虚假填报: the office returns a report as false; it counts against the unit's card."""
    user = _user(request)
    _office(user)
    report = sel.report_for_office(user=user, report_id=report_id)
    if request.method == "POST":
        try:
            false_report_record(
                report=report,
                by=user,
                reason=request.POST.get("reason", ""),
                version=posted_version(request),
            )
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("已认定为虚假填报并退回。"))
            return redirect("ledger:item", report.work_item_id)
    return render(
        request,
        "supervision/false_report.html",
        {"report": report, "found": sel.false_report_list(user=user).filter(report=report).first()},
    )


@login_required
def flag_view(request: HttpRequest, flag_id: int) -> HttpResponse:
    user = _user(request)
    flag = sel.flag_get_for_user(user=user, flag_id=flag_id)
    return render(
        request,
        "supervision/flag.html",
        {
            "flag": flag,
            "updates": flag.updates.select_related("by"),
            "can_report": can_report_flag(user, flag),
            "is_office": can_manage_supervision(user),
            "leaders": User.objects.filter(role=User.Role.LEADER, is_active=True),
        },
    )


@login_required
@require_POST
def flag_action_view(request: HttpRequest, flag_id: int, action: str) -> HttpResponse:
    user = _user(request)
    flag = sel.flag_get_for_user(user=user, flag_id=flag_id)
    post = request.POST
    if action in ("progress", "request_delist"):
        if not can_report_flag(user, flag):
            raise PermissionDenied
    elif action in ("confirm", "dismiss", "delist", "refuse_delist"):
        _office(user)
    else:
        raise Http404

    def call() -> Any:
        if action == "progress":
            return flag_svc.flag_report_progress(flag=flag, by=user, text=post.get("text", ""))
        version = posted_version(request)
        if action == "request_delist":
            return flag_svc.flag_request_delist(
                flag=flag, by=user, evidence=post.get("text", ""), version=version
            )
        if action == "confirm":
            leader = User.objects.filter(
                pk=parse_id(post.get("leader")) or 0, role="leader"
            ).first()
            return flag_svc.flag_confirm(
                flag=flag,
                reason=post.get("reason", ""),
                actions=post.get("actions", ""),
                deadline=_date(post.get("deadline")),
                criteria=post.get("criteria", ""),
                flagged_by=leader,
                version=version,
            )
        if action == "dismiss":
            return flag_svc.flag_dismiss(flag=flag, reason=post.get("reason", ""), version=version)
        return flag_svc.flag_delist(
            flag=flag,
            by=user,
            approve=action == "delist",
            note=post.get("text", ""),
            version=version,
        )

    _run(request, call, _("已保存。"))
    return redirect("supervision:flag", flag_id=flag.pk)


@login_required
def flag_docx_view(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = sel.flag_get_for_user(user=_user(request), flag_id=flag_id)
    response = HttpResponse(flag_docx(flag), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="flag-{flag.pk}.docx"'
    return response


@login_required
def interviews_view(request: HttpRequest) -> HttpResponse:
    """约谈: those to handle first (proposed, then scheduled), by month, unit and state, a page
    at a time (a province's close proposes hundreds)."""
    user = _user(request)
    office = can_manage_supervision(user)
    qs = sel.interview_list(user=user).order_by(
        _state_order((IV.PROPOSED, IV.SCHEDULED, IV.DONE, IV.DISMISSED)),
        "-year",
        "-month",
        "unit__sort_order",
        "unit_id",
    )
    tabs = INTERVIEW_TABS if office else tuple(t for t in INTERVIEW_TABS if t[0] != "dismissed")
    return render(
        request,
        "supervision/interviews.html",
        {**_listing(request, qs, tabs, ("todo", "all")), "is_office": office},
    )


@login_required
@require_POST
def interview_action_view(request: HttpRequest, interview_id: int, action: str) -> HttpResponse:
    user = _user(request)
    iv = sel.interview_get_for_user(user=user, interview_id=interview_id)
    _office(user)
    post = request.POST

    def call() -> Interview:
        version = posted_version(request)
        if action == "schedule":
            return iv_svc.interview_schedule(
                interview=iv,
                on=_date(post.get("on")),
                interviewer=post.get("interviewer", ""),
                interviewees=post.get("interviewees", ""),
                version=version,
            )
        if action == "record":
            return iv_svc.interview_record(
                interview=iv, outcome=post.get("text", ""), version=version
            )
        if action == "dismiss":
            return iv_svc.interview_dismiss(
                interview=iv, reason=post.get("text", ""), version=version
            )
        raise Http404

    _run(request, call, _("已保存。"))
    return redirect("supervision:interviews")

"""Problem pages: the five lists (with Excel export), a problem with its history and the
transitions the user may make, reporting, meetings and their minutes. Thin: scope,
permission, one service."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from duban.core.errors import ApplicationError
from duban.core.formatting import date_cn
from duban.core.money import fmt_pct
from duban.core.periods import Period
from duban.ledger.selectors import enterprise_list, unit_list, work_item_list
from duban.org.models import User
from duban.problems import permissions as perm
from duban.problems import services as svc
from duban.problems.exports import list_workbook
from duban.problems.forms import (
    COORDINATION_STATES,
    FEEDBACK_STATES,
    AnswerForm,
    AssignForm,
    DecisionForm,
    EvidenceForm,
    ExtensionForm,
    FeedbackForm,
    HoldForm,
    MeetingForm,
    MergeForm,
    NoteForm,
    OpinionFeedbackForm,
    OpinionForm,
    ProblemFilterForm,
    ProblemReportForm,
    ReasonForm,
    ReopenForm,
    SatisfactionForm,
    VerifyForm,
)
from duban.problems.minutes import meeting_minutes_docx
from duban.problems.models import (
    OPEN_STATES,
    Coordination,
    ExtensionRequest,
    Meeting,
    Problem,
    ProblemSettings,
)
from duban.problems.selectors import (
    closeout_list,
    coordination_list,
    feedback_list,
    meeting_get_for_user,
    meeting_list,
    open_problem_list,
    problem_co_responses,
    problem_events,
    problem_figures,
    problem_get_for_user,
    problem_list,
    task_list,
)

S = Problem.State


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- the five lists -------------------------------------------------------------------------


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


def _rows(key: str, qs: Iterable[Any]) -> list[list[object]]:
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
                p.get_source_display(),
                p.get_category_display(),
                _target(p),
                p.lead_unit.name if p.lead_unit else "",
                "、".join(u.name for u in p.co_units.all()),
                p.level,
                date_cn(p.due_date),
                p.get_state_display(),
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
                o.get_state_display(),
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
                fb.get_state_display(),
                fb.return_reason,
            ]
            for fb in qs
        ]
    return [
        [
            p.pk,
            p.title,
            p.get_category_display(),
            _target(p),
            p.lead_unit.name if p.lead_unit else "",
            date_cn(p.original_due_date),
            p.resolution,
            timezone.localtime(p.closed_at).strftime("%Y-%m-%d") if p.closed_at else "",
            p.reopen_count,
        ]
        for p in qs
    ]


def _list_view(request: HttpRequest, key: str) -> HttpResponse:
    user = _user(request)
    spec = LISTS[key]
    today = Period.current()
    data = request.GET.copy()
    data.setdefault("year", str(today.year))
    if key == "closeout":
        data.setdefault("month", str(today.month))
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
            unit_line=_("导出时间：%(d)s") % {"d": date_cn(timezone.localdate())},
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


# --- one problem ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    label: Any
    states: tuple[str, ...]
    allowed: Callable[[User, Problem], bool]
    form: type
    run: Callable[[Problem, User, dict[str, Any]], Any]


def _escalate_allowed(user: User, problem: Problem) -> bool:
    return perm.can_escalate_problem(user, problem, timezone.localdate())


ACTIONS: dict[str, ActionSpec] = {
    "accept": ActionSpec(
        gettext_lazy("受理"),
        (S.REPORTED,),
        perm.can_accept_problem,
        NoteForm,
        lambda p, u, d: svc.problem_accept(problem=p, by=u, version=d["version"], note=d["note"]),
    ),
    "reject": ActionSpec(
        gettext_lazy("不予受理"),
        (S.REPORTED, S.ACCEPTED),
        perm.can_reject_problem,
        ReasonForm,
        lambda p, u, d: svc.problem_reject(
            problem=p, by=u, version=d["version"], reason=d["reason"]
        ),
    ),
    "merge": ActionSpec(
        gettext_lazy("合并"),
        (S.REPORTED, S.ACCEPTED),
        perm.can_merge_problem,
        MergeForm,
        lambda p, u, d: svc.problem_merge(
            problem=p,
            by=u,
            version=d["version"],
            into=problem_get_for_user(user=u, problem_id=d["into"]),
        ),
    ),
    "assign": ActionSpec(
        gettext_lazy("交办"),
        (S.ACCEPTED,),
        perm.can_assign_problem,
        AssignForm,
        lambda p, u, d: svc.problem_assign(
            problem=p,
            by=u,
            version=d["version"],
            lead_unit=d["lead_unit"],
            co_units=list(d["co_units"]),
            level=d["level"],
            due_date=d["due_date"],
        ),
    ),
    "feedback": ActionSpec(
        gettext_lazy("反馈办理情况"),
        (S.ASSIGNED,),
        perm.can_feedback_problem,
        FeedbackForm,
        lambda p, u, d: svc.problem_submit_feedback(
            problem=p, by=u, version=d["version"], text=d["text"], resolution=d["resolution"]
        ),
    ),
    "verify": ActionSpec(
        gettext_lazy("核实通过"),
        (S.FEEDBACK_SUBMITTED,),
        perm.can_verify_problem,
        VerifyForm,
        lambda p, u, d: svc.problem_verify(
            problem=p, by=u, version=d["version"], resolution=d["resolution"] or None
        ),
    ),
    "return": ActionSpec(
        gettext_lazy("退回重办"),
        (S.FEEDBACK_SUBMITTED,),
        perm.can_return_problem,
        ReasonForm,
        lambda p, u, d: svc.problem_return(
            problem=p, by=u, version=d["version"], reason=d["reason"]
        ),
    ),
    "close": ActionSpec(
        gettext_lazy("销号"),
        (S.VERIFIED,),
        perm.can_close_problem,
        NoteForm,
        lambda p, u, d: svc.problem_close(problem=p, by=u, version=d["version"], note=d["note"]),
    ),
    "reopen": ActionSpec(
        gettext_lazy("重新打开"),
        (S.CLOSED,),
        perm.can_reopen_problem,
        ReopenForm,
        lambda p, u, d: svc.problem_reopen(
            problem=p, by=u, version=d["version"], reason=d["reason"], due_date=d["due_date"]
        ),
    ),
    "escalate": ActionSpec(
        gettext_lazy("升级"),
        (S.ACCEPTED, S.ASSIGNED, S.FEEDBACK_SUBMITTED),
        _escalate_allowed,
        ReasonForm,
        lambda p, u, d: svc.problem_escalate(
            problem=p, by=u, version=d["version"], reason=d["reason"]
        ),
    ),
    "extension": ActionSpec(
        gettext_lazy("申请延期"),
        (S.ASSIGNED,),
        perm.can_request_extension,
        ExtensionForm,
        lambda p, u, d: svc.extension_request(
            problem=p,
            by=u,
            version=d["version"],
            reason=d["reason"],
            new_due_date=d["new_due_date"],
        ),
    ),
    "answer": ActionSpec(
        gettext_lazy("配合单位答复"),
        (S.ASSIGNED, S.FEEDBACK_SUBMITTED),
        perm.can_answer_problem,
        AnswerForm,
        lambda p, u, d: svc.problem_answer_as_co_unit(problem=p, by=u, answer=d["answer"]),
    ),
    "opinion": ActionSpec(
        gettext_lazy("协调意见"),
        (S.ACCEPTED, S.ASSIGNED, S.FEEDBACK_SUBMITTED, S.VERIFIED),
        perm.can_coordinate_problem,
        OpinionForm,
        lambda p, u, d: svc.coordination_create(
            problem=p,
            by=u,
            leader=d["leader"],
            text=d["text"],
            units=list(d["units"]),
            deadline=d["deadline"],
        ),
    ),
    "satisfaction": ActionSpec(
        gettext_lazy("满意度"),
        (S.CLOSED,),
        lambda u, p: perm.can_rate_problem(u, p) and p.source == Problem.Source.DEMAND,
        SatisfactionForm,
        lambda p, u, d: svc.problem_rate_satisfaction(
            problem=p, by=u, version=d["version"], satisfaction=d["satisfaction"]
        ),
    ),
    "evidence": ActionSpec(
        gettext_lazy("上传佐证材料"),
        (S.REPORTED, S.ACCEPTED, S.ASSIGNED, S.FEEDBACK_SUBMITTED, S.VERIFIED, S.CLOSED),
        perm.can_add_evidence,
        EvidenceForm,
        lambda p, u, d: svc.evidence_add(problem=p, by=u, file=d["file"]),
    ),
}


def _available(user: User, problem: Problem) -> list[tuple[str, ActionSpec]]:
    return [
        (name, spec)
        for name, spec in ACTIONS.items()
        if problem.state in spec.states and spec.allowed(user, problem)
    ]


def _problem_context(
    user: User, problem: Problem, failed: tuple[str, Any] | None = None
) -> dict[str, Any]:
    forms = []
    for name, spec in _available(user, problem):
        if failed is not None and failed[0] == name:
            form = failed[1]
        else:
            initial = {"version": problem.version}
            form = spec.form(initial=initial)
        forms.append((name, spec.label, form))
    rules = ProblemSettings.load()
    return {
        "problem": problem,
        "level_name": rules.level_name(problem.level),
        "events": problem_events(problem),
        "co_responses": problem_co_responses(problem),
        "extensions": problem.extensions.select_related("requested_by"),
        "opinions": problem.opinions.select_related("leader", "meeting").prefetch_related("units"),
        "feedback": problem.feedback.select_related("unit", "author"),
        "evidence": problem.evidence.select_related("uploaded_by"),
        "escalations": problem.escalations.select_related("by"),
        "forms": forms,
        "is_office": user.is_office,
        "overdue": problem.is_overdue(timezone.localdate()),
    }


@login_required
def problem_detail_view(request: HttpRequest, problem_id: int) -> HttpResponse:
    user = _user(request)
    problem = problem_get_for_user(user=user, problem_id=problem_id)
    return render(request, "problems/problem.html", _problem_context(user, problem))


@login_required
@require_POST
def problem_action_view(request: HttpRequest, problem_id: int, action: str) -> HttpResponse:
    user = _user(request)
    problem = problem_get_for_user(user=user, problem_id=problem_id)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if not spec.allowed(user, problem):
        raise PermissionDenied
    form = spec.form(request.POST, request.FILES)
    if form.is_valid():
        try:
            spec.run(problem, user, form.cleaned_data)
        except ApplicationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("已%(a)s。") % {"a": spec.label})
            return redirect("problems:problem", problem_id=problem.pk)
    problem.refresh_from_db()
    context = _problem_context(user, problem, failed=(action, form))
    return render(request, "problems/problem.html", context, status=400)


@login_required
def problem_report_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not perm.can_report_problem(user):
        raise PermissionDenied
    items = work_item_list(user=user)
    enterprises = enterprise_list(user=user)
    form = ProblemReportForm(
        request.POST or None,
        items=items,
        enterprises=enterprises,
        initial={"work_item": request.GET.get("item")},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            problem = svc.problem_report(by=user, data=data)
        except ApplicationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("问题已上报，等待推进办受理。"))
            return redirect("problems:problem", problem_id=problem.pk)
    return render(request, "problems/report.html", {"form": form})


@login_required
@require_POST
def extension_action_view(request: HttpRequest, extension_id: int, action: str) -> HttpResponse:
    user = _user(request)
    extension = get_object_or_404(
        ExtensionRequest.objects.filter(problem__in=problem_list(user=user).values("pk")),
        pk=extension_id,
    )
    try:
        if action == "approve":
            svc.extension_approve(extension=extension, by=user)
        elif action == "reject":
            svc.extension_reject(
                extension=extension, by=user, reason=request.POST.get("reason", "")
            )
        else:
            raise Http404
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已审批延期申请。"))
    return redirect("problems:problem", problem_id=extension.problem_id)


@login_required
@require_POST
def feedback_action_view(request: HttpRequest, feedback_id: int, action: str) -> HttpResponse:
    user = _user(request)
    feedback = get_object_or_404(feedback_list(user=user), pk=feedback_id)
    try:
        if action == "accept":
            svc.feedback_accept(feedback=feedback, by=user)
        elif action == "return":
            svc.feedback_return(feedback=feedback, by=user, reason=request.POST.get("reason", ""))
        else:
            raise Http404
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已审核反馈。"))
    return redirect("problems:problem", problem_id=feedback.target_problem.pk)


@login_required
@require_POST
def opinion_feedback_view(request: HttpRequest, opinion_id: int) -> HttpResponse:
    user = _user(request)
    opinion: Coordination = get_object_or_404(coordination_list(user=user), pk=opinion_id)
    form = OpinionFeedbackForm(request.POST)
    if form.is_valid():
        try:
            svc.coordination_feedback(opinion=opinion, by=user, text=form.cleaned_data["text"])
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("反馈已提交。"))
    else:
        messages.error(request, _("请填写反馈内容。"))
    return redirect("problems:problem", problem_id=opinion.problem_id)


# --- meetings -------------------------------------------------------------------------------


@login_required
def meeting_list_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = None
    if perm.can_manage_meeting(user):
        form = MeetingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            units = list(data.pop("attendee_units"))
            try:
                meeting = svc.meeting_schedule(by=user, data=data, attendee_units=units)
            except ApplicationError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, _("调度会已安排，议程已生成。"))
                return redirect("problems:meeting", meeting_id=meeting.pk)
    meetings = meeting_list(user=user).order_by("-date", "-pk")
    return render(request, "problems/meetings.html", {"meetings": meetings, "form": form})


def _meeting_context(user: User, meeting: Meeting, **forms: Any) -> dict[str, Any]:
    may_manage = perm.can_manage_meeting(user, meeting)
    agenda = list(meeting.agenda.select_related("problem", "work_item"))
    return {
        "meeting": meeting,
        "agenda": agenda,
        "decisions": meeting.decisions.select_related("problem").prefetch_related("units"),
        "may_manage": may_manage,
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "hold_form": forms.get("hold_form") or HoldForm(initial={"version": meeting.version}),
    }


@login_required
def meeting_detail_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _user(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    return render(request, "problems/meeting.html", _meeting_context(user, meeting))


@login_required
@require_POST
def meeting_action_view(request: HttpRequest, meeting_id: int, action: str) -> HttpResponse:
    """Rebuild the agenda, record a decision on an agenda point, or mark the meeting held."""
    user = _user(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    if not perm.can_manage_meeting(user, meeting):
        raise PermissionDenied
    forms: dict[str, Any] = {}
    try:
        if action == "agenda":
            svc.meeting_build_agenda(meeting=meeting, by=user)
        elif action == "decide":
            form = DecisionForm(request.POST)
            forms["decision_form"] = form
            if not form.is_valid():
                raise ApplicationError(_("请填写议定事项、责任单位和完成时限。"))
            item = get_object_or_404(meeting.agenda.all(), pk=form.cleaned_data["agenda_item"])
            svc.meeting_record_decision(
                meeting=meeting,
                by=user,
                text=form.cleaned_data["text"],
                units=list(form.cleaned_data["units"]),
                deadline=form.cleaned_data["deadline"],
                problem=item.problem,
                work_item=None if item.problem else item.work_item,
            )
        elif action == "hold":
            hold = HoldForm(request.POST)
            forms["hold_form"] = hold
            if not hold.is_valid():
                raise ApplicationError(_("请检查会议纪要。"))
            svc.meeting_hold(
                meeting=meeting,
                by=user,
                minutes=hold.cleaned_data["minutes"],
                version=hold.cleaned_data["version"],
            )
        else:
            raise Http404
    except ApplicationError as e:
        messages.error(request, e.message)
        meeting.refresh_from_db()
        return render(
            request, "problems/meeting.html", _meeting_context(user, meeting, **forms), status=400
        )
    messages.success(request, _("已保存。"))
    return redirect("problems:meeting", meeting_id=meeting.pk)


@login_required
def meeting_minutes_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _user(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    response = HttpResponse(
        meeting_minutes_docx(meeting),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.pk}.docx"'
    return response

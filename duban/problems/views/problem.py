"""One problem: its page with history, the transitions the user may make, reporting, and
the reviews of extensions and feedback. Thin: scope, permission, one service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.forms import posted_version
from duban.ledger.selectors import work_item_list
from duban.org.models import User
from duban.org.selectors import enterprise_list
from duban.problems import permissions as perm
from duban.problems import services as svc
from duban.problems.downloads import evidence_response
from duban.problems.forms import (
    AnswerForm,
    AssignForm,
    EvidenceForm,
    ExtensionForm,
    FeedbackForm,
    MergeForm,
    NoteForm,
    OpinionFeedbackForm,
    OpinionForm,
    ProblemReportForm,
    ReasonForm,
    ReopenForm,
    SatisfactionForm,
    VerifyForm,
)
from duban.problems.models import (
    Coordination,
    Evidence,
    ExtensionRequest,
    Problem,
    ProblemSettings,
)
from duban.problems.selectors import (
    co_response_for,
    coordination_list,
    feedback_list,
    problem_co_responses,
    problem_events,
    problem_get_for_user,
    problem_list,
)
from duban.problems.views.base import user_of

S = Problem.State


@dataclass(frozen=True)
class ActionSpec:
    label: Any
    states: tuple[str, ...]
    allowed: Callable[[User, Problem], bool]
    form: type
    run: Callable[[Problem, User, dict[str, Any]], Any]


def _escalate_allowed(user: User, problem: Problem) -> bool:
    return perm.can_escalate_problem(user, problem, clock.today())


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
        lambda p, u, d: svc.problem_answer_as_co_unit(
            problem=p, by=u, answer=d["answer"], version=d["version"]
        ),
    ),
    "opinion": ActionSpec(
        gettext_lazy("协调意见"),
        (S.ACCEPTED, S.ASSIGNED, S.FEEDBACK_SUBMITTED, S.VERIFIED),
        perm.can_coordinate_problem,
        OpinionForm,
        lambda p, u, d: svc.coordination_create(
            problem=p,
            by=u,
            leader=d.get("leader"),
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


# The action each state calls for first (the others sit behind 其他操作).
PRIMARY_BY_STATE: dict[str, str] = {
    S.REPORTED: "accept",
    S.ACCEPTED: "assign",
    S.ASSIGNED: "feedback",
    S.FEEDBACK_SUBMITTED: "verify",
    S.VERIFIED: "close",
    S.CLOSED: "satisfaction",
}
FALLBACK_PRIMARY = ("answer", "opinion", "feedback", "evidence")


def _usable_now(name: str, user: User, problem: Problem) -> bool:
    """Forms the user could not use in this state are not offered: an extension once the due
    date has passed, a second answer from a co-unit that has answered."""
    if name == "extension":
        return problem.due_date is not None and clock.today() <= problem.due_date
    if name == "answer":
        return (
            user.unit_id is None
            or not problem.co_responses.filter(
                unit_id=user.unit_id, answered_at__isnull=False
            ).exists()
        )
    return True


def _available(user: User, problem: Problem) -> list[tuple[str, ActionSpec]]:
    return [
        (name, spec)
        for name, spec in ACTIONS.items()
        if problem.state in spec.states
        and spec.allowed(user, problem)
        and _usable_now(name, user, problem)
    ]


def _primary(state: str, names: list[str]) -> str | None:
    for name in (PRIMARY_BY_STATE.get(state), *FALLBACK_PRIMARY):
        if name in names:
            return name
    return names[0] if names else None


def _for_user(form: Any, user: User) -> None:
    """Let a form drop the fields this user may not set (e.g. the leader of an opinion)."""
    limit = getattr(form, "for_user", None)
    if limit is not None:
        limit(user)


def _initial(name: str, problem: Problem, user: User) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": problem.version}
    if name == "answer":
        # The co-unit answers on its own row: the version sent back is that row's.
        response = co_response_for(problem, user)
        initial["version"] = response.version if response else None
    if name == "assign":
        # The lead unit from the problem, else from its item.
        lead = problem.lead_unit_id or (
            problem.work_item.lead_unit_id if problem.work_item else None
        )
        initial.update(lead_unit=lead, co_units=list(problem.co_units.values_list("pk", flat=True)))
    return initial


def _problem_context(
    user: User, problem: Problem, failed: tuple[str, Any] | None = None
) -> dict[str, Any]:
    forms = []
    available = _available(user, problem)
    if failed is not None and failed[0] not in dict(available):
        # Refused because the problem moved on (a colleague answered first): the form stays,
        # so its message says why.
        available.insert(0, (failed[0], ACTIONS[failed[0]]))
    for name, spec in available:
        if failed is not None and failed[0] == name:
            form = failed[1]
        else:
            form = spec.form(initial=_initial(name, problem, user))
            if name == "merge":
                form.limit_to(problem_list(user=user), problem)
            _for_user(form, user)
        forms.append((name, spec.label, form))
    primary_name = _primary(problem.state, [name for name, _label, _form in forms])
    primary = next((f for f in forms if f[0] == primary_name), None)
    others = [f for f in forms if f[0] != primary_name]
    rules = ProblemSettings.load()
    return {
        "problem": problem,
        "level_name": rules.level_name(problem.level),
        "events": problem_events(problem),
        "co_responses": problem_co_responses(problem),
        "extensions": problem.extensions.select_related("requested_by"),
        "opinions": problem.opinions.select_related(
            "leader", "created_by", "meeting"
        ).prefetch_related("units"),
        "feedback": problem.feedback.select_related("unit", "author"),
        "evidence": problem.evidence.select_related("uploaded_by"),
        "escalations": problem.escalations.select_related("by"),
        "forms": forms,
        "primary": primary,
        "others": others,
        "others_open": failed is not None and failed[0] != primary_name,
        "is_office": user.is_office,
        "overdue": problem.is_overdue(clock.today()),
        # A unit asked to help may not see the item itself: its title, then, without a link
        # that would answer 404.
        "item_visible": problem.work_item_id is not None
        and work_item_list(user=user).filter(pk=problem.work_item_id).exists(),
    }


@login_required
def problem_detail_view(request: HttpRequest, problem_id: int) -> HttpResponse:
    user = user_of(request)
    problem = problem_get_for_user(user=user, problem_id=problem_id)
    return render(request, "problems/problem.html", _problem_context(user, problem))


@login_required
@require_POST
def problem_action_view(request: HttpRequest, problem_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    problem = problem_get_for_user(user=user, problem_id=problem_id)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if not spec.allowed(user, problem):
        raise PermissionDenied(_("您的角色不能对该问题进行“%(a)s”操作。") % {"a": spec.label})
    form = spec.form(request.POST, request.FILES)
    _for_user(form, user)
    if action == "merge":
        form.limit_to(problem_list(user=user), problem)
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


PREFILL = ("item", "source", "enterprise", "category", "title", "description", "request")


def _report_initial(request: HttpRequest) -> dict[str, Any]:
    """What a link may fill in: the item (上报问题 on its page), a steward's visit finding
    (source, enterprise, title, description)."""
    initial: dict[str, Any] = {}
    for name in PREFILL:
        value = (request.GET.get(name) or "").strip()
        if value:
            initial["work_item" if name == "item" else name] = value[:2000]
    return initial


@login_required
def problem_report_view(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not perm.can_report_problem(user):
        raise PermissionDenied(_("查看人员只能查看，不能上报问题。"))
    items = work_item_list(user=user)
    enterprises = enterprise_list(user=user)
    form = ProblemReportForm(
        request.POST or None,
        items=items,
        enterprises=enterprises,
        leadership=user.is_office or user.role == User.Role.LEADER,
        initial=_report_initial(request),
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
    user = user_of(request)
    extension = get_object_or_404(
        ExtensionRequest.objects.filter(problem__in=problem_list(user=user).values("pk")),
        pk=extension_id,
    )
    try:
        version = posted_version(request)
        if action == "approve":
            svc.extension_approve(extension=extension, by=user, version=version)
        elif action == "reject":
            svc.extension_reject(
                extension=extension,
                by=user,
                reason=request.POST.get("reason", ""),
                version=version,
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
    user = user_of(request)
    feedback = get_object_or_404(feedback_list(user=user), pk=feedback_id)
    try:
        version = posted_version(request)
        if action == "accept":
            svc.feedback_accept(feedback=feedback, by=user, version=version)
        elif action == "return":
            svc.feedback_return(
                feedback=feedback,
                by=user,
                reason=request.POST.get("reason", ""),
                version=version,
            )
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
    user = user_of(request)
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


@login_required
def evidence_download_view(request: HttpRequest, evidence_id: int) -> FileResponse:
    """An evidence file, only for who may see its problem (else 404), always as a download
    with the type judged at upload: a browser never renders an uploaded file in the page."""
    user = user_of(request)
    evidence = get_object_or_404(
        Evidence.objects.filter(problem__in=problem_list(user=user).values("pk")),
        pk=evidence_id,
    )
    return evidence_response(evidence)

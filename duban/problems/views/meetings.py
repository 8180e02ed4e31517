"""Dispatch meetings: scheduling, the agenda, decisions, holding, and the minutes as Word."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.core.errors import ApplicationError
from duban.org.models import User
from duban.problems import permissions as perm
from duban.problems import services as svc
from duban.problems.forms import (
    DecisionForm,
    HoldForm,
    MeetingForm,
)
from duban.problems.minutes import meeting_minutes_docx
from duban.problems.models import (
    Meeting,
)
from duban.problems.selectors import (
    meeting_agenda,
    meeting_get_for_user,
    meeting_list,
)
from duban.problems.views.base import user_of


@login_required
def meeting_list_view(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
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
    shown = meeting_agenda(user=user, meeting=meeting)
    return {
        "meeting": meeting,
        "agenda": shown.entries,
        "decisions": shown.decisions,
        "shown": shown,
        "may_manage": may_manage,
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "hold_form": forms.get("hold_form") or HoldForm(initial={"version": meeting.version}),
    }


@login_required
def meeting_detail_view(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = user_of(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    return render(request, "problems/meeting.html", _meeting_context(user, meeting))


@login_required
@require_POST
def meeting_action_view(request: HttpRequest, meeting_id: int, action: str) -> HttpResponse:
    """Rebuild the agenda, record a decision on an agenda point, or mark the meeting held."""
    user = user_of(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    if not perm.can_manage_meeting(user, meeting):
        raise PermissionDenied(_("只有推进办或会议主持人可以编排议程和记录会议。"))
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
    user = user_of(request)
    meeting = meeting_get_for_user(user=user, meeting_id=meeting_id)
    response = HttpResponse(
        meeting_minutes_docx(meeting, user=user),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = f'attachment; filename="minutes-{meeting.pk}.docx"'
    return response

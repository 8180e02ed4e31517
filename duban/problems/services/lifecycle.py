"""A problem from report to close-out (DOMAIN §3):

reported → accepted (or rejected with a reason, or merged into a duplicate) → assigned (lead
unit, level, due date, co-units) → feedback submitted → verified → closed (销号); verification
can return it to assigned; a closed problem can be reopened (counted).

Every service locks the row, checks the version the user saw, checks role and state, refuses
with a reason naming what is wrong and writes nothing, or writes and records the event.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core.errors import ApplicationError
from duban.core.formatting import join_items
from duban.core.periods import Period
from duban.core.services import full_clean_or_raise
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.problems.models import (
    MAX_LEVEL,
    OPEN_STATES,
    CoUnitResponse,
    Evidence,
    Feedback,
    Problem,
    ProblemEvent,
    ProblemSettings,
)
from duban.problems.permissions import (
    can_add_evidence,
    can_answer_problem,
    can_assign_problem,
    can_close_problem,
    can_feedback_problem,
    can_merge_problem,
    can_rate_problem,
    can_reject_problem,
    can_reopen_problem,
    can_report_problem,
    can_return_problem,
    can_triage_problem,
    can_verify_problem,
)
from duban.problems.services.base import (
    lock_problem,
    record_event,
    refuse_unless,
    refuse_unless_state,
    require_text,
    save_problem,
    today,
)
from duban.problems.services.escalation import problem_put_on_next_meeting

logger = logging.getLogger(__name__)
S = Problem.State
A = ProblemEvent.Action

REPORT_FIELDS = {
    "source",
    "work_item",
    "enterprise",
    "visit",
    "category",
    "title",
    "description",
    "request",
    "urgent",
}


@transaction.atomic
def problem_report(*, by: User, data: Mapping[str, Any]) -> Problem:
    """Record a new problem (state reported) on an item or enterprise in the user's scope.

    An enterprise demand gets its answer deadline: 7 days, or 2 hours when urgent (settings).
    """
    refuse_unless(can_report_problem(by), _("您的角色不能上报问题。"))
    unknown = set(data) - REPORT_FIELDS
    if unknown:
        raise ApplicationError(_("不能填写这些字段：%(f)s") % {"f": join_items(sorted(unknown))})
    problem = Problem(**data)
    if not problem.source:
        problem.source = Problem.Source.UNIT_REPORT
    scope = scope_for(by)
    if (
        problem.work_item_id is not None
        and not scope.work_items().filter(pk=problem.work_item_id).exists()
    ):
        raise ApplicationError(_("该台账事项不在您的范围内。"), field="work_item")
    if problem.enterprise_id is not None and problem.work_item_id is None:
        from duban.org.models import Enterprise

        if not scope.everything and not (
            Enterprise.objects.filter(scope.enterprises_q(), pk=problem.enterprise_id).exists()
            or by.role == User.Role.STEWARD
        ):
            raise ApplicationError(_("该企业不在您的包联或服务范围内。"), field="enterprise")
    if problem.source == Problem.Source.DEMAND and problem.enterprise_id is None:
        raise ApplicationError(_("企业诉求必须指明企业。"), field="enterprise")
    if problem.source != Problem.Source.DEMAND and problem.urgent:
        raise ApplicationError(_("只有企业诉求可以标记为紧急。"), field="urgent")
    problem.reported_by = by
    problem.reporting_unit = (
        by.unit if by.role in (User.Role.REPORTER, User.Role.UNIT_HEAD) else None
    )
    problem.reported_on = today()
    problem.state = S.REPORTED
    if problem.source == Problem.Source.DEMAND:
        rules = ProblemSettings.load()
        wait = (
            timedelta(hours=rules.urgent_demand_hours)
            if problem.urgent
            else timedelta(days=rules.demand_plan_days)
        )
        problem.plan_due_at = timezone.now() + wait
    full_clean_or_raise(problem)
    problem._history_user = by  # type: ignore[attr-defined]
    problem.save()
    record_event(problem, A.REPORT, by)
    logger.info("problem.reported", extra={"problem_id": problem.pk, "by": by.pk})
    return problem


@transaction.atomic
def problem_accept(
    *, problem: Problem, by: User, version: int | None = None, note: str = ""
) -> Problem:
    """Office triage: take a reported problem into the list."""
    problem = lock_problem(problem, version)
    refuse_unless(can_triage_problem(by, problem), _("只有推进办可以受理问题。"))
    refuse_unless_state(problem, (S.REPORTED,), _("受理"))
    before = problem.state
    problem.state = S.ACCEPTED
    save_problem(problem, by, "accept", ["state"])
    record_event(problem, A.ACCEPT, by, from_state=before, note=note)
    return problem


@transaction.atomic
def problem_reject(
    *, problem: Problem, by: User, reason: str, version: int | None = None
) -> Problem:
    """Office triage: turn a problem away, with the reason the reporter will read."""
    problem = lock_problem(problem, version)
    refuse_unless(can_reject_problem(by, problem), _("只有推进办可以不予受理问题。"))
    refuse_unless_state(problem, (S.REPORTED, S.ACCEPTED), _("不予受理"))
    reason = require_text(reason, _("不予受理必须写明原因。"))
    before = problem.state
    problem.state, problem.reject_reason = S.REJECTED, reason
    save_problem(problem, by, f"reject: {reason}", ["state", "reject_reason"])
    record_event(problem, A.REJECT, by, from_state=before, note=reason)
    return problem


@transaction.atomic
def problem_merge(
    *, problem: Problem, into: Problem, by: User, version: int | None = None, note: str = ""
) -> Problem:
    """Office triage: fold a duplicate into the problem that carries on."""
    problem = lock_problem(problem, version)
    refuse_unless(can_merge_problem(by, problem), _("只有推进办可以合并问题。"))
    refuse_unless_state(problem, (S.REPORTED, S.ACCEPTED), _("合并"))
    if into.pk == problem.pk:
        raise ApplicationError(_("问题不能合并到自身。"), field="into")
    target = Problem.objects.get(pk=into.pk)
    if target.state not in OPEN_STATES:
        raise ApplicationError(
            _("只能合并到未办结的问题（目标问题状态为“%(s)s”）。")
            % {"s": target.get_state_display()},
            field="into",
        )
    before = problem.state
    problem.state, problem.merged_into = S.MERGED, target
    save_problem(problem, by, f"merge into {target.pk}", ["state", "merged_into"])
    text = _("合并至问题#%(n)s“%(t)s”") % {"n": target.pk, "t": target.title}
    record_event(problem, A.MERGE, by, from_state=before, note=f"{text} {note}".strip())
    record_event(target, A.MERGE, by, note=_("合并了重复问题#%(n)s") % {"n": problem.pk})
    return problem


@transaction.atomic
def problem_assign(
    *,
    problem: Problem,
    by: User,
    lead_unit: Unit,
    version: int | None = None,
    level: int = 1,
    due_date: date | None = None,
    co_units: Sequence[Unit] = (),
    note: str = "",
) -> Problem:
    """Hand an accepted problem to exactly one lead unit (with co-units) at a level and a date.

    The first due date is kept as the original one; co-units get their answer deadline.
    """
    problem = lock_problem(problem, version)
    refuse_unless(can_assign_problem(by, problem), _("只有推进办可以交办问题。"))
    refuse_unless_state(problem, (S.ACCEPTED,), _("交办"))
    rules = ProblemSettings.load()
    day = today()
    if not 1 <= level <= min(rules.levels, MAX_LEVEL):
        raise ApplicationError(_("调度级别应在1到%(n)s之间。") % {"n": rules.levels}, field="level")
    if due_date is None:
        due_date = day + timedelta(days=rules.default_due_days)
    if due_date < day:
        raise ApplicationError(_("办理时限不能早于今天。"), field="due_date")
    if any(u.pk == lead_unit.pk for u in co_units):
        raise ApplicationError(_("牵头单位不能同时是配合单位。"), field="co_units")
    before = problem.state
    problem.state = S.ASSIGNED
    problem.lead_unit, problem.level, problem.due_date = lead_unit, level, due_date
    if problem.original_due_date is None:
        problem.original_due_date = due_date
    fields = ["state", "lead_unit", "level", "due_date", "original_due_date"]
    if problem.source == Problem.Source.DEMAND and problem.answered_at is None:
        # Handing a demand to a unit with a deadline is the plan the enterprise is owed.
        problem.answered_at = timezone.now()
        fields.append("answered_at")
    full_clean_or_raise(problem)
    save_problem(problem, by, "assign", fields)
    problem.co_units.set(co_units)
    answer_by = day + timedelta(days=rules.co_unit_answer_days)
    CoUnitResponse.objects.bulk_create(
        CoUnitResponse(problem=problem, unit=u, due_date=answer_by) for u in co_units
    )
    text = _("牵头单位：%(u)s；调度级别：%(l)s；办理时限：%(d)s") % {
        "u": lead_unit.name,
        "l": rules.level_name(level),
        "d": due_date.isoformat(),
    }
    if co_units:
        text += _("；配合单位：%(c)s") % {"c": join_items(u.name for u in co_units)}
    record_event(problem, A.ASSIGN, by, from_state=before, note=f"{text} {note}".strip())
    # Handed straight to a district leader: it joins the next meeting of that level.
    problem_put_on_next_meeting(problem=problem, on=day)
    return problem


@transaction.atomic
def problem_answer_as_co_unit(*, problem: Problem, by: User, answer: str) -> CoUnitResponse:
    """A co-unit's answer; its unit's row records who answered and when."""
    problem = Problem.objects.select_for_update(no_key=True).get(pk=problem.pk)
    refuse_unless(can_answer_problem(by, problem), _("只有配合单位的人员可以答复该问题。"))
    refuse_unless_state(problem, (S.ASSIGNED, S.FEEDBACK_SUBMITTED), _("答复"))
    answer = require_text(answer, _("请填写答复意见。"), field="answer")
    unit_id = by.unit_id
    assert unit_id is not None  # noqa: S101 - can_answer_problem checked it
    response = CoUnitResponse.objects.select_for_update().get(problem=problem, unit_id=unit_id)
    response.answer, response.answered_by, response.answered_at = answer, by, timezone.now()
    response.save(update_fields=["answer", "answered_by", "answered_at", "updated_at"])
    record_event(
        problem, A.CO_ANSWER, by, note=_("%(label)s：%(text)s") % {"label": by.unit, "text": answer}
    )
    return response


@transaction.atomic
def problem_submit_feedback(
    *,
    problem: Problem,
    by: User,
    text: str,
    resolution: str = "",
    version: int | None = None,
) -> Feedback:
    """The lead unit's account of what it did: the problem waits for the office's check."""
    problem = lock_problem(problem, version)
    refuse_unless(can_feedback_problem(by, problem), _("只有牵头单位的人员可以反馈办理情况。"))
    refuse_unless_state(problem, (S.ASSIGNED,), pgettext("verb", "反馈"))
    text = require_text(text, _("请填写办理情况。"), field="text")
    feedback = Feedback(unit=problem.lead_unit, author=by, problem=problem, text=text)
    full_clean_or_raise(feedback)
    feedback.save()
    before = problem.state
    problem.state = S.FEEDBACK_SUBMITTED
    problem.resolution = (resolution or "").strip() or text
    save_problem(problem, by, "feedback", ["state", "resolution"])
    record_event(problem, A.FEEDBACK, by, from_state=before, note=text)
    return feedback


def _pending_feedback(problem: Problem) -> Feedback | None:
    return (
        problem.feedback.select_for_update()
        .filter(state=Feedback.State.SUBMITTED)
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def problem_verify(
    *,
    problem: Problem,
    by: User,
    version: int | None = None,
    resolution: str | None = None,
    note: str = "",
) -> Problem:
    """The office confirms the resolution on the ground (the unit's feedback passes)."""
    problem = lock_problem(problem, version)
    refuse_unless(can_verify_problem(by, problem), _("只有推进办可以核实问题。"))
    refuse_unless_state(problem, (S.FEEDBACK_SUBMITTED,), _("核实"))
    if resolution is not None:
        problem.resolution = resolution.strip()
    require_text(problem.resolution, _("核实前必须有办理结果。"), field="resolution")
    feedback = _pending_feedback(problem)
    if feedback is not None:
        feedback.state, feedback.reviewed_by, feedback.reviewed_at = (
            Feedback.State.ACCEPTED,
            by,
            timezone.now(),
        )
        feedback.version += 1
        feedback.save(
            update_fields=["state", "reviewed_by", "reviewed_at", "version", "updated_at"]
        )
    before = problem.state
    problem.state, problem.verified_at = S.VERIFIED, timezone.now()
    save_problem(problem, by, "verify", ["state", "resolution", "verified_at"])
    record_event(problem, A.VERIFY, by, from_state=before, note=note)
    return problem


@transaction.atomic
def problem_return(
    *, problem: Problem, by: User, reason: str, version: int | None = None
) -> Problem:
    """Verification failed: back to the lead unit, with the reason, keeping the due date."""
    problem = lock_problem(problem, version)
    refuse_unless(can_return_problem(by, problem), _("只有推进办可以退回问题。"))
    refuse_unless_state(problem, (S.FEEDBACK_SUBMITTED,), _("退回重办"))
    reason = require_text(reason, _("退回必须写明原因。"))
    feedback = _pending_feedback(problem)
    if feedback is not None:
        feedback.state, feedback.return_reason = Feedback.State.RETURNED, reason
        feedback.reviewed_by, feedback.reviewed_at = by, timezone.now()
        feedback.version += 1
        feedback.save(
            update_fields=[
                "state",
                "return_reason",
                "reviewed_by",
                "reviewed_at",
                "version",
                "updated_at",
            ]
        )
    before = problem.state
    problem.state = S.ASSIGNED
    save_problem(problem, by, f"return: {reason}", ["state"])
    record_event(problem, A.RETURN, by, from_state=before, note=reason)
    return problem


@transaction.atomic
def problem_close(
    *, problem: Problem, by: User, version: int | None = None, note: str = ""
) -> Problem:
    """销号: only a verified problem with a resolution closes; the close-out month is recorded."""
    problem = lock_problem(problem, version)
    refuse_unless(can_close_problem(by, problem), _("只有推进办可以销号。"))
    if problem.state != S.VERIFIED:
        raise ApplicationError(
            _("只有已核实的问题才能销号（当前状态：%(s)s）。") % {"s": problem.get_state_display()},
            code="transition",
        )
    require_text(problem.resolution, _("没有办理结果的问题不能销号。"), field="resolution")
    before = problem.state
    problem.state, problem.closed_at = S.CLOSED, timezone.now()
    period = Period.of(problem.closed_at)
    problem.close_year, problem.close_month = period.year, period.month
    full_clean_or_raise(problem)
    save_problem(problem, by, "close", ["state", "closed_at", "close_year", "close_month"])
    record_event(problem, A.CLOSE, by, from_state=before, note=note)
    logger.info("problem.closed", extra={"problem_id": problem.pk, "by": by.pk})
    return problem


@transaction.atomic
def problem_reopen(
    *,
    problem: Problem,
    by: User,
    reason: str,
    version: int | None = None,
    due_date: date | None = None,
) -> Problem:
    """A closed problem that came back: to the lead unit again, counted, the original date kept."""
    problem = lock_problem(problem, version)
    refuse_unless(can_reopen_problem(by, problem), _("只有推进办可以重新打开问题。"))
    refuse_unless_state(problem, (S.CLOSED,), _("重新打开"))
    reason = require_text(reason, _("重新打开必须写明原因。"))
    fields = [
        "state",
        "reopen_count",
        "closed_at",
        "close_year",
        "close_month",
        "verified_at",
        "satisfaction",
    ]
    if due_date is not None:
        if due_date < today():
            raise ApplicationError(_("新的办理时限不能早于今天。"), field="due_date")
        problem.due_date = due_date
        fields.append("due_date")
    before = problem.state
    problem.state = S.ASSIGNED
    problem.reopen_count += 1
    problem.closed_at = problem.close_year = problem.close_month = problem.verified_at = None
    problem.satisfaction = ""
    save_problem(problem, by, f"reopen: {reason}", fields)
    record_event(problem, A.REOPEN, by, from_state=before, note=reason)
    return problem


@transaction.atomic
def problem_rate_satisfaction(
    *, problem: Problem, by: User, satisfaction: str, version: int | None = None
) -> Problem:
    """The enterprise's satisfaction with a closed demand, recorded by the office."""
    problem = lock_problem(problem, version)
    refuse_unless(can_rate_problem(by, problem), _("只有推进办可以记录满意度。"))
    if problem.source != Problem.Source.DEMAND:
        raise ApplicationError(_("满意度只适用于企业诉求。"))
    refuse_unless_state(problem, (S.CLOSED,), _("评价满意度"))
    if satisfaction not in Problem.Satisfaction.values:
        raise ApplicationError(
            _("满意度取值无效：%(v)s") % {"v": satisfaction}, field="satisfaction"
        )
    problem.satisfaction = satisfaction
    save_problem(problem, by, "satisfaction", ["satisfaction"])
    record_event(problem, A.SATISFACTION, by, note=str(Problem.Satisfaction(satisfaction).label))
    return problem


@transaction.atomic
def evidence_add(
    *,
    problem: Problem,
    by: User,
    file: File,
    name: str = "",
    feedback: Feedback | None = None,
) -> Evidence:
    """Attach a file (photo, document) to a problem; stored under MEDIA_ROOT."""
    refuse_unless(can_add_evidence(by, problem), _("您不能为该问题上传佐证材料。"))
    if problem.state in (S.REJECTED, S.MERGED):
        raise ApplicationError(_("不予受理或已合并的问题不能再上传材料。"))
    evidence = Evidence(
        problem=problem,
        feedback=feedback,
        name=(name or getattr(file, "name", "") or _("佐证材料"))[:200],
        uploaded_by=by,
    )
    evidence.file.save(getattr(file, "name", "evidence") or "evidence", file, save=False)
    evidence.save()
    record_event(problem, A.EVIDENCE, by, note=evidence.name)
    return evidence

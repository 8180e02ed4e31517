"""A problem in the units' hands: assignment, co-unit answers, feedback and evidence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core import clock
from duban.core.dates import date_check
from duban.core.errors import ApplicationError
from duban.core.formatting import join_items
from duban.core.services import full_clean_or_raise, lock_version
from duban.core.uploads import (
    check_size,
    evidence_kind,
    evidence_max_bytes,
    removes_files_on_error,
    store_file,
)
from duban.org.models import Unit, User
from duban.problems.events import problem_assigned_event
from duban.problems.models import (
    MAX_LEVEL,
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
    can_feedback_problem,
)
from duban.problems.selectors.records import co_response_for
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

S = Problem.State
A = ProblemEvent.Action


@transaction.atomic
def problem_assign(
    *,
    problem: Problem,
    by: User,
    lead_unit: Unit,
    version: int,
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
    date_check(due_date, label=_("办理时限"), field="due_date")
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
        problem.answered_at = clock.now()
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
    problem_assigned_event(problem)
    return problem


@transaction.atomic
def problem_answer_as_co_unit(
    *, problem: Problem, by: User, answer: str, version: int
) -> CoUnitResponse:
    """A co-unit's answer; its unit's row records who answered and when. `version` is the
    answer row's as read (CoUnitResponse.version): ConflictError when a colleague answered
    since, rather than overwriting their answer."""
    problem = Problem.objects.select_for_update(no_key=True).get(pk=problem.pk)
    refuse_unless(can_answer_problem(by, problem), _("只有配合单位的人员可以答复该问题。"))
    refuse_unless_state(problem, (S.ASSIGNED, S.FEEDBACK_SUBMITTED), _("答复"))
    answer = require_text(answer, _("请填写答复意见。"), field="answer")
    row = co_response_for(problem, by)
    assert row is not None  # noqa: S101 - can_answer_problem checked it is a co-unit
    response = lock_version(
        CoUnitResponse,
        pk=row.pk,
        version=version,
        label=pgettext("model name", "配合单位答复"),
        related=("unit",),
    )
    response.answer, response.answered_by, response.answered_at = answer, by, clock.now()
    response.version += 1
    response.save(update_fields=["answer", "answered_by", "answered_at", "version", "updated_at"])
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
    version: int,
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


@removes_files_on_error
@transaction.atomic
def evidence_add(
    *,
    problem: Problem,
    by: User,
    file: File,
    name: str = "",
    feedback: Feedback | None = None,
) -> Evidence:
    """Attach a photo, PDF or Office document to a problem, stored under MEDIA_ROOT (outside
    the static files, served only through the scoped download view) under a random name.
    The type is judged by the content and must be allowed; UploadRefusedError otherwise."""
    refuse_unless(can_add_evidence(by, problem), _("您不能为该问题上传佐证材料。"))
    if problem.state in (S.REJECTED, S.MERGED):
        raise ApplicationError(_("不予受理或已合并的问题不能再上传材料。"))
    size = getattr(file, "size", None)
    if size is not None:
        check_size(int(size), evidence_max_bytes())
    file.seek(0)
    content = file.read()
    original = Path(getattr(file, "name", "") or "").name
    kind = evidence_kind(content, original)
    evidence = Evidence(
        problem=problem,
        feedback=feedback,
        name=(name or original or _("佐证材料"))[:200],
        content_type=kind.content_type,
        uploaded_by=by,
    )
    store_file(evidence.file, f"{uuid4().hex}.{kind.extension}", content)
    evidence.save()
    record_event(problem, A.EVIDENCE, by, note=evidence.name)
    return evidence

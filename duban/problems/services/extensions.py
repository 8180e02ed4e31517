"""Extensions (延期): asked by the lead unit before the due date with a reason and a new date,
approved by the unit head and then the office. The original due date stays for scoring."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core import clock
from duban.core.dates import date_check
from duban.core.errors import ApplicationError
from duban.core.formatting import date_cn
from duban.core.services import full_clean_or_raise, lock_version
from duban.org.models import User
from duban.problems.events import extension_decided_event
from duban.problems.models import ExtensionRequest, Problem, ProblemEvent
from duban.problems.permissions import (
    can_head_approve_extension,
    can_office_approve_extension,
    can_request_extension,
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

S = Problem.State
E = ExtensionRequest.State
A = ProblemEvent.Action
EXTENDABLE_STATES = (S.ASSIGNED,)


@transaction.atomic
def extension_request(
    *,
    problem: Problem,
    by: User,
    reason: str,
    new_due_date: date,
    version: int,
) -> ExtensionRequest:
    """Ask for a later due date; refused once the due date has passed (the due day itself is fine).

    A head asking approves their own step at once; the request then waits on the office.
    """
    problem = lock_problem(problem, version)
    refuse_unless(can_request_extension(by, problem), _("只有牵头单位的人员可以申请延期。"))
    refuse_unless_state(problem, EXTENDABLE_STATES, _("申请延期"))
    reason = require_text(reason, _("申请延期必须写明理由。"))
    assert problem.due_date is not None  # noqa: S101 - assigned problems have one (constraint)
    day = today()
    if day > problem.due_date:
        raise ApplicationError(
            _("办理时限%(d)s已过，不能再申请延期。") % {"d": date_cn(problem.due_date)},
            code="late",
        )
    if new_due_date <= problem.due_date:
        raise ApplicationError(
            _("申请延至的日期必须晚于当前办理时限%(d)s。") % {"d": date_cn(problem.due_date)},
            field="new_due_date",
        )
    date_check(new_due_date, label=_("申请延至"), field="new_due_date")
    if problem.extensions.filter(state__in=[E.PENDING_HEAD, E.PENDING_OFFICE]).exists():
        raise ApplicationError(_("该问题已有一份待审批的延期申请。"))
    extension = ExtensionRequest(
        problem=problem,
        requested_by=by,
        reason=reason,
        current_due_date=problem.due_date,
        new_due_date=new_due_date,
    )
    if by.role == User.Role.UNIT_HEAD:
        extension.state, extension.head_by, extension.head_at = E.PENDING_OFFICE, by, clock.now()
    full_clean_or_raise(extension)
    try:
        with transaction.atomic():
            extension.save()
    except IntegrityError as e:
        raise ApplicationError(_("该问题已有一份待审批的延期申请。")) from e
    record_event(
        problem,
        A.EXTENSION_REQUEST,
        by,
        note=_("申请延至%(d)s：%(r)s") % {"d": date_cn(new_due_date), "r": reason},
    )
    return extension


def _lock_extension(extension: ExtensionRequest, version: int | None) -> ExtensionRequest:
    return lock_version(
        ExtensionRequest,
        pk=extension.pk,
        version=version,
        label=pgettext("model name", "延期申请"),
        related=("problem",),
    )


def _save_extension(extension: ExtensionRequest, fields: list[str]) -> None:
    extension.version += 1
    extension.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def extension_approve(*, extension: ExtensionRequest, by: User, version: int) -> ExtensionRequest:
    """The next approval step: the unit head's, then the office's (which moves the due date)."""
    extension = _lock_extension(extension, version)
    problem = extension.problem
    if extension.state == E.PENDING_HEAD:
        refuse_unless(
            can_head_approve_extension(by, extension),
            _("延期申请须先由牵头单位负责人审批。"),
        )
        extension.state, extension.head_by, extension.head_at = E.PENDING_OFFICE, by, clock.now()
        _save_extension(extension, ["state", "head_by", "head_at"])
        record_event(problem, A.EXTENSION_HEAD, by)
        return extension
    if extension.state != E.PENDING_OFFICE:
        raise ApplicationError(
            _("延期申请当前状态为“%(s)s”，不能再审批。") % {"s": extension.get_state_display()},
            code="transition",
        )
    refuse_unless(
        can_office_approve_extension(by, extension),
        _("单位负责人已同意，延期申请须由推进办审批。"),
    )
    problem = lock_problem(problem, None)
    refuse_unless_state(problem, (S.ASSIGNED, S.FEEDBACK_SUBMITTED), _("延期"))
    extension.state, extension.office_by, extension.office_at = E.APPROVED, by, clock.now()
    _save_extension(extension, ["state", "office_by", "office_at"])
    # Keep original_due_date untouched: scoring counts lateness from it.
    problem.due_date = extension.new_due_date
    save_problem(problem, by, "extension approved", ["due_date"])
    record_event(
        problem,
        A.EXTENSION_APPROVE,
        by,
        note=_("办理时限由%(a)s延至%(b)s")
        % {"a": date_cn(extension.current_due_date), "b": date_cn(extension.new_due_date)},
    )
    extension_decided_event(extension)
    return extension


@transaction.atomic
def extension_reject(
    *, extension: ExtensionRequest, by: User, reason: str, version: int
) -> ExtensionRequest:
    """Refuse an extension at the head's or the office's step, with the reason."""
    extension = _lock_extension(extension, version)
    if extension.state == E.PENDING_HEAD:
        refuse_unless(
            can_head_approve_extension(by, extension), _("只有牵头单位负责人可以审批该延期申请。")
        )
        who_field, at_field = "head_by", "head_at"
    elif extension.state == E.PENDING_OFFICE:
        refuse_unless(
            can_office_approve_extension(by, extension), _("只有推进办可以审批该延期申请。")
        )
        who_field, at_field = "office_by", "office_at"
    else:
        raise ApplicationError(
            _("延期申请当前状态为“%(s)s”，不能再审批。") % {"s": extension.get_state_display()},
            code="transition",
        )
    reason = require_text(reason, _("不同意延期必须写明理由。"))
    extension.state, extension.reject_reason = E.REJECTED, reason
    setattr(extension, who_field, by)
    setattr(extension, at_field, clock.now())
    _save_extension(extension, ["state", "reject_reason", who_field, at_field])
    record_event(extension.problem, A.EXTENSION_REJECT, by, note=reason)
    extension_decided_event(extension)
    return extension

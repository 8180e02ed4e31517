"""挂牌督办: confirm or dismiss a suggested flag, flag directly, report progress, delist with
evidence and the office's approval, and mark flags past their deadline."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.dates import date_check
from duban.core.errors import ApplicationError
from duban.core.services import require
from duban.ledger.models import WorkItem
from duban.org.models import Unit, User
from duban.problems.models import Problem
from duban.supervision import events
from duban.supervision.models import Flag, FlagUpdate, PromptCounter, SupervisionSettings
from duban.supervision.services import locked
from duban.supervision.services.prompts import number_of, take_numbers


def _locked(flag: Flag, version: int) -> Flag:
    return locked(Flag, flag.pk, version, _("挂牌督办"))


def _require_terms(
    *, reason: str, actions: str, deadline: date | None, criteria: str, flagged_by: User | None
) -> tuple[date, User]:
    if not (reason.strip() and actions.strip() and criteria.strip()):
        raise ApplicationError(_("挂牌须写明原因、整改要求和摘牌标准。"), code="invalid")
    if deadline is None or deadline <= clock.today():
        raise ApplicationError(_("整改时限须晚于今天。"), code="invalid")
    date_check(deadline, label=_("整改时限"), field="deadline")
    if flagged_by is None or flagged_by.role != User.Role.LEADER:
        raise ApplicationError(_("挂牌领导须为区领导。"), code="invalid")
    return deadline, flagged_by


def _open(
    f: Flag, *, reason: str, actions: str, deadline: date, criteria: str, flagged_by: User
) -> Flag:
    """Open the flag; its 督办通知 takes the next number of the district's flag sequence."""
    conf = SupervisionSettings.load()
    today = clock.today()
    number_of(conf.flag_number_pattern, district=conf.district, year=today.year, n=1)
    (seq,) = take_numbers(PromptCounter.Series.FLAG, today.year, 1)
    f.number = number_of(conf.flag_number_pattern, district=conf.district, year=today.year, n=seq)
    f.state = Flag.State.OPEN
    f.reason, f.actions, f.criteria = reason.strip(), actions.strip(), criteria.strip()
    f.deadline, f.flagged_by, f.flagged_on = deadline, flagged_by, today
    f.version += 1
    f.save()
    events.flag_set(f)
    return f


@transaction.atomic
def flag_confirm(
    *,
    flag: Flag,
    reason: str,
    actions: str,
    deadline: date | None,
    criteria: str,
    flagged_by: User | None,
    version: int,
) -> Flag:
    """Confirm a suggested flag with its terms."""
    f = _locked(flag, version)
    if f.state != Flag.State.SUGGESTED:
        raise ApplicationError(_("只有建议挂牌的对象才能确认挂牌。"))
    deadline, flagged_by = _require_terms(
        reason=reason, actions=actions, deadline=deadline, criteria=criteria, flagged_by=flagged_by
    )
    return _open(
        f,
        reason=reason,
        actions=actions,
        deadline=deadline,
        criteria=criteria,
        flagged_by=flagged_by,
    )


@transaction.atomic
def flag_create(
    *,
    unit: Unit | None = None,
    work_item: WorkItem | None = None,
    problem: Problem | None = None,
    reason: str,
    actions: str,
    deadline: date | None,
    criteria: str,
    flagged_by: User | None,
) -> Flag:
    """Flag a unit, an item or a problem directly (not from a suggestion): exactly one of them.
    An item or problem is flagged on its lead unit. Refused while the same target has a flag
    suggested or under way."""
    targets = [t for t in (unit, work_item, problem) if t is not None]
    require(len(targets) == 1, _("请选择一个挂牌对象：单位、事项或问题。"), field="target")
    owner: int | None
    if work_item is not None:
        target, owner = Flag.Target.ITEM, work_item.lead_unit_id
    elif problem is not None:
        target, owner = Flag.Target.PROBLEM, problem.lead_unit_id
    else:
        target, owner = Flag.Target.UNIT, targets[0].pk
    if owner is None:
        raise ApplicationError(_("该问题尚未交办牵头单位，不能挂牌。"), field="target")
    unit_id: int = owner
    deadline, flagged_by = _require_terms(
        reason=reason, actions=actions, deadline=deadline, criteria=criteria, flagged_by=flagged_by
    )
    live = Flag.objects.filter(
        target=target,
        unit_id=unit_id,
        work_item=work_item,
        problem=problem,
        state__in=(Flag.State.SUGGESTED, Flag.State.OPEN, Flag.State.DELIST_REQUESTED),
    )
    require(not live.exists(), _("该对象已有建议挂牌或正在督办的挂牌。"), field="target")
    f = Flag(
        target=target,
        unit_id=unit_id,
        work_item=work_item,
        problem=problem,
        state=Flag.State.SUGGESTED,
        version=0,
    )
    return _open(
        f,
        reason=reason,
        actions=actions,
        deadline=deadline,
        criteria=criteria,
        flagged_by=flagged_by,
    )


@transaction.atomic
def flag_dismiss(*, flag: Flag, reason: str, version: int) -> Flag:
    """Dismiss a suggestion, with a reason."""
    f = _locked(flag, version)
    if f.state != Flag.State.SUGGESTED:
        raise ApplicationError(_("只有建议挂牌的对象才能不予挂牌。"))
    if not reason.strip():
        raise ApplicationError(_("不予挂牌须写明理由。"), code="invalid")
    f.state, f.reason = Flag.State.DISMISSED, reason.strip()
    f.version += 1
    f.save()
    return f


@transaction.atomic
def flag_report_progress(*, flag: Flag, by: User, text: str) -> FlagUpdate:
    """The flagged party reports progress on an open flag."""
    f = Flag.objects.select_for_update().get(pk=flag.pk)
    if not f.is_open:
        raise ApplicationError(_("该挂牌督办不在督办中。"))
    if not text.strip():
        raise ApplicationError(_("请填写进展情况。"), code="invalid")
    return FlagUpdate.objects.create(flag=f, at=clock.now(), by=by, text=text.strip())


@transaction.atomic
def flag_request_delist(*, flag: Flag, by: User, evidence: str, version: int) -> Flag:
    """The flagged party asks to be delisted; evidence against the criteria is required."""
    f = _locked(flag, version)
    if f.state != Flag.State.OPEN:
        raise ApplicationError(_("只有督办中的挂牌才能申请摘牌。"))
    if not evidence.strip():
        raise ApplicationError(_("申请摘牌须提供整改佐证。"), code="invalid")
    f.state, f.evidence = Flag.State.DELIST_REQUESTED, evidence.strip()
    f.version += 1
    f.save()
    return f


@transaction.atomic
def flag_delist(*, flag: Flag, by: User, approve: bool, note: str = "", version: int) -> Flag:
    """The office approves the delisting (摘牌) or sends it back to open with a note."""
    f = _locked(flag, version)
    if f.state != Flag.State.DELIST_REQUESTED:
        raise ApplicationError(_("只有已申请摘牌的挂牌才能审批。"))
    if approve:
        f.state, f.delisted_on = Flag.State.DELISTED, clock.today()
    else:
        if not note.strip():
            raise ApplicationError(_("不同意摘牌须写明理由。"), code="invalid")
        f.state = Flag.State.OPEN
        FlagUpdate.objects.create(flag=f, at=clock.now(), by=by, text=note.strip())
    f.version += 1
    f.save()
    return f


def flags_mark_missed(*, on: date | None = None) -> int:
    """Mark open flags past their deadline; they count against the unit's next card."""
    day = on or clock.today()
    return Flag.objects.filter(
        state__in=(Flag.State.OPEN, Flag.State.DELIST_REQUESTED),
        deadline__lt=day,
        deadline_missed=False,
    ).update(deadline_missed=True)

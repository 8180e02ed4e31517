"""Problems an office already keeps in a list (问题清单/销号清单), entered in their state.

A list carries problems that were reported, assigned and perhaps closed before the system
existed: they come in assigned with their own due date, or closed in the month they were
solved, with the dates the list gives, each step recorded as an event.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.core.dates import date_problem
from duban.core.errors import ApplicationError
from duban.core.formatting import join_clauses
from duban.core.periods import Period
from duban.core.services import full_clean_or_raise
from duban.ledger.models import WorkItem
from duban.ledger.scoping import work_items_in
from duban.org.models import Unit, User
from duban.org.scoping import scope_for
from duban.problems.models import (
    MAX_LEVEL,
    CoUnitResponse,
    Problem,
    ProblemEvent,
    ProblemSettings,
)
from duban.problems.permissions import can_register_problem
from duban.problems.services.base import record_event, today
from duban.problems.services.escalation import problem_put_on_next_meeting

logger = logging.getLogger(__name__)
S = Problem.State
A = ProblemEvent.Action


@dataclass
class ProblemEntry:
    """One problem as a list states it."""

    work_item: WorkItem
    title: str
    description: str
    category: str
    lead_unit: Unit
    reported_on: date
    due_date: date | None = None
    co_units: Sequence[Unit] = field(default_factory=list)
    level: int = 1
    source: str = Problem.Source.UNIT_REPORT
    progress: str = ""
    closed_on: date | None = None  # solved (销号) on this day


def problem_entry_check(
    *, by: User, entry: ProblemEntry, rules: ProblemSettings
) -> list[tuple[str, str]]:
    """Why the entry can't be registered, as (what it is about, reason) pairs: "lead_unit",
    "reported_on", "due_date", "closed_on", "level" or "co_units". Empty when it can."""
    reasons = []
    if not can_register_problem(by, entry.lead_unit.pk):
        reasons.append(
            (
                "lead_unit",
                _("只能导入本单位牵头的问题（该问题的责任单位是%(u)s）") % {"u": entry.lead_unit},
            )
        )
    day = today()
    if entry.reported_on > day:
        reasons.append(
            ("reported_on", _("提出时间%(d)s晚于今天") % {"d": entry.reported_on.isoformat()})
        )
    if entry.due_date is not None and entry.due_date < entry.reported_on:
        reasons.append(("due_date", _("办理时限早于提出时间")))
    if entry.closed_on is not None:
        if entry.closed_on < entry.reported_on:
            reasons.append(
                (
                    "closed_on",
                    _("销号时间%(c)s早于提出时间%(r)s")
                    % {"c": entry.closed_on.isoformat(), "r": entry.reported_on.isoformat()},
                )
            )
        if entry.closed_on > day:
            reasons.append(
                ("closed_on", _("销号时间%(d)s晚于今天") % {"d": entry.closed_on.isoformat()})
            )
    refused = {about for about, _reason in reasons}
    for about, label, value, happened in (
        ("reported_on", _("提出时间"), entry.reported_on, True),
        ("due_date", _("办理时限"), entry.due_date, False),
        ("closed_on", _("销号时间"), entry.closed_on, True),
    ):
        problem = None if about in refused else date_problem(value, label=label, happened=happened)
        if problem:
            reasons.append((about, problem))
    if not 1 <= entry.level <= min(rules.levels, MAX_LEVEL):
        reasons.append(("level", _("协调层级应在1到%(n)s级之间") % {"n": rules.levels}))
    if any(u.pk == entry.lead_unit.pk for u in entry.co_units):
        reasons.append(("co_units", _("责任单位不能同时是配合单位")))
    return reasons


@transaction.atomic
def problem_register(*, by: User, entry: ProblemEntry) -> Problem:
    """Enter a problem from an office's list: assigned (its due date kept as the original) or,
    when the list says it was solved, closed in that month. Raises ApplicationError with every
    reason it can't (out of the user's scope, dates out of order); writes nothing then."""
    rules = ProblemSettings.load()
    reasons = problem_entry_check(by=by, entry=entry, rules=rules)
    if not work_items_in(scope_for(by)).filter(pk=entry.work_item.pk).exists():
        reasons.append(("work_item", _("该台账事项不在您的范围内")))
    if reasons:
        raise ApplicationError(join_clauses(r for _f, r in reasons), code="forbidden")
    due = entry.due_date or entry.reported_on + timedelta(days=rules.default_due_days)
    problem = Problem(
        source=entry.source,
        work_item=entry.work_item,
        category=entry.category,
        title=entry.title[:200],
        description=entry.description,
        reported_by=by,
        reporting_unit=by.unit if by.role in (User.Role.REPORTER, User.Role.UNIT_HEAD) else None,
        reported_on=entry.reported_on,
        lead_unit=entry.lead_unit,
        level=entry.level,
        due_date=due,
        original_due_date=due,
        state=S.ASSIGNED,
    )
    if entry.closed_on is not None:
        closed_at = timezone.make_aware(datetime.combine(entry.closed_on, time(12)))
        period = Period(entry.closed_on.year, entry.closed_on.month)
        problem.state = S.CLOSED
        problem.resolution = entry.progress.strip() or str(_("已解决（按问题清单导入）"))
        problem.verified_at = problem.closed_at = closed_at
        problem.close_year, problem.close_month = period.year, period.month
    full_clean_or_raise(problem)
    problem._history_user = by  # type: ignore[attr-defined]
    problem._change_reason = "import"  # type: ignore[attr-defined]
    problem.save()
    problem.co_units.set(entry.co_units)
    note = _("从问题清单导入（提出时间%(d)s）") % {"d": entry.reported_on.isoformat()}
    record_event(problem, A.REPORT, by, note=note)
    assign_note = entry.progress.strip() if problem.state == S.ASSIGNED else ""
    record_event(problem, A.ASSIGN, by, from_state=S.ACCEPTED, note=assign_note)
    if problem.state == S.CLOSED:
        assert entry.closed_on is not None  # noqa: S101 - the state says so
        record_event(
            problem,
            A.CLOSE,
            by,
            from_state=S.ASSIGNED,
            note=_("销号时间%(d)s") % {"d": entry.closed_on.isoformat()},
        )
    else:
        answer_by = today() + timedelta(days=rules.co_unit_answer_days)
        CoUnitResponse.objects.bulk_create(
            CoUnitResponse(problem=problem, unit=u, due_date=answer_by) for u in entry.co_units
        )
        problem_put_on_next_meeting(problem=problem)
    logger.info(
        "problem.registered",
        extra={"problem_id": problem.pk, "by": by.pk, "state": problem.state},
    )
    return problem

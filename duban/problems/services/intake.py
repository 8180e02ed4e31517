"""A problem coming in: reported, then triaged by the office (accepted, rejected or merged)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.formatting import join_items
from duban.core.services import full_clean_or_raise
from duban.ledger.scoping import work_items_in
from duban.org.models import User
from duban.org.scoping import scope_for
from duban.problems.models import OPEN_STATES, Problem, ProblemEvent, ProblemSettings
from duban.problems.permissions import (
    can_merge_problem,
    can_reject_problem,
    can_report_problem,
    can_triage_problem,
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
        and not work_items_in(scope).filter(pk=problem.work_item_id).exists()
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
        problem.plan_due_at = clock.now() + wait
    full_clean_or_raise(problem)
    problem._history_user = by  # type: ignore[attr-defined]
    problem.save()
    record_event(problem, A.REPORT, by)
    logger.info("problem.reported", extra={"problem_id": problem.pk, "by": by.pk})
    return problem


@transaction.atomic
def problem_accept(*, problem: Problem, by: User, version: int, note: str = "") -> Problem:
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
def problem_reject(*, problem: Problem, by: User, reason: str, version: int) -> Problem:
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
    *, problem: Problem, into: Problem, by: User, version: int, note: str = ""
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

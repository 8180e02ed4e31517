"""Writes of the liaison app: visits, and a finding turned into a problem in one step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core.errors import ApplicationError
from duban.core.formatting import join_items
from duban.core.services import full_clean_or_raise, refuse_unless
from duban.ledger.scoping import work_items_in
from duban.liaison.models import Visit
from duban.liaison.permissions import can_log_visit, can_raise_from_visit
from duban.org.models import Enterprise, User
from duban.org.scoping import scope_for
from duban.problems.models import Problem
from duban.problems.services import problem_report

VISIT_FIELDS = {"date", "work_item", "enterprise", "findings"}


@transaction.atomic
def visit_log(*, by: User, data: Mapping[str, Any], visitor: User | None = None) -> Visit:
    """Record a visit to an item or enterprise in the visitor's scope."""
    refuse_unless(can_log_visit(by), _("只有项目管家、区领导或推进办可以登记走访。"))
    unknown = set(data) - VISIT_FIELDS
    if unknown:
        raise ApplicationError(_("不能填写这些字段：%(f)s") % {"f": join_items(sorted(unknown))})
    refuse_unless(visitor is None or visitor.pk == by.pk or by.is_office, _("只能登记本人的走访。"))
    visit = Visit(visitor=visitor or by, **data)
    scope = scope_for(visit.visitor)
    if visit.work_item_id and not work_items_in(scope).filter(pk=visit.work_item_id).exists():
        raise ApplicationError(_("该台账事项不在走访人的范围内。"), field="work_item")
    if (
        visit.enterprise_id
        and not visit.work_item_id
        and not Enterprise.objects.filter(scope.enterprises_q(), pk=visit.enterprise_id).exists()
    ):
        raise ApplicationError(_("该企业不在走访人的包联或服务范围内。"), field="enterprise")
    full_clean_or_raise(visit)
    visit.save()
    return visit


@transaction.atomic
def visit_raise_problem(*, visit: Visit, by: User, data: Mapping[str, Any]) -> Problem:
    """Turn one finding of a visit into a reported problem on the same item or enterprise.

    The source follows the visit: a steward's visit → 管家走访; an enterprise visited without an
    item → 企业诉求; otherwise 领导交办.
    """
    refuse_unless(can_raise_from_visit(by, visit), _("只有走访人或推进办可以把走访发现转为问题。"))
    fields = dict(data)
    if "source" not in fields:
        if visit.visitor.role == User.Role.STEWARD:
            fields["source"] = Problem.Source.STEWARD_VISIT
        elif visit.enterprise_id and not visit.work_item_id:
            fields["source"] = Problem.Source.DEMAND
        else:
            fields["source"] = Problem.Source.LEADER
    fields.setdefault("work_item", visit.work_item)
    fields.setdefault("enterprise", visit.enterprise)
    fields["visit"] = visit
    return problem_report(by=by, data=fields)

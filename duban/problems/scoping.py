"""What a user's scope reaches among problems."""

from __future__ import annotations

from django.db.models import Q

from duban.ledger.scoping import work_items_in
from duban.org.scoping import Scope
from duban.problems.models import AgendaItem, Problem


def problems_q(scope: Scope) -> Q:
    """A filter on Problem: led or co-operated by a unit in scope, reported by the user or
    their units, hanging off an item or enterprise in scope, or on the agenda of a meeting the
    user chairs (the chair answers for the whole agenda)."""
    if scope.everything:
        return Q()
    if scope.user_id is None:
        return Q(pk__in=[])
    co_unit_problems = Problem.co_units.through.objects.filter(unit_id__in=scope.unit_ids).values(
        "problem_id"
    )
    chaired = AgendaItem.objects.filter(
        meeting__chair_id=scope.user_id, problem__isnull=False
    ).values("problem_id")
    return (
        Q(lead_unit_id__in=scope.unit_ids)
        | Q(pk__in=chaired)
        | Q(pk__in=co_unit_problems)
        | Q(reporting_unit_id__in=scope.unit_ids)
        | Q(reported_by_id=scope.user_id)
        | Q(work_item__in=work_items_in(scope).values("pk"))
        | Q(enterprise_id__in=scope.enterprise_ids)
    )

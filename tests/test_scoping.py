"""Each role sees its scope and nothing else (DOMAIN §2)."""

from __future__ import annotations

import pytest

from duban.ledger.selectors import work_item_list
from duban.org.scoping import scope_for
from duban.org.selectors import unit_list

EXPECTED_ITEMS = {
    "office": {"item_a", "item_b", "item_c", "item_x", "task_a"},
    # 分管 A: A's items, A as co-unit, and A1 below A
    "leader": {"item_a", "item_b", "task_a"},
    "head_a": {"item_a", "item_b", "task_a"},
    "reporter_a": {"item_a", "item_b", "task_a"},
    "reporter_b": {"item_b", "item_c", "item_x"},
    "head_b": {"item_b", "item_c", "item_x"},
    "steward": {"item_c"},
    "viewer": {"item_b", "item_c", "item_x"},
}


@pytest.mark.parametrize("role", sorted(EXPECTED_ITEMS))
def test_work_item_list_returns_exactly_the_role_scope(district, role):
    # given
    user = district.users()[role]
    names = {k: getattr(district, k).pk for k in ("item_a", "item_b", "item_c", "item_x", "task_a")}
    # when
    seen = set(work_item_list(user=user).values_list("pk", flat=True))
    # then
    assert seen == {names[k] for k in EXPECTED_ITEMS[role]}


def test_inactive_user_sees_nothing(district):
    district.office.is_active = False
    assert not work_item_list(user=district.office).exists()


def test_expired_responsibility_gives_no_scope(district):
    resp = district.leader.responsibilities.get()
    resp.start_date = resp.end_date = None
    from datetime import date

    resp.end_date = date(2023, 12, 31)
    resp.save()
    assert not work_item_list(user=district.leader).exists()


def test_unit_list_for_reporter_is_own_unit_tree_and_lead_units(district):
    seen = set(unit_list(user=district.reporter_a).values_list("code", flat=True))
    assert seen == {"a", "a1", "b"}  # b: lead unit of item_b, where A is a co-unit


def test_scope_of_office_is_everything(district):
    assert scope_for(district.office).everything


def test_item_responsibility_and_lead_leader_extend_a_leaders_scope(district):
    # given: a second leader with 包联 of item_x and 牵头 of item_c
    from duban.ledger.models import WorkItem
    from duban.org.models import Responsibility
    from tests import factories as f

    other = f.UserFactory(role="leader", unit=None)
    f.ResponsibilityFactory(
        leader=other, work_item=district.item_x, relation=Responsibility.Relation.LIAISON
    )
    WorkItem.objects.filter(pk=district.item_c.pk).update(lead_leader=other)
    # when
    seen = set(work_item_list(user=other).values_list("pk", flat=True))
    # then
    assert seen == {district.item_x.pk, district.item_c.pk}


def test_enterprise_scope_follows_liaison_and_visible_projects(district):
    from duban.org.models import Responsibility
    from duban.org.selectors import enterprise_list
    from tests import factories as f

    liaison = f.EnterpriseFactory()
    f.ResponsibilityFactory(
        leader=district.leader, enterprise=liaison, relation=Responsibility.Relation.LIAISON
    )
    seen = set(enterprise_list(user=district.leader))
    assert liaison in seen
    assert district.item_a.project.owner in seen  # owner of a project in scope
    assert district.item_x.project.owner not in seen


def test_responsibility_needs_exactly_one_target(district):
    from django.db import IntegrityError, transaction

    from duban.org.models import Responsibility

    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(leader=district.leader, relation="contact")
    with pytest.raises(IntegrityError), transaction.atomic():
        Responsibility.objects.create(
            leader=district.leader,
            relation="contact",
            unit=district.unit_a,
            work_item=district.item_a,
        )


def test_scopes_primed_together_are_each_users_own_in_a_fixed_number_of_queries(
    district, django_assert_num_queries
):
    # given: every role's user, fresh from the database (no scope kept yet), twice over
    from duban.org.models import User
    from duban.org.scoping import scopes_prime

    pks = [u.pk for u in district.users().values()]
    alone = {u.pk: scope_for(u) for u in User.objects.filter(pk__in=pks)}
    together = list(User.objects.filter(pk__in=pks))
    # when: one query for the responsibilities, one tree walk for every unit
    with django_assert_num_queries(2):
        scopes_prime(together)
    # then: each the scope it has alone (a unit's tree, a leader's responsibilities, everything)
    assert {u.pk: scope_for(u) for u in together} == alone
    assert alone[district.leader.pk].unit_ids  # from the leader's responsibility
    assert len(alone[district.reporter_a.pk].unit_ids) == 2  # A and A1 below it
    assert alone[district.office.pk].everything

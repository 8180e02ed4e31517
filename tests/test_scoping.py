"""Each role sees its scope and nothing else (DOMAIN §2)."""

from __future__ import annotations

import pytest

from duban.ledger.selectors import unit_list, work_item_list
from duban.org.scoping import scope_for

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

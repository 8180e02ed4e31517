"""Every role against its scope through the pages: the ledger list shows exactly the items in
scope, their pages open, and every other item answers 404 like a missing one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.test_scoping import EXPECTED_ITEMS

ITEMS = ("item_a", "item_b", "item_c", "item_x", "task_a")


@pytest.mark.parametrize("role", sorted(EXPECTED_ITEMS))
def test_each_role_sees_its_scope_in_the_pages(district, login, role):
    # given
    client = login(district.users()[role])
    # when
    listing = client.get(reverse("ledger:list") + "?year=2024").content.decode()
    # then
    for name in ITEMS:
        item = getattr(district, name)
        page = client.get(reverse("ledger:item", args=[item.pk]))
        if name in EXPECTED_ITEMS[role]:
            assert item.title in listing, (role, name)
            assert page.status_code == 200, (role, name)
        else:
            assert item.title not in listing, (role, name)
            assert page.status_code == 404, (role, name)
    assert client.get(reverse("ledger:item", args=[999999])).status_code == 404

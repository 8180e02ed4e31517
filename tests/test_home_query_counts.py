"""Every home page and the battle map in a fixed number of queries (issue 12, Speed): the same
count for a district of 500 items as for one of a few, as every role."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.ledger.models import WorkItem
from duban.org.models import User
from duban.reporting.models import MonthlyReport
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")
HANDED = datetime(2024, 1, 10, tzinfo=SH)
LIMIT = 40  # the most any of these pages may take, whatever the district's size


def _add_items(district, n: int, start: int) -> None:
    """`n` handed-out tasks of units A and B (half of them the steward's), each with a
    submitted March report and a draft for February; written in bulk."""
    units = (district.unit_a, district.unit_b)
    items = WorkItem.objects.bulk_create(
        WorkItem(
            year=2024,
            kind=WorkItem.Kind.TASK,
            title=f"批量工作{start + i:04d}",
            content_scale="建设内容",
            lead_unit=units[i % 2],
            level=WorkItem.Level.DISTRICT,
            status=WorkItem.Status.ACTIVE,
            handed_out_at=HANDED,
            steward=district.steward if i % 4 < 2 else None,
        )
        for i in range(n)
    )
    state_of = MonthlyReport.State
    MonthlyReport.objects.bulk_create(
        MonthlyReport(
            work_item=item,
            year=2024,
            month=month,
            state=state,
            investment_month=Decimal(10),
            progress_text="推进中",
        )
        for item in items
        for month, state in ((2, state_of.DRAFT), (3, state_of.SUBMITTED))
    )


def _counts(district, login, principal) -> dict[str, int]:
    pages = [
        ("home", reverse("web:home")),
        ("battle map", reverse("web:battle_map")),
        ("battle map, red", reverse("web:battle_map") + "?light=red"),
    ]
    users = (
        district.office,
        district.leader,
        principal,
        district.head_a,
        district.reporter_a,
        district.steward,
        district.viewer,
    )
    out = {}
    for user in users:
        client = login(user)
        for name, url in pages:
            assert client.get(url).status_code == 200  # the first view fills the caches
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            out[f"{user.username}: {name}"] = len(captured)
    return out


def test_every_home_and_the_battle_map_cost_the_same_queries_for_500_items(district, login):
    principal = f.UserFactory(username="principal", role=User.Role.LEADER, principal=True)
    _add_items(district, 6, 0)
    small = _counts(district, login, principal)
    # when: the district grows to 500 items
    _add_items(district, 500 - WorkItem.objects.count(), 100)
    assert WorkItem.objects.count() == 500
    large = _counts(district, login, principal)
    # then: no page's count grows, and each stays within the limit
    assert large == small
    assert max(large.values()) <= LIMIT, large

"""The plausible range of every date a person writes (duban.core.dates), its message, and the
writes that keep it: nothing is saved when a day is refused."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from duban.core.dates import date_problem, latest_day
from duban.core.errors import ApplicationError
from duban.ledger.services import milestone_create, work_item_update
from duban.org.models import Responsibility
from duban.org.services import responsibility_create
from duban.transfer.imports.plan_checks import item_dates_check
from duban.transfer.imports.rows import RowInput


def test_date_problem_keeps_2000_to_ten_years_ahead(today):
    # given today is 2024-04-03
    # then: the window's edges are accepted, one day beyond them refused
    assert latest_day() == date(2034, 12, 31)
    assert date_problem(date(2000, 1, 1), label="完成时限") is None
    assert date_problem(date(2034, 12, 31), label="完成时限") is None
    assert date_problem(None, label="完成时限") is None
    assert date_problem(date(1999, 12, 31), label="完成时限") == (
        "完成时限1999-12-31不在合理范围内：应在2000年1月1日至2034年12月31日之间。"
    )
    assert "2035-01-01" in (date_problem(date(2035, 1, 1), label="完成时限") or "")
    assert date_problem(date(1, 1, 1), label="完成时限")
    assert date_problem(date(9999, 12, 31), label="完成时限")


def test_date_problem_for_what_happened_ends_today(today):
    assert date_problem(date(2024, 4, 3), label="开工日期", happened=True) is None
    assert date_problem(date(2024, 4, 4), label="开工日期", happened=True) == (
        "开工日期2024-04-04不在合理范围内：应在2000年1月1日至今天（2024年4月3日）之间。"
    )
    assert date_problem(date(1, 1, 1), label="开工日期", happened=True)


def test_date_problem_speaks_english(today, settings):
    from django.utils import translation

    with translation.override("en"):
        message = date_problem(date(9999, 12, 31), label="Deadline") or ""
    assert "9999-12-31" in message
    assert "2034" in message
    assert "不在" not in message


def test_work_item_update_refuses_an_absurd_plan_or_start(district):
    item = district.item_a
    for data in (
        {"planned_finish": date(9999, 12, 31)},
        {"planned_start": date(1, 1, 1)},
        {"actual_start": date(1999, 12, 31)},
    ):
        with pytest.raises(ApplicationError, match="不在合理范围内") as refused:
            work_item_update(item=item, version=item.version, data=data)
        assert refused.value.field == next(iter(data))
    item.refresh_from_db()
    assert (item.version, item.planned_finish, item.actual_start) == (1, None, None)


def test_milestone_create_refuses_a_plan_in_year_9999(district):
    with pytest.raises(ApplicationError, match="计划完成日期9999-12-31不在合理范围内"):
        milestone_create(
            item=district.item_a, data={"name": "竣工验收", "planned_date": date(9999, 12, 31)}
        )
    assert not district.item_a.milestones.exists()


def test_responsibility_create_refuses_an_absurd_start(district):
    with pytest.raises(ApplicationError, match="起始日期0001-01-01"):
        responsibility_create(
            leader=district.leader,
            relation=Responsibility.Relation.IN_CHARGE,
            unit=district.unit_b,
            start_date=date(1, 1, 1),
        )
    assert not Responsibility.objects.filter(unit=district.unit_b, leader=district.leader)


def test_the_ledger_import_puts_an_absurd_date_on_its_row(district):
    ri = RowInput(
        sheet="台账",
        row=5,
        kind="project",
        name="x",
        code=None,
        lead_unit="",
        co_units=[],
        leader="",
        owner="",
    )
    item_dates_check(ri, {"planned_finish": date(2099, 1, 1), "actual_start": None}, None)
    assert [(i.level, i.reason) for i in ri.issues] == [
        ("error", "计划完成时间2099-01-01不在合理范围内：应在2000年1月1日至2034年12月31日之间。")
    ]


def test_the_item_page_refuses_a_finish_in_year_9999_and_keeps_the_item(district, login):
    from tests.test_pages_ledger import edit_post

    item = district.item_a
    client = login(district.office)
    response = client.post(
        reverse("ledger:edit", args=[item.pk]),
        edit_post(item, title="新名称", planned_finish="9999-12-31"),
    )
    assert response.status_code == 200
    assert "计划完成时间9999-12-31不在合理范围内" in response.content.decode()
    item.refresh_from_db()
    assert (item.title, item.planned_finish, item.version) == ("发改项目甲", None, 1)


def test_the_visit_page_refuses_a_visit_before_2000(district, login):
    client = login(district.steward)
    response = client.post(
        "/liaison/", {"date": "1999-12-31", "work_item": district.item_c.pk, "findings": "树木移植"}
    )
    assert response.status_code == 200
    assert "走访日期1999-12-31不在合理范围内" in response.content.decode()
    assert not district.steward.visits.exists()

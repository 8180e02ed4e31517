"""The year overview: counts, investment against 序时, and the month it is as of."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from duban.core.periods import Period
from duban.reporting.selectors import figures_period_default, year_overview
from tests import factories as f


def test_past_year_overview_defaults_to_latest_reported_month(district):
    old = f.WorkItemFactory(year=2023, lead_unit=district.unit_a)
    f.ReportFactory(work_item=old, year=2023, month=5)
    f.ReportFactory(work_item=old, year=2023, month=7, state="draft")  # not counted
    assert figures_period_default(2023, user=district.office) == Period(2023, 5)
    assert figures_period_default(2022, user=district.office) == Period(2022, 12)
    assert figures_period_default(2024, user=district.office) == Period(2024, 3)


def test_overview_figures_as_of_chosen_month(district):
    # given: 12000 planned on each of 4 projects; January and March reported on item_a
    f.ReportFactory(work_item=district.item_a, month=1, investment_month=Decimal("1000"))
    f.ReportFactory(work_item=district.item_a, month=3, investment_month=Decimal("500"))
    # when
    jan = year_overview(user=district.office, year=2024, period=Period(2024, 1))
    mar = year_overview(user=district.office, year=2024, period=Period(2024, 3))
    # then
    assert jan.annual_plan == mar.annual_plan == Decimal("48000")
    assert jan.completed == Decimal("1000") and mar.completed == Decimal("1500")
    assert mar.completion_pct == Decimal("1500") * 100 / Decimal("48000")
    assert mar.time_progress_pct == Decimal(25)
    row = next(r for r in mar.units if r.unit == district.unit_a)
    assert (row.expected, row.submitted, row.missing) == (3, 2, 1)


def test_overview_page_takes_a_month(district, login):
    html = (
        login(district.office).get(reverse("web:overview") + "?year=2024&month=2").content.decode()
    )
    assert "截至2024年2月" in html


def test_overview_leader_sees_only_their_scope(district):
    overview = year_overview(user=district.leader, year=2024, period=Period(2024, 3))
    assert {r.unit for r in overview.units} == {district.unit_a, district.unit_b, district.unit_a1}
    assert overview.kinds == {"project": 2, "task": 1}

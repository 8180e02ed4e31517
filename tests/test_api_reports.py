"""/api/v1/reports and /api/v1/work-items/{id}/reports: state, amounts and derived figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from duban.org.services import api_token_create
from duban.reporting.models import IndicatorValue, MonthlyReport, ReportMilestone
from duban.reporting.selectors.progress import PROGRESS_QUERIES, REFRESH_QUERIES
from tests import factories as f

S = MonthlyReport.State


@pytest.fixture
def office_api(district) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=district.office)}")


@pytest.fixture
def item_reports(district):
    item = district.item_a
    return {
        1: f.ReportFactory(work_item=item, month=1, investment_month=Decimal("1000")),
        2: f.ReportFactory(
            work_item=item, month=2, investment_month=Decimal("2000"), state=S.ACCEPTED
        ),
        3: f.ReportFactory(
            work_item=item,
            month=3,
            investment_month=Decimal("5000"),
            state=S.DRAFT,
            submitted_at=None,
            first_submitted_at=None,
        ),
    }


def test_api_report_detail_derives_exact_figures(district, office_api, item_reports):
    # when
    response = office_api.get(f"/api/v1/reports/{item_reports[2].pk}")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "accepted"
    assert body["period"] == "2024-02"
    assert body["investment_month"] == "2000.0000"
    assert body["figures"] == {
        "period": "2024-02",
        "investment_month": "2000.0000",
        "ytd_investment": "3000.0000",
        "since_start": "3000.0000",
        "completion_pct": "25.0000",
        "time_progress_pct": "16.6667",
        "gap_pp": "8.3333",
        "gap_text": "超序时进度8.3个百分点",
        "uses_plan_curve": False,
    }
    assert body["work_item"]["id"] == district.item_a.pk
    assert body["submitted_at"] == "2024-04-03T02:00:00Z"


def test_api_report_draft_does_not_count_in_its_own_figures(district, office_api, item_reports):
    body = office_api.get(f"/api/v1/reports/{item_reports[3].pk}").json()
    assert body["state"] == "draft"
    assert body["investment_month"] == "5000.0000"  # as filled in
    assert body["figures"]["investment_month"] is None  # not counted
    assert body["figures"]["ytd_investment"] == "3000.0000"
    assert body["figures"]["completion_pct"] == "25.0000"
    assert body["figures"]["time_progress_pct"] == "25.0000"  # 3/12
    assert body["figures"]["gap_pp"] == "0.0000"
    assert body["submitted_at"] is None


def test_api_report_detail_lists_indicator_values_and_nodes(district, office_api):
    # given
    indicator = district.task_a.indicators.get()
    milestone = f.MilestoneFactory(work_item=district.task_a, name="方案印发")
    report = f.ReportFactory(work_item=district.task_a, month=3, investment_month=None)
    IndicatorValue.objects.create(
        report=report, indicator=indicator, value=Decimal("37.5"), note="一季度"
    )
    ReportMilestone.objects.create(report=report, milestone=milestone, reached_on=date(2024, 3, 20))
    # when
    body = office_api.get(f"/api/v1/reports/{report.pk}").json()
    # then
    assert body["indicator_values"] == [
        {
            "indicator_id": indicator.pk,
            "name": "新增市场主体",
            "unit_of_measure": "个",
            "target": "100.0000",
            "value": "37.5000",
            "note": "一季度",
        }
    ]
    assert body["milestones_reached"] == [
        {"milestone_id": milestone.pk, "name": "方案印发", "reached_on": "2024-03-20"}
    ]
    assert body["investment_month"] is None
    assert body["figures"]["completion_pct"] is None  # a task has no annual plan


def test_api_work_item_reports_lists_that_item_only(district, office_api, item_reports):
    f.ReportFactory(work_item=district.item_b, month=3)
    response = office_api.get(f"/api/v1/work-items/{district.item_a.pk}/reports")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [r["month"] for r in body["items"]] == [3, 2, 1]  # newest first
    assert [r["figures"]["ytd_investment"] for r in body["items"]] == [
        "3000.0000",
        "3000.0000",
        "1000.0000",
    ]


def test_api_reports_filters(district, office_api, item_reports):
    # given
    other = f.ReportFactory(work_item=district.item_b, month=3)
    last_year = f.ReportFactory(
        work_item=f.WorkItemFactory(lead_unit=district.unit_b, year=2023), year=2023, month=12
    )

    def ids(**params):
        response = office_api.get("/api/v1/reports", params)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["items"]}

    # then
    assert ids(year=2023) == {last_year.pk}
    assert ids(year=2024, month=3) == {item_reports[3].pk, other.pk}
    assert ids(unit=district.unit_a.pk) == {r.pk for r in item_reports.values()}
    assert ids(state="draft") == {item_reports[3].pk}
    assert ids(year=2024, state="submitted") == {item_reports[1].pk, other.pk}


@pytest.mark.parametrize(
    "params", [{"month": 13}, {"month": 0}, {"state": "gone"}, {"year": "x"}, {"page_size": 9999}]
)
def test_api_reports_bad_query_answers_422(district, office_api, params):
    response = office_api.get("/api/v1/reports", params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == next(iter(params))


def test_api_reports_pagination(district, office_api, item_reports):
    first = office_api.get("/api/v1/reports", {"page_size": 2}).json()
    second = office_api.get("/api/v1/reports", {"page_size": 2, "page": 2}).json()
    assert first["count"] == second["count"] == 3
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1


def test_api_reports_query_count_does_not_grow_with_the_page(
    district, office_api, django_assert_max_num_queries
):
    for _n in range(30):
        item = f.WorkItemFactory(lead_unit=district.unit_b)
        for month in (1, 2, 3):
            f.ReportFactory(work_item=item, month=month)
    office_api.get("/api/v1/me")
    # auth (+ scope), count, reports, and the progress core's fixed batch per month (3): the
    # first read judges and keeps each open month's items, the next reads them
    with django_assert_max_num_queries(7 + 3 * REFRESH_QUERIES):
        response = office_api.get("/api/v1/reports", {"page_size": 500})
    with django_assert_max_num_queries(7 + 3 * PROGRESS_QUERIES):
        response = office_api.get("/api/v1/reports", {"page_size": 500})
    assert response.json()["count"] == 90

"""/api/v1/work-items: filters, pagination, exact figures, a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from duban.ledger.models import FundingSource, WorkItem
from duban.ledger.services import funding_set, work_item_set_plan_curve
from duban.org.services import api_token_create
from duban.reporting.models import MonthlyReport
from duban.reporting.selectors.progress import PROGRESS_QUERIES, REFRESH_QUERIES
from tests import factories as f

S = MonthlyReport.State


@pytest.fixture
def office_api(district) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=district.office)}")


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.fixture
def reported(district):
    """item_a: plan 12000; Jan 1000 and Feb 2000 submitted, March a draft that must not count."""
    f.ReportFactory(work_item=district.item_a, month=1, investment_month=Decimal("1000"))
    f.ReportFactory(
        work_item=district.item_a, month=2, investment_month=Decimal("2000"), state=S.ACCEPTED
    )
    f.ReportFactory(
        work_item=district.item_a, month=3, investment_month=Decimal("5000"), state=S.DRAFT
    )
    return district.item_a


def _figures_of(response, item: WorkItem) -> dict:
    assert response.status_code == 200, response.content
    return next(i for i in response.json()["items"] if i["id"] == item.pk)["figures"]


def test_api_work_items_figures_are_exact_decimal_strings(district, office_api, reported):
    # when: the default period on 2024-04-03 is March
    response = office_api.get("/api/v1/work-items", {"year": 2024})
    # then
    assert response.json()["period"] == "2024-03"
    figures = _figures_of(response, reported)
    assert figures == {
        "period": "2024-03",
        "investment_month": None,  # March is only a draft
        "ytd_investment": "3000.0000",
        "since_start": "3000.0000",
        "completion_pct": "25.0000",
        "time_progress_pct": "25.0000",  # 3/12
        "gap_pp": "0.0000",
        "gap_text": "与序时进度持平",
        "uses_plan_curve": False,
    }
    item = next(i for i in response.json()["items"] if i["id"] == reported.pk)
    assert item["annual_plan"] == "12000.0000"


def test_api_work_items_figures_for_an_earlier_period(district, office_api, reported):
    response = office_api.get("/api/v1/work-items", {"year": 2024, "period": "2024-02"})
    figures = _figures_of(response, reported)
    assert figures["investment_month"] == "2000.0000"
    assert figures["ytd_investment"] == "3000.0000"
    assert figures["completion_pct"] == "25.0000"
    assert figures["time_progress_pct"] == "16.6667"  # 2/12, rounded half-up only on output
    assert figures["gap_pp"] == "8.3333"
    assert figures["gap_text"] == "超序时进度8.3个百分点"


def test_api_work_items_figures_follow_the_plan_curve(district, office_api, reported):
    # given: nothing planned until April
    work_item_set_plan_curve(
        item=reported,
        version=reported.version,
        amounts=[Decimal(0)] * 3 + [Decimal(1500)] * 7 + [Decimal(750)] * 2,
    )
    # when
    response = office_api.get("/api/v1/work-items", {"year": 2024, "period": "2024-04"})
    # then: 序时 = 1500 / 12000 = 12.5%, completion 3000 / 12000 = 25%
    figures = _figures_of(response, reported)
    assert figures["uses_plan_curve"] is True
    assert figures["time_progress_pct"] == "12.5000"
    assert figures["gap_pp"] == "12.5000"


def test_api_work_items_since_start_adds_prior_years(district, office_api, reported):
    WorkItem.objects.filter(pk=reported.pk).update(prior_cumulative=Decimal("1234.5"))
    figures = _figures_of(office_api.get("/api/v1/work-items"), reported)
    assert figures["since_start"] == "4234.5000"


def test_api_work_items_of_another_year_have_no_figures(district, office_api):
    # given
    old = f.WorkItemFactory(lead_unit=district.unit_a, year=2023)
    # when
    response = office_api.get("/api/v1/work-items", {"period": "2024-03"})
    # then
    items = {i["id"]: i for i in response.json()["items"]}
    assert items[old.pk]["figures"] is None
    assert items[district.item_a.pk]["figures"]["period"] == "2024-03"


def test_api_work_items_default_period_for_a_past_year_is_december(district, office_api):
    response = office_api.get("/api/v1/work-items", {"year": 2023})
    assert response.json()["period"] == "2023-12"


@pytest.mark.parametrize(
    "params",
    [
        {"period": "2024-13"},
        {"period": "2024-3"},
        {"period": "March"},
        {"period": "0001-03"},
        {"level": "galactic"},
        {"kind": "dream"},
        {"status": "lost"},
        {"year": "twenty"},
        {"unit": "a"},
        {"page": 0},
        {"page_size": 501},
        {"page_size": 0},
    ],
)
def test_api_work_items_bad_query_answers_422(district, office_api, params):
    response = office_api.get("/api/v1/work-items", params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail
    if isinstance(detail, list):
        assert detail[0]["loc"][-1] == next(iter(params))


def test_api_work_items_filters(district, office_api):
    # given
    d = district
    WorkItem.objects.filter(pk=d.item_b.pk).update(level=WorkItem.Level.CITY)
    WorkItem.objects.filter(pk=d.item_c.pk).update(category=WorkItem.Category.NEW)
    WorkItem.objects.filter(pk=d.item_x.pk).update(status=WorkItem.Status.DONE)
    d.item_x.project.stage = "completed"
    d.item_x.project.save()
    old = f.WorkItemFactory(lead_unit=d.unit_a, year=2023)
    get = office_api.get
    # then
    assert _ids(get("/api/v1/work-items", {"year": 2023})) == {old.pk}
    assert _ids(get("/api/v1/work-items", {"year": 2024, "unit": d.unit_a.pk})) == {
        d.item_a.pk,
        d.item_b.pk,  # A is a co-unit
    }
    assert _ids(get("/api/v1/work-items", {"level": "city"})) == {d.item_b.pk}
    assert _ids(get("/api/v1/work-items", {"kind": "task"})) == {d.task_a.pk}
    assert _ids(get("/api/v1/work-items", {"category": "new"})) == {d.item_c.pk}
    assert _ids(get("/api/v1/work-items", {"stage": "completed"})) == {d.item_x.pk}
    assert _ids(get("/api/v1/work-items", {"status": "done"})) == {d.item_x.pk}
    assert _ids(get("/api/v1/work-items", {"q": "住建项目"})) == {
        d.item_b.pk,
        d.item_c.pk,
        d.item_x.pk,
    }
    assert _ids(get("/api/v1/work-items", {"q": d.item_a.project.code})) == {d.item_a.pk}
    assert _ids(get("/api/v1/work-items", {"year": 2024, "unit": d.unit_b.pk, "q": "丙"})) == {
        d.item_c.pk
    }


def test_api_work_items_filters_stay_in_scope(district):
    # A unit filter never widens the scope: B's reporter asking for A's items sees only the
    # item B leads with A as co-unit.
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=district.reporter_b)}")
    response = client.get("/api/v1/work-items", {"unit": district.unit_a.pk})
    assert _ids(response) == {district.item_b.pk}


def test_api_work_items_pagination(district, office_api, settings):
    # given: 5 items in the district
    settings.DUBAN_API_PAGE_SIZE = 2
    # when
    pages = [office_api.get("/api/v1/work-items", {"page": p}).json() for p in (1, 2, 3, 4)]
    # then
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    assert {p["count"] for p in pages} == {5}
    assert {p["page_size"] for p in pages} == {2}
    seen = [i["id"] for p in pages for i in p["items"]]
    assert len(seen) == len(set(seen)) == 5
    big = office_api.get("/api/v1/work-items", {"page_size": 500}).json()
    assert big["page_size"] == 500
    assert [i["id"] for i in big["items"]] == seen  # a stable order across pages


def test_api_work_items_query_count_does_not_grow_with_the_page(
    district, office_api, django_assert_max_num_queries
):
    # given: many items with co-units, leaders, stewards and reports
    for n in range(40):
        item = f.WorkItemFactory(
            lead_unit=district.unit_b, lead_leader=district.leader, steward=district.steward
        )
        item.co_units.add(district.unit_a, district.unit_a1)
        f.ReportFactory(work_item=item, month=1, investment_month=Decimal(n))
        f.ReportFactory(work_item=item, month=2, investment_month=Decimal(n))
    # when / then: auth (+ last use), count, items, co-units, and the progress core's
    # fixed batch for the page (whatever its size)
    office_api.get("/api/v1/me")  # the first use writes `last_used_at`
    # the first read judges the open month's items and keeps them, the next reads them
    with django_assert_max_num_queries(8 + REFRESH_QUERIES):
        response = office_api.get("/api/v1/work-items", {"page_size": 500})
    with django_assert_max_num_queries(8 + PROGRESS_QUERIES):
        response = office_api.get("/api/v1/work-items", {"page_size": 500})
    assert response.json()["count"] == 45
    reporter = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=district.head_b)}")
    reporter.get("/api/v1/me")
    with django_assert_max_num_queries(9 + PROGRESS_QUERIES):  # + the user's scope
        response = reporter.get("/api/v1/work-items", {"page_size": 500})
    assert response.json()["count"] == 43


def test_api_work_item_detail(district, office_api, reported):
    # given
    item = reported
    item.project.owner.name = "哈尔滨某某科技有限公司"
    item.project.owner.save()
    item.project.location = "南岗区学府路"
    item.project.nature = "filing"
    item.project.save()
    funding_set(
        item=item,
        version=item.version,
        lines=[
            (FundingSource.Source.SPECIAL_BOND, Decimal("8000"), "2024年第一批"),
            (FundingSource.Source.SELF, Decimal("4000.5"), ""),
        ],
    )
    f.IndicatorFactory(work_item=item, name="完成投资", unit_of_measure="万元", target=12000)
    f.MilestoneFactory(work_item=item, name="开工", responsible_unit=district.unit_a)
    item.co_units.add(district.unit_b)
    # when
    response = office_api.get(f"/api/v1/work-items/{item.pk}")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["project_code"] == item.project.code
    assert body["co_units"] == [{"id": district.unit_b.pk, "code": "b", "name": "区住建局"}]
    project = body["project"]
    assert project["owner"] == {
        "name": "哈尔滨某某科技有限公司",
        "credit_code": item.project.owner.credit_code,
    }
    assert project["location"] == "南岗区学府路"
    assert project["total_investment"] == "50000.0000"
    assert (project["start_year"], project["end_year"]) == (2024, 2026)
    assert (project["stage"], project["nature"], project["industry"]) == (
        "construction",
        "filing",
        "industry",
    )
    assert project["nature_label"] == "备案"
    assert body["funding"] == [
        {
            "source": "special_bond",
            "source_label": "地方政府专项债券",
            "amount": "8000.0000",
            "note": "2024年第一批",
        },
        {"source": "self", "source_label": "企业自筹", "amount": "4000.5000", "note": ""},
    ]
    assert body["plan_curve"] == []
    assert [i["name"] for i in body["indicators"]] == ["完成投资"]
    assert body["indicators"][0]["target"] == "12000.0000"
    assert body["milestones"][0]["name"] == "开工"
    assert body["milestones"][0]["responsible_unit"]["code"] == "a"
    assert body["figures"]["ytd_investment"] == "3000.0000"
    assert body["figures"]["completion_pct"] == "25.0000"


def test_api_work_item_detail_plan_curve_and_period(district, office_api, reported):
    work_item_set_plan_curve(item=reported, version=reported.version, amounts=[Decimal(1000)] * 12)
    response = office_api.get(f"/api/v1/work-items/{reported.pk}", {"period": "2024-01"})
    body = response.json()
    assert body["plan_curve"][0] == {"month": 1, "amount": "1000.0000"}
    assert len(body["plan_curve"]) == 12
    assert body["figures"]["period"] == "2024-01"
    assert body["figures"]["ytd_investment"] == "1000.0000"
    assert body["figures"]["time_progress_pct"] == "8.3333"


def test_api_work_item_detail_of_a_task(district, office_api):
    body = office_api.get(f"/api/v1/work-items/{district.task_a.pk}").json()
    assert body["kind"] == "task"
    assert body["project"] is None
    assert body["project_code"] is None
    assert body["annual_plan"] is None
    assert body["figures"]["completion_pct"] is None
    assert body["indicators"][0]["name"] == "新增市场主体"
    assert body["indicators"][0]["target"] == "100.0000"


def test_api_work_item_detail_bad_period_answers_422(district, office_api):
    response = office_api.get(f"/api/v1/work-items/{district.item_a.pk}", {"period": "2024/03"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "period"]

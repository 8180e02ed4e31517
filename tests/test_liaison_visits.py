"""Visits by stewards and leaders; a finding becomes a problem in one step."""

from __future__ import annotations

from datetime import date

import pytest

from duban.core.errors import ApplicationError
from duban.liaison.selectors import visit_list
from duban.liaison.services import visit_log, visit_raise_problem
from duban.org.models import Responsibility
from duban.problems.models import Problem
from duban.problems.selectors import problem_list
from tests import factories as f


def test_steward_logs_visit_and_raises_a_problem(district):
    # given
    visit = visit_log(
        by=district.steward,
        data={"date": date(2024, 4, 2), "work_item": district.item_c, "findings": "树木移植未办证"},
    )
    # when
    problem = visit_raise_problem(
        visit=visit,
        by=district.steward,
        data={
            "category": Problem.Category.APPROVAL,
            "title": "树木移植审批",
            "description": "需林业部门审批",
        },
    )
    # then
    assert (problem.source, problem.visit, problem.work_item, problem.state) == (
        Problem.Source.STEWARD_VISIT,
        visit,
        district.item_c,
        Problem.State.REPORTED,
    )
    assert problem.reported_by == district.steward
    assert problem in problem_list(user=district.steward)
    assert list(visit_list(user=district.head_b)) == [visit]
    assert list(visit_list(user=district.reporter_a)) == []


def test_leader_visit_to_enterprise_raises_a_demand(district):
    enterprise = f.EnterpriseFactory()
    f.ResponsibilityFactory(
        leader=district.leader, enterprise=enterprise, relation=Responsibility.Relation.LIAISON
    )
    visit = visit_log(by=district.leader, data={"date": date(2024, 4, 2), "enterprise": enterprise})
    problem = visit_raise_problem(
        visit=visit,
        by=district.leader,
        data={
            "category": Problem.Category.LABOUR,
            "title": "招工难",
            "description": "缺技术工人",
            "urgent": True,
        },
    )
    assert problem.source == Problem.Source.DEMAND
    assert problem.urgent and problem.plan_due_at is not None
    assert problem.enterprise == enterprise and problem.work_item is None


def test_visit_refusals(district):
    with pytest.raises(ApplicationError, match="只有项目管家"):
        visit_log(
            by=district.reporter_a, data={"date": date(2024, 4, 2), "work_item": district.item_a}
        )
    with pytest.raises(ApplicationError, match="不在走访人的范围内"):
        visit_log(
            by=district.steward, data={"date": date(2024, 4, 2), "work_item": district.item_a}
        )
    with pytest.raises(ApplicationError, match="不在走访人的包联"):
        visit_log(
            by=district.leader, data={"date": date(2024, 4, 2), "enterprise": f.EnterpriseFactory()}
        )
    with pytest.raises(ApplicationError, match="关联台账事项或企业"):
        visit_log(by=district.office, data={"date": date(2024, 4, 2)})
    visit = visit_log(
        by=district.steward, data={"date": date(2024, 4, 2), "work_item": district.item_c}
    )
    with pytest.raises(ApplicationError, match="只有走访人或推进办"):
        visit_raise_problem(visit=visit, by=district.leader, data={})


def test_visit_pages_log_and_raise(district, login):
    client = login(district.steward)
    response = client.post(
        "/liaison/", {"date": "2024-04-02", "work_item": district.item_c.pk, "findings": "树木移植"}
    )
    assert response.status_code == 302
    visit = district.steward.visits.get()
    response = client.post(
        f"/liaison/visits/{visit.pk}/raise/",
        {"category": "approval", "title": "树木移植审批", "description": "需审批"},
    )
    assert response.status_code == 302
    problem = Problem.objects.get(visit=visit)
    assert response["Location"] == f"/problems/{problem.pk}/"
    assert "树木移植" in client.get("/liaison/").content.decode()
    # another unit cannot see or use the visit
    assert (
        login(district.reporter_a).post(f"/liaison/visits/{visit.pk}/raise/", {}).status_code == 404
    )


def test_the_visits_come_a_page_at_a_time(district, login, settings):
    # The list stopped at the newest 200 without saying so.
    settings.DUBAN_PAGE_SIZE = 3
    for day in range(1, 6):
        visit_log(
            by=district.steward,
            data={
                "date": date(2024, 3, day),
                "work_item": district.item_c,
                "findings": f"第{day}次",
            },
        )
    client = login(district.steward)
    first = client.get("/liaison/").content.decode()
    assert "第5次" in first and "第1次" not in first
    assert "第1页，共2页（5条）" in first
    second = client.get("/liaison/?page=2").content.decode()
    assert "第1次" in second and "第5次" not in second


def test_visit_form_offers_this_years_ledger_only(district, login):
    # given: the steward's project was also on last year's list
    last_year = f.WorkItemFactory(
        year=2023,
        project=district.item_c.project,
        title=district.item_c.title,
        lead_unit=district.item_c.lead_unit,
        steward=district.steward,
    )
    # when
    page = login(district.steward).get("/liaison/").content.decode()
    # then: one choice per project, this year's row
    assert f'<option value="{district.item_c.pk}">' in page
    assert f'<option value="{last_year.pk}">' not in page
    # and a visit cannot be filed against last year's row
    response = login(district.steward).post(
        "/liaison/", {"date": "2024-04-02", "work_item": last_year.pk, "findings": "旧年度"}
    )
    assert response.status_code == 200
    assert not district.steward.visits.exists()


def test_a_visit_dated_after_today_is_refused_and_nothing_saved(district, login):
    # given: the clock stands at 2024-04-03; the steward mistypes the year
    client = login(district.steward)
    # when
    response = client.post(
        "/liaison/", {"date": "2025-04-02", "work_item": district.item_c.pk, "findings": "树木移植"}
    )
    # then: the page says which date and why, and no visit is recorded
    assert response.status_code == 200
    assert (
        "走访日期2025-04-02不在合理范围内：应在2000年1月1日至今天（2024年4月3日）之间。"
        in response.content.decode()
    )
    assert not district.steward.visits.exists()
    # today is fine
    response = client.post(
        "/liaison/", {"date": "2024-04-03", "work_item": district.item_c.pk, "findings": "树木移植"}
    )
    assert response.status_code == 302 and district.steward.visits.count() == 1

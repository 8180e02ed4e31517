"""Ledger rules: project codes, the hand-out rule, plan curves, conflicts and year carry-over."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from duban.core.errors import ApplicationError, ConflictError
from duban.core.services import current_version
from duban.ledger.models import Indicator, Milestone, NodeTemplateSet, Project, WorkItem
from duban.ledger.services import (
    milestones_from_template,
    project_create,
    project_update,
    work_item_create,
    work_item_hand_out,
    work_item_set_plan_curve,
    work_item_update,
)
from duban.org.validators import credit_code_check_char, validate_credit_code
from duban.reporting.services import work_items_carry_over
from tests import factories as f


@pytest.mark.parametrize(
    "code",
    [
        "2023-230103-78-01-01234",
        "2023-230103-78-01-0123456",
        "2023/230103-78-01-012345",
        "20232301037801012345xxxx",
        "2023-230103-78-01-01234５６",
    ],
)
def test_project_code_of_wrong_shape_is_refused(db, code):
    with pytest.raises(ApplicationError, match="项目代码应为24位"):
        project_create(data={"name": "某项目", "code": code})
    assert not Project.objects.exists()


def test_project_code_of_right_shape_is_kept_and_blank_means_none(db):
    assert (
        project_create(data={"name": "甲", "code": "2023-230103-78-01-012345"}).code
        == "2023-230103-78-01-012345"
    )
    assert project_create(data={"name": "乙", "code": ""}).code is None
    assert (
        project_create(data={"name": "丙", "code": ""}).code is None
    )  # two reserves without codes
    # typed in Chinese input mode
    assert (
        project_create(data={"name": "丁", "code": "２０２３－230103-78-01-012346"}).code
        == "2023-230103-78-01-012346"
    )


def test_negative_total_investment_is_refused(db):
    with pytest.raises(ApplicationError, match="总投资"):
        project_create(data={"name": "甲", "total_investment": Decimal("-1")})


def test_project_update_conflict(db):
    project = f.ProjectFactory()
    project_update(project=project, version=project.version, data={"location": "甲街道"})
    with pytest.raises(ConflictError):
        project_update(project=project, version=project.version, data={"location": "乙街道"})
    project.refresh_from_db()
    assert project.location == "甲街道" and project.version == 2


def test_credit_code_check_character():
    body = "91230103MA1B2C3D4"
    code = body + credit_code_check_char(body)
    validate_credit_code(code)
    wrong = body + ("0" if code[-1] != "0" else "1")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_credit_code(wrong)
    # A published real code: 91110000802100433B (check char computed by the standard).
    validate_credit_code("91110000802100433B")


def test_hand_out_requires_measurable_indicator_or_dated_milestone(db):
    # given: a draft with an indicator lacking a deadline and an undated milestone
    office = f.UserFactory(role="office")
    item = f.TaskFactory(status=WorkItem.Status.DRAFT, handed_out_at=None)
    f.IndicatorFactory(work_item=item, deadline=None)
    f.MilestoneFactory(work_item=item, planned_date=None)
    # when / then
    with pytest.raises(ApplicationError, match="有指标、有量化、有时限"):
        work_item_hand_out(item=item, version=item.version, by=office)
    item.refresh_from_db()
    assert item.status == WorkItem.Status.DRAFT
    # a dated milestone is enough
    Milestone.objects.filter(work_item=item).update(planned_date=date(2024, 9, 30))
    assert (
        work_item_hand_out(item=item, version=item.version, by=office).status
        == WorkItem.Status.ACTIVE
    )


def test_hand_out_ignores_deadlines_of_earlier_years_and_reached_nodes(db):
    # given: a carried-over task whose indicator and node deadlines lie in 2023
    office = f.UserFactory(role="office")
    item = f.TaskFactory(status=WorkItem.Status.DRAFT)
    indicator = f.IndicatorFactory(work_item=item, deadline=date(2023, 12, 31))
    f.MilestoneFactory(work_item=item, planned_date=date(2023, 10, 1))
    f.MilestoneFactory(work_item=item, planned_date=date(2024, 5, 1), actual_date=date(2024, 3, 1))
    # when / then
    with pytest.raises(ApplicationError, match="本年度或以后"):
        work_item_hand_out(item=item, version=item.version, by=office)
    Indicator.objects.filter(pk=indicator.pk).update(deadline=date(2024, 12, 31))
    assert (
        work_item_hand_out(item=item, version=item.version, by=office).status
        == WorkItem.Status.ACTIVE
    )


def test_hand_out_with_measurable_indicator_and_not_twice(db):
    office = f.UserFactory(role="office")
    item = f.TaskFactory(status=WorkItem.Status.DRAFT)
    f.IndicatorFactory(work_item=item, target=Decimal(5), deadline=date(2024, 12, 31))
    work_item_hand_out(item=item, version=current_version(item), by=office)
    with pytest.raises(ApplicationError, match="只有待下达"):
        work_item_hand_out(item=item, version=current_version(item), by=office)


def test_work_item_create_checks_kind_and_units(db):
    unit = f.UnitFactory()
    with pytest.raises(ApplicationError, match="必须关联项目"):
        work_item_create(data={"year": 2024, "kind": "project", "title": "x", "lead_unit": unit})
    item = work_item_create(data={"year": 2024, "kind": "task", "title": "任务", "lead_unit": unit})
    assert item.status == WorkItem.Status.DRAFT
    with pytest.raises(ApplicationError, match="不能同时是配合单位"):
        work_item_update(item=item, version=item.version, data={}, co_units=[unit])


def test_work_item_update_conflict_keeps_first(db):
    item = f.WorkItemFactory()
    work_item_update(item=item, version=item.version, data={"schedule": "一季度开工"})
    with pytest.raises(ConflictError):
        work_item_update(item=item, version=item.version, data={"schedule": "二季度开工"})
    item.refresh_from_db()
    assert item.schedule == "一季度开工"


def test_plan_curve_must_add_up_to_annual_plan(db):
    item = f.WorkItemFactory(annual_plan=Decimal("1200"))
    with pytest.raises(ApplicationError, match="不一致"):
        work_item_set_plan_curve(
            item=item, version=item.version, amounts=[Decimal(100)] * 11 + [Decimal(99)]
        )
    with pytest.raises(ApplicationError, match="12个月"):
        work_item_set_plan_curve(item=item, version=item.version, amounts=[Decimal(100)] * 11)
    with pytest.raises(ApplicationError, match="负数"):
        work_item_set_plan_curve(
            item=item, version=item.version, amounts=[Decimal(-100)] + [Decimal(1300 / 11)] * 11
        )
    assert not item.plan_months.exists()
    work_item_set_plan_curve(
        item=item,
        version=item.version,
        amounts=[Decimal(0)] * 3 + [Decimal(200)] * 6 + [Decimal(0)] * 3,
    )
    assert item.plan_months.count() == 12


def test_milestones_from_default_template(db):
    item = f.WorkItemFactory()
    office = f.UserFactory(role="office")
    template = NodeTemplateSet.objects.get(is_default=True)
    created = milestones_from_template(item=item, template_set=template, by=office)
    assert [m.name for m in created][:3] == ["项目赋码", "立项（审批/核准/备案）", "可研批复"]
    assert len(created) == 23
    # each node has its "+" history row (the audit and the progress core's change feed)
    added = Milestone.history.filter(work_item_id=item.pk, history_type="+")
    assert added.count() == 23
    assert set(added.values_list("history_user_id", flat=True)) == {office.pk}
    assert milestones_from_template(item=item, template_set=template) == []  # no duplicates


def test_carry_over_copies_unfinished_items_once(db):
    # given: 2024 with one unfinished project (3000 counted), one done task, one finished project
    office = f.UserFactory(role="office")
    co = f.UnitFactory()
    open_item = f.WorkItemFactory(prior_cumulative=Decimal("5000"), actual_start=date(2024, 3, 1))
    open_item.co_units.add(co)
    f.IndicatorFactory(work_item=open_item)
    f.MilestoneFactory(work_item=open_item, actual_date=date(2024, 3, 1))
    f.ReportFactory(work_item=open_item, month=1, investment_month=Decimal("1000"))
    f.ReportFactory(
        work_item=open_item, month=2, investment_month=Decimal("2000"), state="accepted"
    )
    f.ReportFactory(work_item=open_item, month=3, investment_month=Decimal("700"), state="draft")
    f.TaskFactory(status=WorkItem.Status.DONE)
    finished = f.WorkItemFactory()
    Project.objects.filter(pk=finished.project_id).update(stage=Project.Stage.COMPLETED)
    # when
    created = work_items_carry_over(year=2024, by=office)
    # then
    assert len(created) == 1
    new = created[0]
    assert (new.year, new.project_id, new.status) == (
        2025,
        open_item.project_id,
        WorkItem.Status.DRAFT,
    )
    assert new.prior_cumulative == Decimal("8000")
    assert new.category == WorkItem.Category.CONTINUING
    assert list(new.co_units.all()) == [co]
    assert Indicator.objects.filter(work_item=new).count() == 1
    assert new.milestones.get().actual_date == date(2024, 3, 1)
    assert new.carried_from == open_item
    # the copies have their "+" history rows, by the office user who carried them over
    for model in (Indicator, Milestone):
        rows = model.history.filter(work_item_id=new.pk)
        assert list(rows.values_list("history_type", "history_user_id")) == [("+", office.pk)]
    # a second run changes nothing
    assert work_items_carry_over(year=2024, by=office) == []
    assert WorkItem.objects.filter(year=2025).count() == 1

"""factory-boy factories for the ledger core. Amounts are Decimal 万元."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from duban.ledger.models import Indicator, Milestone, Project, WorkItem
from duban.org.models import Enterprise, Responsibility, Unit, User
from duban.org.validators import credit_code_check_char
from duban.reporting.models import MonthlyReport


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = Unit.Kind.DEPARTMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = User.Role.REPORTER
    unit = factory.SubFactory(UnitFactory)
    password = factory.PostGenerationMethodCall("set_password", "pw-duban-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


def _credit_code(n: int) -> str:
    body = f"91230103{n:09d}"
    return body + credit_code_check_char(body)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.Sequence(_credit_code)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"2024-230103-78-01-{n:06d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    owner = factory.SubFactory(EnterpriseFactory)
    total_investment = Decimal("50000")
    stage = Project.Stage.CONSTRUCTION
    industry = Project.Industry.INDUSTRY
    start_year = 2024
    end_year = 2026


class WorkItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkItem
        skip_postgeneration_save = True

    year = 2024
    kind = WorkItem.Kind.PROJECT
    project = factory.SubFactory(ProjectFactory)
    title = factory.LazyAttribute(lambda o: o.project.name if o.project else "测试工作")
    content_scale = "建设内容"
    lead_unit = factory.SubFactory(UnitFactory)
    level = WorkItem.Level.DISTRICT
    category = WorkItem.Category.CONTINUING
    annual_plan = Decimal("12000")
    status = WorkItem.Status.ACTIVE
    handed_out_at = factory.LazyFunction(timezone.now)


class TaskFactory(WorkItemFactory):
    kind = WorkItem.Kind.TASK
    project = None
    title = factory.Sequence(lambda n: f"重点工作{n}")
    category = ""
    annual_plan = None


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    work_item = factory.SubFactory(WorkItemFactory)
    name = factory.Sequence(lambda n: f"指标{n}")
    unit_of_measure = "个"
    target = Decimal("10")
    deadline = date(2024, 12, 31)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    work_item = factory.SubFactory(WorkItemFactory)
    sort_order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"节点{n}")
    planned_date = date(2024, 6, 30)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyReport

    work_item = factory.SubFactory(WorkItemFactory)
    year = 2024
    month = 3
    state = MonthlyReport.State.SUBMITTED
    investment_month = Decimal("1000")
    progress_text = "主体施工"
    submitted_at = factory.LazyFunction(timezone.now)
    first_submitted_at = factory.LazyFunction(timezone.now)


class ResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Responsibility

    leader = factory.SubFactory(UserFactory, role=User.Role.LEADER, unit=None)
    relation = Responsibility.Relation.IN_CHARGE

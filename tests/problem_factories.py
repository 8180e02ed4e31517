"""factory-boy factories for the problem loop (problems, opinions, meetings, visits)."""

from __future__ import annotations

from datetime import date

import factory

from duban.liaison.models import Visit
from duban.org.models import User
from duban.problems.models import Coordination, Meeting, Problem
from tests import factories as f


class ProblemFactory(factory.django.DjangoModelFactory):
    """A reported problem on a work item; pass state/lead_unit/due_date for later states."""

    class Meta:
        model = Problem
        skip_postgeneration_save = True

    source = Problem.Source.UNIT_REPORT
    work_item = factory.SubFactory(f.WorkItemFactory)
    category = Problem.Category.LAND
    title = factory.Sequence(lambda n: f"测试问题{n}")
    description = "问题描述"
    request = "需协调事项"
    reported_by = factory.SubFactory(f.UserFactory)
    reported_on = date(2024, 4, 1)
    state = Problem.State.REPORTED


class AssignedProblemFactory(ProblemFactory):
    state = Problem.State.ASSIGNED
    lead_unit = factory.LazyAttribute(
        lambda o: o.work_item.lead_unit if o.work_item else f.UnitFactory()
    )
    due_date = date(2024, 4, 30)
    original_due_date = factory.LazyAttribute(lambda o: o.due_date)
    level = 1


class ClosedProblemFactory(AssignedProblemFactory):
    state = Problem.State.CLOSED
    resolution = "已解决"
    close_year = 2024
    close_month = 3


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    kind = Meeting.Kind.MONTHLY
    level = 4
    title = "2024年4月重点项目调度会"
    chair = factory.SubFactory(f.UserFactory, role=User.Role.LEADER, unit=None)
    date = date(2024, 4, 20)
    created_by = factory.SubFactory(f.UserFactory, role=User.Role.OFFICE, unit=None)


class CoordinationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coordination
        skip_postgeneration_save = True

    problem = factory.SubFactory(AssignedProblemFactory)
    leader = factory.SubFactory(f.UserFactory, role=User.Role.LEADER, unit=None)
    text = "请抓紧协调"
    deadline = date(2024, 4, 30)
    created_by = factory.SelfAttribute("leader")

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create:
            self.units.set(extracted or [self.problem.lead_unit])


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    date = date(2024, 4, 2)
    visitor = factory.SubFactory(f.UserFactory, role=User.Role.STEWARD)
    work_item = factory.SubFactory(f.WorkItemFactory)
    findings = "现场发现问题"

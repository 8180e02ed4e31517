"""Every transition of DOMAIN §3, allowed and forbidden, per role and per state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from duban.core.errors import ApplicationError, ConflictError
from duban.core.services import current_version
from duban.org.models import User
from duban.problems import services as svc
from duban.problems.models import (
    CoUnitResponse,
    Feedback,
    Problem,
    ProblemEvent,
)
from tests.problem_factories import ProblemFactory

S = Problem.State
A = ProblemEvent.Action
ROLES = ["office", "leader", "head_a", "reporter_a", "reporter_b", "head_b", "steward", "viewer"]


def make_problem(district, state: str, **extra: Any) -> Problem:
    """A problem on item_a (lead unit A, co-unit B) in `state`, with what that state needs."""
    fields: dict[str, Any] = {
        "work_item": district.item_a,
        "reported_by": district.reporter_a,
        "reporting_unit": district.unit_a,
        "state": state,
    }
    if state in (S.ASSIGNED, S.FEEDBACK_SUBMITTED, S.VERIFIED, S.CLOSED):
        fields.update(
            lead_unit=district.unit_a,
            due_date=date(2024, 4, 30),
            original_due_date=date(2024, 4, 30),
        )
    if state in (S.FEEDBACK_SUBMITTED, S.VERIFIED, S.CLOSED):
        fields["resolution"] = "已协调解决"
    if state == S.CLOSED:
        fields.update(close_year=2024, close_month=3)
    if state == S.REJECTED:
        fields["reject_reason"] = "不属于重点项目问题"
    if state == S.MERGED:
        fields["merged_into"] = ProblemFactory(
            work_item=district.item_a, reported_by=district.office
        )
    fields.update(extra)
    problem = ProblemFactory(**fields)
    if state in (S.ASSIGNED, S.FEEDBACK_SUBMITTED, S.VERIFIED, S.CLOSED):
        problem.co_units.add(district.unit_b)
        CoUnitResponse.objects.create(
            problem=problem, unit=district.unit_b, due_date=date(2024, 4, 8)
        )
    if state == S.FEEDBACK_SUBMITTED:
        Feedback.objects.create(
            unit=district.unit_a, author=district.reporter_a, problem=problem, text="已办结"
        )
    return problem


# action name → (start state, the call, the state afterwards, roles allowed)
Action = tuple[str, Callable[[Problem, User, Any], Any], str, set[str]]
ACTIONS: dict[str, Action] = {
    "accept": (
        S.REPORTED,
        lambda p, u, d: svc.problem_accept(problem=p, version=p.version, by=u),
        S.ACCEPTED,
        {"office"},
    ),
    "reject": (
        S.REPORTED,
        lambda p, u, d: svc.problem_reject(problem=p, version=p.version, by=u, reason="重复上报"),
        S.REJECTED,
        {"office"},
    ),
    "merge": (
        S.REPORTED,
        lambda p, u, d: svc.problem_merge(
            problem=p,
            version=p.version,
            by=u,
            into=ProblemFactory(work_item=d.item_a, reported_by=d.office),
        ),
        S.MERGED,
        {"office"},
    ),
    "assign": (
        S.ACCEPTED,
        lambda p, u, d: svc.problem_assign(
            problem=p,
            version=p.version,
            by=u,
            lead_unit=d.unit_a,
            co_units=[d.unit_b],
            due_date=date(2024, 4, 30),
        ),
        S.ASSIGNED,
        {"office"},
    ),
    "feedback": (
        S.ASSIGNED,
        lambda p, u, d: svc.problem_submit_feedback(
            problem=p, version=p.version, by=u, text="用地手续已办结"
        ),
        S.FEEDBACK_SUBMITTED,
        {"head_a", "reporter_a"},
    ),
    "verify": (
        S.FEEDBACK_SUBMITTED,
        lambda p, u, d: svc.problem_verify(problem=p, version=p.version, by=u),
        S.VERIFIED,
        {"office"},
    ),
    "return": (
        S.FEEDBACK_SUBMITTED,
        lambda p, u, d: svc.problem_return(problem=p, version=p.version, by=u, reason="现场未解决"),
        S.ASSIGNED,
        {"office"},
    ),
    "close": (
        S.VERIFIED,
        lambda p, u, d: svc.problem_close(problem=p, version=p.version, by=u),
        S.CLOSED,
        {"office"},
    ),
    "reopen": (
        S.CLOSED,
        lambda p, u, d: svc.problem_reopen(problem=p, version=p.version, by=u, reason="问题反复"),
        S.ASSIGNED,
        {"office"},
    ),
    "escalate": (
        S.ASSIGNED,
        lambda p, u, d: svc.problem_escalate(
            problem=p, version=p.version, by=u, reason="多次协调未果"
        ),
        S.ASSIGNED,
        {"office", "leader"},
    ),
    "extension": (
        S.ASSIGNED,
        lambda p, u, d: svc.extension_request(
            problem=p,
            version=p.version,
            by=u,
            reason="等待规划审批",
            new_due_date=date(2024, 5, 31),
        ),
        S.ASSIGNED,
        {"head_a", "reporter_a"},
    ),
}
ACTION_NAMES = sorted(ACTIONS)


def _snapshot(problem: Problem) -> tuple:
    problem.refresh_from_db()
    return (problem.state, problem.version, problem.level, problem.due_date, problem.events.count())


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_problem_transition_per_role(district, action):
    """Each role in turn tries the action on a fresh problem in the action's start state."""
    start, call, end, allowed = ACTIONS[action]
    for role in ROLES:
        # given
        problem = make_problem(district, start)
        user = district.users()[role]
        before = _snapshot(problem)
        # when / then
        if role in allowed:
            call(problem, user, district)
            problem.refresh_from_db()
            assert problem.state == end, role
            assert problem.events.count() > before[4], role
            assert problem.events.last().actor == user, role
        else:
            with pytest.raises(ApplicationError) as excinfo:
                call(problem, user, district)
            assert excinfo.value.code == "forbidden", role
            assert str(excinfo.value), role
            assert _snapshot(problem) == before, role


def _other_states(action: str) -> list[str]:
    start = ACTIONS[action][0]
    also_allowed: dict[str, tuple[str, ...]] = {
        "reject": (S.ACCEPTED,),
        "merge": (S.ACCEPTED,),
        "escalate": (S.ACCEPTED, S.FEEDBACK_SUBMITTED),
    }
    return [s for s in S.values if s != start and s not in also_allowed.get(action, ())]


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_problem_transition_refused_in_wrong_state(district, action):
    """The allowed role tries the action in every other state: refused, nothing changed."""
    _start, call, _end, allowed = ACTIONS[action]
    user = district.users()[sorted(allowed)[0]]
    for state in _other_states(action):
        # given
        problem = make_problem(district, state)
        before = _snapshot(problem)
        # when
        with pytest.raises(ApplicationError) as excinfo:
            call(problem, user, district)
        # then: the message names the current state (or the missing lead unit's role)
        if excinfo.value.code == "transition":
            assert str(Problem.State(state).label) in str(excinfo.value), state
        else:
            # The lead unit's rights need a lead unit: before assignment there is none.
            assert excinfo.value.code == "forbidden", state
            assert problem.lead_unit_id is None, state
        assert _snapshot(problem) == before, state


def test_problem_full_loop_records_every_step(district):
    # given
    problem = svc.problem_report(
        by=district.reporter_a,
        data={
            "work_item": district.item_a,
            "category": Problem.Category.UTILITIES,
            "title": "施工用电未接入",
            "description": "临时用电报装未批复",
            "request": "协调供电公司",
        },
    )
    assert problem.state == S.REPORTED
    assert problem.reporting_unit == district.unit_a
    # when
    svc.problem_accept(problem=problem, version=current_version(problem), by=district.office)
    svc.problem_assign(
        problem=problem,
        version=current_version(problem),
        by=district.office,
        lead_unit=district.unit_a,
        co_units=[district.unit_b],
        level=1,
        due_date=date(2024, 4, 20),
    )
    svc.problem_answer_as_co_unit(
        problem=problem, by=district.reporter_b, answer="已联系供电公司", version=1
    )
    feedback = svc.problem_submit_feedback(
        problem=problem,
        version=current_version(problem),
        by=district.reporter_a,
        text="已通电",
        resolution="供电公司已完成接入",
    )
    svc.feedback_accept(feedback=feedback, version=feedback.version, by=district.office)
    svc.problem_close(problem=problem, version=current_version(problem), by=district.office)
    # then
    problem.refresh_from_db()
    assert problem.state == S.CLOSED
    assert (problem.close_year, problem.close_month) == (2024, 4)
    assert problem.resolution == "供电公司已完成接入"
    assert problem.original_due_date == date(2024, 4, 20)
    feedback.refresh_from_db()
    assert feedback.state == Feedback.State.ACCEPTED
    actions = list(problem.events.values_list("action", "from_state", "to_state"))
    assert [a for a, _f, _t in actions] == [
        A.REPORT,
        A.ACCEPT,
        A.ASSIGN,
        A.CO_ANSWER,
        A.FEEDBACK,
        A.VERIFY,
        A.CLOSE,
    ]
    assert actions[-1][1:] == (S.VERIFIED, S.CLOSED)
    assert problem.co_responses.get().answered_by == district.reporter_b
    assert problem.history.count() >= 6


def test_problem_close_refuses_verified_without_resolution(district):
    # given: a verified problem whose resolution was wiped
    problem = make_problem(district, S.VERIFIED, resolution="")
    # when / then
    with pytest.raises(ApplicationError, match="没有办理结果"):
        svc.problem_close(problem=problem, version=problem.version, by=district.office)
    problem.refresh_from_db()
    assert problem.state == S.VERIFIED


def test_problem_close_refuses_unverified(district):
    problem = make_problem(district, S.FEEDBACK_SUBMITTED)
    with pytest.raises(ApplicationError, match="只有已核实的问题才能销号"):
        svc.problem_close(problem=problem, version=problem.version, by=district.office)


def test_problem_reopen_counts_and_keeps_original_due_date(district):
    # given
    problem = make_problem(
        district, S.CLOSED, original_due_date=date(2024, 4, 10), due_date=date(2024, 4, 30)
    )
    # when
    svc.problem_reopen(
        problem=problem,
        version=problem.version,
        by=district.office,
        reason="问题反复",
        due_date=date(2024, 5, 15),
    )
    # then
    problem.refresh_from_db()
    assert problem.state == S.ASSIGNED
    assert problem.reopen_count == 1
    assert problem.close_year is None and problem.close_month is None
    assert problem.due_date == date(2024, 5, 15)
    assert problem.original_due_date == date(2024, 4, 10)
    assert problem.events.last().note == "问题反复"


def test_problem_return_sends_feedback_back_with_reason(district):
    problem = make_problem(district, S.FEEDBACK_SUBMITTED)
    svc.problem_return(
        problem=problem, version=problem.version, by=district.office, reason="现场未解决"
    )
    feedback = problem.feedback.get()
    assert feedback.state == Feedback.State.RETURNED
    assert feedback.return_reason == "现场未解决"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda p, d: svc.problem_reject(problem=p, version=p.version, by=d.office, reason="  "),
            "原因",
        ),
        (lambda p, d: svc.problem_merge(problem=p, version=p.version, by=d.office, into=p), "自身"),
    ],
)
def test_problem_triage_validation(district, call, message):
    problem = make_problem(district, S.REPORTED)
    before = _snapshot(problem)
    with pytest.raises(ApplicationError, match=message):
        call(problem, district)
    assert _snapshot(problem) == before


def test_problem_merge_refuses_closed_target(district):
    problem = make_problem(district, S.REPORTED)
    target = make_problem(district, S.CLOSED)
    with pytest.raises(ApplicationError, match="未办结"):
        svc.problem_merge(problem=problem, version=problem.version, by=district.office, into=target)


def test_problem_assign_refuses_lead_unit_as_co_unit_and_past_date(district):
    problem = make_problem(district, S.ACCEPTED)
    with pytest.raises(ApplicationError, match="配合单位"):
        svc.problem_assign(
            problem=problem,
            version=problem.version,
            by=district.office,
            lead_unit=district.unit_a,
            co_units=[district.unit_a],
        )
    with pytest.raises(ApplicationError, match="早于今天"):
        svc.problem_assign(
            problem=problem,
            version=problem.version,
            by=district.office,
            lead_unit=district.unit_a,
            due_date=date(2024, 4, 1),
        )
    problem.refresh_from_db()
    assert problem.state == S.ACCEPTED
    assert problem.co_responses.count() == 0


def test_problem_report_refuses_item_out_of_scope_and_viewer(district):
    data = {"work_item": district.item_x, "category": "land", "title": "t", "description": "d"}
    with pytest.raises(ApplicationError, match="不在您的范围内"):
        svc.problem_report(by=district.reporter_a, data=data)
    with pytest.raises(ApplicationError, match="角色不能上报"):
        svc.problem_report(by=district.viewer, data=data)
    assert not Problem.objects.exists()


def test_problem_concurrent_actions_second_fails(district):
    # given: two office users load the same problem at the same version
    problem = make_problem(district, S.REPORTED)
    version = problem.version
    other = User.objects.create(username="office2", role=User.Role.OFFICE)
    # when: the first accepts, the second rejects on the version they saw
    svc.problem_accept(problem=problem, by=district.office, version=version)
    with pytest.raises(ConflictError):
        svc.problem_reject(problem=problem, by=other, reason="重复", version=version)
    # then: only the first took effect
    problem.refresh_from_db()
    assert problem.state == S.ACCEPTED
    assert problem.version == version + 1
    assert list(problem.events.values_list("action", flat=True)) == [ProblemEvent.Action.ACCEPT]


def test_co_unit_answer_only_by_co_unit(district):
    problem = make_problem(district, S.ASSIGNED)
    with pytest.raises(ApplicationError, match="配合单位"):
        svc.problem_answer_as_co_unit(
            problem=problem, by=district.reporter_a, answer="x", version=1
        )
    response = svc.problem_answer_as_co_unit(
        problem=problem, by=district.head_b, answer="同意配合", version=1
    )
    assert response.answer == "同意配合"


def test_concurrent_co_unit_answers_second_is_refused(district):
    # given: two members of co-unit B open the problem with their unit's answer at version 1
    problem = make_problem(district, S.ASSIGNED)
    row = problem.co_responses.get(unit=district.unit_b)
    seen = row.version
    # when: the head answers first, then the reporter sends the version they saw
    svc.problem_answer_as_co_unit(
        problem=problem, by=district.head_b, answer="同意配合", version=seen
    )
    with pytest.raises(ConflictError, match="配合单位答复已被他人修改"):
        svc.problem_answer_as_co_unit(
            problem=problem, by=district.reporter_b, answer="另一个答复", version=seen
        )
    # then: the first answer stands, not overwritten
    row.refresh_from_db()
    assert (row.answer, row.answered_by, row.version) == ("同意配合", district.head_b, seen + 1)


def test_lead_unit_head_escalates_only_when_co_unit_late(district, time_machine):
    # given: co-unit B's answer is due 2024-04-08
    problem = make_problem(district, S.ASSIGNED)
    with pytest.raises(ApplicationError, match="配合单位逾期"):
        svc.problem_escalate(
            problem=problem, version=problem.version, by=district.head_a, reason="配合单位不答复"
        )
    # when: the answer is late
    time_machine.move_to("2024-04-09 10:00:00+08:00", tick=False)
    svc.problem_escalate(
        problem=problem, version=problem.version, by=district.head_a, reason="配合单位不答复"
    )
    # then
    problem.refresh_from_db()
    assert problem.level == 2
    assert problem.escalations.get().reason == "manual"


def test_demand_gets_answer_deadline_and_satisfaction(district):
    from datetime import timedelta

    from django.utils import timezone

    from tests import factories as f

    enterprise = district.item_a.project.owner
    urgent = svc.problem_report(
        by=district.reporter_a,
        data={
            "source": Problem.Source.DEMAND,
            "work_item": district.item_a,
            "enterprise": enterprise,
            "category": Problem.Category.UTILITIES,
            "title": "停水",
            "description": "厂区停水",
            "urgent": True,
        },
    )
    assert urgent.plan_due_at == timezone.now() + timedelta(hours=2)
    normal = svc.problem_report(
        by=district.reporter_a,
        data={
            "source": Problem.Source.DEMAND,
            "enterprise": enterprise,
            "work_item": district.item_a,
            "category": Problem.Category.POLICY,
            "title": "政策兑现",
            "description": "补贴未到位",
        },
    )
    assert normal.plan_due_at == timezone.now() + timedelta(days=7)
    with pytest.raises(ApplicationError, match="只有企业诉求可以标记为紧急"):
        svc.problem_report(
            by=district.reporter_a,
            data={
                "work_item": district.item_a,
                "category": "land",
                "title": "t",
                "description": "d",
                "urgent": True,
            },
        )
    closed = make_problem(
        district, S.CLOSED, source=Problem.Source.DEMAND, enterprise=f.EnterpriseFactory()
    )
    svc.problem_rate_satisfaction(
        problem=closed, version=closed.version, by=district.office, satisfaction="satisfied"
    )
    closed.refresh_from_db()
    assert closed.satisfaction == "satisfied"
    plain = make_problem(district, S.CLOSED)
    with pytest.raises(ApplicationError, match="只适用于企业诉求"):
        svc.problem_rate_satisfaction(
            problem=plain, version=plain.version, by=district.office, satisfaction="satisfied"
        )


def test_evidence_is_stored_under_media_root(district, settings):
    from django.core.files.base import ContentFile

    problem = make_problem(district, S.ASSIGNED)
    evidence = svc.evidence_add(
        problem=problem,
        by=district.reporter_a,
        file=ContentFile(b"\xff\xd8\xff\xe0photo", name="site.jpg"),
    )
    assert evidence.file.path.startswith(str(settings.MEDIA_ROOT))
    assert evidence.file.read() == b"\xff\xd8\xff\xe0photo"
    with pytest.raises(ApplicationError):
        svc.evidence_add(
            problem=problem, by=district.reporter_b, file=ContentFile(b"x", name="x.jpg")
        )

"""Four-level dispatch with frozen time, and the extension rules."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from duban.core import events
from duban.core.errors import ApplicationError
from duban.notify.models import Notification
from duban.problems import services as svc
from duban.problems.models import (
    AgendaItem,
    Escalation,
    ExtensionRequest,
    Problem,
    ProblemSettings,
)
from tests.problem_factories import AssignedProblemFactory, MeetingFactory

E = ExtensionRequest.State


@pytest.fixture
def overdue(district):
    """Assigned to unit A at level 1, due 2024-04-05; grace 3 days (the default)."""
    return AssignedProblemFactory(
        work_item=district.item_a, reported_by=district.reporter_a, due_date=date(2024, 4, 5)
    )


def test_problem_escalates_one_level_after_grace(overdue, time_machine):
    # given: due 4-5, grace 3 → still level 1 on 4-8
    time_machine.move_to("2024-04-08 23:00:00+08:00", tick=False)
    assert svc.escalate_overdue_problems() == []
    # when: the day after the grace period
    time_machine.move_to("2024-04-09 00:30:00+08:00", tick=False)
    done = svc.escalate_overdue_problems()
    # then
    overdue.refresh_from_db()
    assert [e.problem_id for e in done] == [overdue.pk]
    assert overdue.level == 2
    escalation = overdue.escalations.get()
    assert (escalation.from_level, escalation.to_level) == (1, 2)
    assert escalation.reason == Escalation.Reason.OVERDUE
    assert escalation.by is None
    assert overdue.events.last().action == "escalate"


def test_a_run_tells_its_escalations_together(transactional_db, district, time_machine):
    # Each problem rises in its own transaction; the people are told once the run ends, in
    # one batch (their scopes read once, not once an escalation). Real commits: the events
    # leave at commit.
    problems = [
        AssignedProblemFactory(
            work_item=district.item_a, reported_by=district.reporter_a, due_date=date(2024, 4, 5)
        )
        for _n in range(3)
    ]
    batches: list[list[events.Event]] = []

    def spy(batch):
        batches.append(list(batch))

    events.subscribe_batch(spy)
    try:
        time_machine.move_to("2024-04-09 10:00:00+08:00", tick=False)
        done = svc.escalate_overdue_problems()
    finally:
        events.unsubscribe(spy)
    assert len(done) == 3
    assert [sorted(e.target_id for e in batch) for batch in batches] == [
        sorted(p.pk for p in problems)
    ]
    told = Notification.objects.filter(kind=events.NotificationKind.PROBLEM_ESCALATED)
    assert set(told.values_list("target_id", flat=True)) == {p.pk for p in problems}


def test_escalation_is_idempotent_and_waits_a_grace_period_per_level(overdue, time_machine):
    # given
    time_machine.move_to("2024-04-09 10:00:00+08:00", tick=False)
    svc.escalate_overdue_problems()
    # when: run again the same day and during the next grace period
    svc.escalate_overdue_problems()
    time_machine.move_to("2024-04-12 10:00:00+08:00", tick=False)
    svc.escalate_overdue_problems()
    overdue.refresh_from_db()
    assert overdue.level == 2
    # then: one more level once level 2's grace has passed, and never above 4
    time_machine.move_to("2024-04-13 10:00:00+08:00", tick=False)
    svc.escalate_overdue_problems()
    overdue.refresh_from_db()
    assert overdue.level == 3
    time_machine.move_to("2024-04-17 10:00:00+08:00", tick=False)
    svc.escalate_overdue_problems()
    time_machine.move_to("2024-05-30 10:00:00+08:00", tick=False)
    svc.escalate_overdue_problems()
    svc.escalate_overdue_problems()
    overdue.refresh_from_db()
    assert overdue.level == 4
    assert list(overdue.escalations.values_list("to_level", "on")) == [
        (2, date(2024, 4, 9)),
        (3, date(2024, 4, 13)),
        (4, date(2024, 4, 17)),
    ]


def test_escalation_respects_configured_grace_and_levels(overdue, time_machine):
    rules = ProblemSettings.load()
    rules.grace_days, rules.levels = 0, 2
    rules.save()
    time_machine.move_to("2024-04-06 10:00:00+08:00", tick=False)
    svc.escalate_overdue_problems()
    time_machine.move_to("2024-04-20 10:00:00+08:00", tick=False)
    svc.escalate_overdue_problems()
    overdue.refresh_from_db()
    assert overdue.level == 2


@pytest.mark.parametrize("state", ["feedback_submitted", "verified", "closed"])
def test_escalation_skips_problems_not_waiting_on_the_unit(district, time_machine, state):
    problem = AssignedProblemFactory(
        work_item=district.item_a,
        reported_by=district.reporter_a,
        due_date=date(2024, 4, 5),
        state=state,
        resolution="已办",
        close_year=2024 if state == "closed" else None,
        close_month=4 if state == "closed" else None,
    )
    time_machine.move_to("2024-05-01 10:00:00+08:00", tick=False)
    assert svc.escalate_overdue_problems() == []
    problem.refresh_from_db()
    assert problem.level == 1


def test_escalated_problem_lands_on_next_meeting_of_its_level(district, time_machine):
    # given: a level-3 problem due 4-5, the next L4 meeting on 4-20 (and a past one)
    problem = AssignedProblemFactory(
        work_item=district.item_a,
        reported_by=district.reporter_a,
        due_date=date(2024, 4, 5),
        level=3,
    )
    past = MeetingFactory(
        level=4, date=date(2024, 4, 3), chair=district.leader, created_by=district.office
    )
    upcoming = MeetingFactory(
        level=4, date=date(2024, 4, 20), chair=district.leader, created_by=district.office
    )
    later = MeetingFactory(
        level=4, date=date(2024, 5, 20), chair=district.leader, created_by=district.office
    )
    # when
    time_machine.move_to("2024-04-09 10:00:00+08:00", tick=False)
    svc.escalate_overdue_problems()
    # then
    problem.refresh_from_db()
    assert problem.level == 4
    assert list(
        AgendaItem.objects.filter(problem=problem).values_list("meeting_id", flat=True)
    ) == [upcoming.pk]
    assert not past.agenda.exists() and not later.agenda.exists()


def test_manual_escalation_needs_reason_and_stops_at_top(district):
    problem = AssignedProblemFactory(
        work_item=district.item_a, reported_by=district.reporter_a, level=4
    )
    with pytest.raises(ApplicationError, match="最高级"):
        svc.problem_escalate(
            problem=problem, version=problem.version, by=district.office, reason="再升"
        )
    problem = AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    with pytest.raises(ApplicationError, match="写明原因"):
        svc.problem_escalate(
            problem=problem, version=problem.version, by=district.office, reason=" "
        )
    escalation = svc.problem_escalate(
        problem=problem, version=problem.version, by=district.leader, reason="企业反映强烈"
    )
    assert (escalation.reason, escalation.by, escalation.note) == (
        "manual",
        district.leader,
        "企业反映强烈",
    )


def test_escalate_command_reports_and_is_idempotent(overdue, time_machine, capsys):
    time_machine.move_to("2024-04-09 10:00:00+08:00", tick=False)
    call_command("escalate")
    call_command("escalate")
    out = capsys.readouterr().out
    assert f"#{overdue.pk} L1 → L2" in out
    assert out.count("→") == 1
    assert "escalated: 0" in out
    call_command("escalate", "--date", "2024-04-13")
    overdue.refresh_from_db()
    assert overdue.level == 3


# --- extensions ----------------------------------------------------------------------------


def test_extension_head_then_office_keeps_original_due_date(overdue):
    # given: today is 2024-04-03, due 2024-04-05
    request = _ask(
        overdue,
        overdue.lead_unit.members.get(username="reporter_a"),
        date(2024, 5, 10),
        reason="等待规划许可",
    )
    assert request.state == E.PENDING_HEAD
    # the office cannot skip the head
    with pytest.raises(ApplicationError, match="先由牵头单位负责人审批"):
        svc.extension_approve(
            extension=request, version=request.version, by=_user(overdue, "office")
        )
    # when
    svc.extension_approve(extension=request, version=request.version, by=_user(overdue, "head_a"))
    request.refresh_from_db()
    assert request.state == E.PENDING_OFFICE
    overdue.refresh_from_db()
    assert overdue.due_date == date(2024, 4, 5)
    with pytest.raises(ApplicationError, match="推进办审批"):
        svc.extension_approve(
            extension=request, version=request.version, by=_user(overdue, "head_a")
        )
    svc.extension_approve(extension=request, version=request.version, by=_user(overdue, "office"))
    # then
    overdue.refresh_from_db()
    request.refresh_from_db()
    assert request.state == E.APPROVED
    assert overdue.due_date == date(2024, 5, 10)
    assert overdue.original_due_date == date(2024, 4, 5)
    with pytest.raises(ApplicationError, match="不能再审批"):
        svc.extension_approve(
            extension=request, version=request.version, by=_user(overdue, "office")
        )


def _ask(problem, by, new_due_date, reason="r"):
    """An extension of `problem` asked for by `by` (its current version)."""
    return svc.extension_request(
        problem=problem, version=problem.version, by=by, reason=reason, new_due_date=new_due_date
    )


def _user(problem, username):
    from duban.org.models import User

    return User.objects.get(username=username)


def test_extension_refused_after_due_date_allowed_on_it(overdue, time_machine):
    reporter = _user(overdue, "reporter_a")
    time_machine.move_to("2024-04-06 09:00:00+08:00", tick=False)
    with pytest.raises(ApplicationError, match="已过，不能再申请延期"):
        _ask(overdue, reporter, date(2024, 5, 1))
    assert not overdue.extensions.exists()
    time_machine.move_to("2024-04-05 18:00:00+08:00", tick=False)
    _ask(overdue, reporter, date(2024, 5, 1))


def test_extension_validation(overdue):
    head = _user(overdue, "head_a")
    with pytest.raises(ApplicationError, match="晚于当前办理时限"):
        _ask(overdue, head, date(2024, 4, 5))
    with pytest.raises(ApplicationError, match="理由"):
        _ask(overdue, head, date(2024, 5, 5), reason="")
    request = _ask(overdue, head, date(2024, 5, 5))
    # a head's own request needs no second head approval
    assert request.state == E.PENDING_OFFICE and request.head_by == head
    with pytest.raises(ApplicationError, match="待审批"):
        _ask(overdue, head, date(2024, 5, 6))


def test_extension_reject_with_reason(overdue):
    request = _ask(overdue, _user(overdue, "reporter_a"), date(2024, 5, 5))
    with pytest.raises(ApplicationError, match="理由"):
        svc.extension_reject(
            extension=request, version=request.version, by=_user(overdue, "head_a"), reason=""
        )
    svc.extension_reject(
        extension=request, version=request.version, by=_user(overdue, "head_a"), reason="理由不充分"
    )
    request.refresh_from_db()
    overdue.refresh_from_db()
    assert (request.state, request.reject_reason) == (E.REJECTED, "理由不充分")
    assert overdue.due_date == date(2024, 4, 5)
    assert overdue.events.last().action == "extension_reject"


def test_approved_extension_delays_escalation(overdue, time_machine):
    request = _ask(overdue, _user(overdue, "head_a"), date(2024, 4, 20))
    svc.extension_approve(extension=request, version=request.version, by=_user(overdue, "office"))
    time_machine.move_to("2024-04-15 10:00:00+08:00", tick=False)
    assert svc.escalate_overdue_problems() == []
    time_machine.move_to("2024-04-24 10:00:00+08:00", tick=False)
    assert len(svc.escalate_overdue_problems()) == 1
    assert Problem.objects.get(pk=overdue.pk).level == 2

"""Manual events' two-person approval, objections and their window, the office's facts, and
what each role sees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from duban.assessment.models import Objection, Rule, ScoreEvent, Source, Standing
from duban.assessment.selectors import event_list, objection_list, ranking_list, unit_score
from duban.assessment.services.manual import (
    absence_record,
    manual_event_decide,
    manual_event_propose,
    objection_decide,
    objection_raise,
)
from duban.assessment.services.scoring import ranking_publish
from duban.core.errors import ApplicationError
from duban.org.models import User
from tests import factories as f
from tests.assessment_fixtures import JAN, events_of, january_facts, points


@pytest.fixture
def second_office(district):
    return f.UserFactory(username="office2", role=User.Role.OFFICE, unit=district.office_unit)


def _bonus() -> Rule:
    return Rule.objects.get(code="task-bonus", scheme__number=1)


@pytest.fixture
def january(district):
    return january_facts(district)


def test_manual_event_needs_a_second_office_user(january, district, second_office):
    d = district
    before = points(d.unit_a)
    event = manual_event_propose(
        unit=d.unit_a,
        rule=_bonus(),
        period=JAN,
        reason="承担全运会场馆保障任务",
        evidence="区委办公室督查通报〔2024〕3号",
        by=d.office,
    )
    assert event.state == ScoreEvent.State.PENDING and points(d.unit_a) == before
    with pytest.raises(ApplicationError, match="录入人以外") as refused:
        manual_event_decide(event=event, approve=True, by=d.office, version=event.version)
    assert refused.value.code == "forbidden"
    with pytest.raises(ApplicationError, match="推进办"):
        manual_event_decide(event=event, approve=True, by=d.head_b, version=event.version)
    event.refresh_from_db()
    assert event.state == ScoreEvent.State.PENDING
    # Pending events are the office's business: the unit does not see them yet.
    assert not event_list(user=d.head_a).filter(pk=event.pk).exists()
    manual_event_decide(event=event, approve=True, by=second_office, version=event.version)
    event.refresh_from_db()
    assert (event.state, event.approved_by) == (ScoreEvent.State.APPROVED, second_office)
    assert points(d.unit_a) == before + Decimal(2)
    assert event_list(user=d.head_a).filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    ("reason", "evidence", "message"),
    [("", "文件", "理由"), ("理由", "  ", "佐证")],
)
def test_manual_event_without_reason_or_evidence_is_refused(
    january, district, reason, evidence, message
):
    with pytest.raises(ApplicationError, match=message):
        manual_event_propose(
            unit=district.unit_a,
            rule=_bonus(),
            period=JAN,
            reason=reason,
            evidence=evidence,
            by=district.office,
        )
    assert not ScoreEvent.objects.filter(origin="manual").exists()


def test_manual_event_refuses_an_automatic_rule_and_a_published_month(january, district):
    auto = Rule.objects.get(code="report-late")
    with pytest.raises(ApplicationError, match="自动"):
        manual_event_propose(
            unit=district.unit_a,
            rule=auto,
            period=JAN,
            reason="r",
            evidence="e",
            by=district.office,
        )
    ranking_publish(period=JAN, by=district.office)
    with pytest.raises(ApplicationError, match="已公布"):
        manual_event_propose(
            unit=district.unit_a,
            rule=_bonus(),
            period=JAN,
            reason="r",
            evidence="e",
            by=district.office,
        )


def test_objection_cancelled_removes_the_points_and_both_are_kept(january, district):
    d = district
    [event] = events_of(d.unit_b, Source.MEETING_MISSED)
    before = points(d.unit_b)
    objection = objection_raise(event=event, reason="已请假并经会议主持人同意", by=d.reporter_b)
    with pytest.raises(ApplicationError, match="待处理"):
        objection_raise(event=event, reason="再次", by=d.head_b)
    with pytest.raises(ApplicationError, match="处理意见"):
        objection_decide(objection=objection, cancel=True, decision="", by=d.office, version=1)
    objection_decide(
        objection=objection, cancel=True, decision="请假属实，撤销扣分", by=d.office, version=1
    )
    event.refresh_from_db()
    objection.refresh_from_db()
    assert event.state == ScoreEvent.State.CANCELLED
    assert objection.state == Objection.State.CANCELLED and objection.decided_by == d.office
    assert points(d.unit_b) == before + Decimal(1)
    # Recomputing keeps the cancelled event and its objection.
    from duban.assessment.services.scoring import events_compute

    events_compute(period=JAN, by=d.office)
    event.refresh_from_db()
    assert event.state == ScoreEvent.State.CANCELLED
    assert points(d.unit_b) == before + Decimal(1)


def test_objection_upheld_keeps_the_points(january, district):
    d = district
    [event] = events_of(d.unit_b, Source.FLAG_MISSED)
    before = points(d.unit_b)
    o = objection_raise(event=event, reason="已整改", by=d.head_b)
    objection_decide(objection=o, cancel=False, decision="逾期属实，维持", by=d.office, version=1)
    o.refresh_from_db()
    assert o.state == Objection.State.UPHELD
    assert points(d.unit_b) == before
    assert list(objection_list(user=d.reporter_b)) == [o]
    assert list(objection_list(user=d.reporter_a)) == []


def test_objection_only_by_the_unit_and_within_the_window(january, district, time_machine):
    d = district
    [event] = events_of(d.unit_b, Source.REPLY_LATE)
    with pytest.raises(ApplicationError, match="被计分单位"):
        objection_raise(event=event, reason="不是我们", by=d.reporter_a)
    with pytest.raises(ApplicationError, match="异议理由"):
        objection_raise(event=event, reason=" ", by=d.reporter_b)
    # Scored on 3 April 2024 (Wednesday); 4–6 April are the 清明 holiday, 7 April a 调休
    # working Sunday: five working days end on 11 April.
    time_machine.move_to("2024-04-12 10:00:00+08:00", tick=False)
    with pytest.raises(ApplicationError, match="异议期已过"):
        objection_raise(event=event, reason="迟了", by=d.reporter_b)
    assert not Objection.objects.exists()


def test_office_facts_refusals(january, district):
    d = district
    with pytest.raises(ApplicationError, match="推进办"):
        absence_record(meeting=january.meeting, unit=d.unit_a, by=d.head_a)
    with pytest.raises(ApplicationError, match="参会单位"):
        absence_record(meeting=january.meeting, unit=d.unit_a1, by=d.office)
    # Recorded after the close, it is scored at once (the month is not published).
    absence_record(meeting=january.meeting, unit=d.unit_a, by=d.office)
    assert len(events_of(d.unit_a, Source.MEETING_MISSED)) == 1


def test_each_role_sees_its_own_events_and_rankings_once_published(january, district):
    d = district
    units = {
        "office": {d.unit_a.pk, d.unit_a1.pk, d.unit_b.pk},
        "head_a": {d.unit_a.pk, d.unit_a1.pk},
        "reporter_a": {d.unit_a.pk, d.unit_a1.pk},
        "reporter_b": {d.unit_b.pk},
        "head_b": {d.unit_b.pk},
        "leader": {d.unit_a.pk, d.unit_a1.pk},
        "viewer": {d.unit_b.pk},
        "steward": set(),
    }
    for name, user in d.users().items():
        seen = set(event_list(user=user, year=2024).values_list("unit_id", flat=True))
        assert seen == units[name], name
        assert ranking_list(user=user).exists() == (name == "office"), name
    ranking_publish(period=JAN, by=d.office)
    for name, user in d.users().items():
        assert ranking_list(user=user).count() == 1, name
    months = unit_score(user=d.reporter_b, unit=d.unit_b, year=2024)
    assert months[0].standing is not None
    assert months[0].points == Standing.objects.get(unit=d.unit_b, span="month").points


def test_a_principal_sees_every_valid_event_but_no_unpublished_ranking(january, district):
    quzhang = f.UserFactory(username="quzhang", role=User.Role.LEADER, unit=None, principal=True)
    seen = set(event_list(user=quzhang, year=2024).values_list("unit_id", flat=True))
    assert seen == {district.unit_a.pk, district.unit_a1.pk, district.unit_b.pk}
    assert not ranking_list(user=quzhang).exists()


def test_objection_window_refusal_writes_its_date_in_the_readers_language(
    january, district, time_machine
):
    # given: the window ended on 11 April 2024 (the English refusal read "截至2024年4月11日")
    [event] = events_of(district.unit_b, Source.REPLY_LATE)
    time_machine.move_to("2024-04-12 10:00:00+08:00", tick=False)
    # when
    with translation.override("en"), pytest.raises(ApplicationError) as refused:
        objection_raise(event=event, reason="late", by=district.reporter_b)
    # then
    message = str(refused.value.message)
    assert "2024-4-11" in message and "年" not in message

"""`duban remind`: reports due in N days, due today, late; problems due soon and overdue; once a
day whatever the number of runs, and lateness repeated weekly, not daily."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from duban.core.events import NotificationKind as K
from duban.notify.models import Notification
from duban.notify.reminders import reminders_raise
from duban.reporting.models import MonthlyReport, ReportingSettings
from tests import factories as f
from tests import problem_factories as pf


@pytest.fixture
def remind(django_capture_on_commit_callbacks):
    # Events reach notify after commit; a test runs inside one transaction.
    def _remind(day):
        with django_capture_on_commit_callbacks(execute=True):
            return reminders_raise(on=day)

    return _remind


@pytest.fixture
def due_on_5th(district):
    ReportingSettings.objects.update_or_create(pk=1, defaults={"due_day": 5})
    return district


def _told(user, kind):
    return list(
        Notification.objects.filter(recipient=user, kind=kind).values_list("text", flat=True)
    )


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2024, 4, 2), K.REPORT_DUE_SOON),
        (date(2024, 4, 5), K.REPORT_DUE_TODAY),
        (date(2024, 4, 6), K.REPORT_LATE),
        (date(2024, 4, 13), K.REPORT_LATE),
    ],
)
def test_remind_tells_the_unit_on_the_reminder_days(due_on_5th, remind, day, kind):
    d = due_on_5th
    # given: item_b reported for March, the others not
    f.ReportFactory(work_item=d.item_b, month=3, state=MonthlyReport.State.SUBMITTED)
    # when
    remind(day)
    # then
    texts = _told(d.reporter_a, kind)
    assert any("发改项目甲" in t for t in texts)
    assert not any("住建项目乙" in t for t in _told(d.reporter_b, kind))
    assert any("住建项目丙" in t for t in _told(d.reporter_b, kind))
    # reporter_a sees item_b as a co-unit, but is not told about unit B's report
    assert not any("住建项目" in t for t in _told(d.reporter_a, kind))


@pytest.mark.parametrize("day", [date(2024, 4, 1), date(2024, 4, 7), date(2024, 4, 12)])
def test_remind_is_quiet_between_reminder_days(due_on_5th, remind, day):
    remind(day)
    assert Notification.objects.count() == 0


def test_remind_twice_a_day_tells_once(due_on_5th, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind", "--date", "2024-04-06", stdout=StringIO())
    first = Notification.objects.count()
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("remind", "--date", "2024-04-06", stdout=out)
    assert first > 0 and Notification.objects.count() == first
    assert "reminders: reports" in out.getvalue()


def test_remind_problems_due_soon_and_overdue(district, remind):
    soon = pf.AssignedProblemFactory(work_item=district.item_a, due_date=date(2024, 4, 9))
    late = pf.AssignedProblemFactory(work_item=district.item_x, due_date=date(2024, 4, 5))
    pf.ClosedProblemFactory(work_item=district.item_x, due_date=date(2024, 4, 5))
    result = remind(date(2024, 4, 6))
    assert result.problems == 2
    assert [n.target_id for n in Notification.objects.filter(kind=K.PROBLEM_DUE_SOON)] == [
        soon.pk,
        soon.pk,
    ]
    overdue = Notification.objects.filter(kind=K.PROBLEM_OVERDUE)
    assert {n.recipient.username for n in overdue} == {"head_b", "reporter_b"}
    assert {n.target_id for n in overdue} == {late.pk}


def test_remind_rejects_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("remind", "--date", "2024-13-01")


def test_remind_prompts_awaiting_a_reply_and_flags_near_their_deadline(district, remind):
    from duban.supervision.models import Flag
    from tests.supervision_fixtures import issued_prompt

    prompt = issued_prompt(district.unit_b, items=[district.item_x], reply_due=date(2024, 4, 10))
    flag = Flag.objects.create(
        target=Flag.Target.UNIT,
        unit=district.unit_b,
        state=Flag.State.OPEN,
        deadline=date(2024, 4, 10),
        flagged_on=date(2024, 3, 1),
    )
    result = remind(date(2024, 4, 7))  # three days before
    assert result.supervision == 2
    assert "4月10日前答复" in _told(district.head_b, K.PROMPT_REPLY_DUE)[0]
    assert "整改时限" in _told(district.reporter_b, K.FLAG_DEADLINE_NEAR)[0]
    # a unit that the prompt is not about hears nothing
    assert not _told(district.reporter_a, K.PROMPT_REPLY_DUE)
    remind(date(2024, 4, 11))  # the day after the reply was due: the unit and the office
    assert _told(district.head_b, K.PROMPT_REPLY_LATE)
    assert _told(district.office, K.PROMPT_REPLY_LATE)
    remind(date(2024, 4, 12))  # not the next day again
    assert len(_told(district.head_b, K.PROMPT_REPLY_LATE)) == 1
    prompt.state = "replied"
    prompt.save()
    flag.state = Flag.State.DELISTED
    flag.save()
    assert remind(date(2024, 4, 18)).supervision == 0

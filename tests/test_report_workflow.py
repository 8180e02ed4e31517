"""The monthly report workflow: every allowed and forbidden transition, locks and bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from duban.core.errors import ApplicationError, ConflictError
from duban.core.periods import Period
from duban.ledger.models import Project, WorkItem
from duban.reporting.models import MonthClose, MonthlyReport, ReportingSettings
from duban.reporting.services import (
    month_close,
    report_accept,
    report_is_late,
    report_no_change,
    report_return,
    report_save,
    report_sign_off,
    report_start,
    report_submit,
)
from tests import factories as f

S = MonthlyReport.State
MARCH = Period(2024, 3)


def _submit(report, by):
    return report_submit(report=report, by=by, version=report.version)


def _filled(district, item=None, by=None, amount="1500"):
    item = item or district.item_a
    by = by or district.reporter_a
    report = report_start(item=item, period=MARCH, by=by)
    return report_save(
        report=report,
        by=by,
        version=report.version,
        data={"investment_month": Decimal(amount), "progress_text": "主体结构施工"},
    )


def test_reporter_submission_waits_for_head_then_office_accepts(district):
    # given
    report = _filled(district)
    # when
    report = report_submit(report=report, by=district.reporter_a, version=report.version)
    # then
    assert report.state == S.PENDING_SIGNOFF and report.submitted_at is None
    report = report_sign_off(report=report, by=district.head_a, version=report.version)
    assert report.state == S.SUBMITTED and report.first_submitted_at is not None
    assert report.signed_off_by == district.head_a
    report = report_accept(report=report, by=district.office, version=report.version)
    assert report.state == S.ACCEPTED and report.reviewed_by == district.office


def test_without_signoff_setting_reporter_submits_directly(district):
    ReportingSettings.objects.update_or_create(pk=1, defaults={"require_head_signoff": False})
    report = _submit(_filled(district), district.reporter_a)
    assert report.state == S.SUBMITTED


def test_head_submission_counts_at_once(district):
    report = _submit(_filled(district, by=district.head_a), district.head_a)
    assert report.state == S.SUBMITTED and report.signed_off_by == district.head_a


def test_return_needs_reason_and_resubmission_keeps_first_time(district):
    # given
    report = _submit(_filled(district, by=district.head_a), district.head_a)
    first = report.first_submitted_at
    # when / then
    with pytest.raises(ApplicationError, match="原因"):
        report_return(report=report, by=district.office, reason="  ", version=report.version)
    report = report_return(
        report=report, by=district.office, reason="投资额与统计局数据不符", version=report.version
    )
    assert report.state == S.RETURNED and report.times_returned == 1
    report = report_save(
        report=report,
        by=district.head_a,
        version=report.version,
        data={"investment_month": Decimal("1200")},
    )
    report = report_submit(report=report, by=district.head_a, version=report.version)
    assert report.state == S.SUBMITTED
    assert report.first_submitted_at == first
    assert report.history.filter(history_change_reason__startswith="return:").exists()


def test_steward_accepts_and_returns_for_their_item(district):
    report = _submit(_filled(district, item=district.item_c, by=district.head_b), district.head_b)
    assert (
        report_accept(report=report, by=district.steward, version=report.version).state
        == S.ACCEPTED
    )


def test_accept_applies_start_statistics_and_milestones_to_item(district):
    # given: a project still in preparation
    milestone = f.MilestoneFactory(work_item=district.item_a, name="开工")
    item = district.item_a
    Project.objects.filter(pk=item.project_id).update(stage=Project.Stage.PREPARATION)
    report = report_start(item=item, period=MARCH, by=district.head_a)
    report = report_save(
        report=report,
        by=district.head_a,
        version=report.version,
        data={
            "investment_month": Decimal(10),
            "progress_text": "开工",
            "started_on": date(2024, 3, 18),
            "in_statistics_on": date(2024, 3, 31),
        },
        milestones_reached={milestone.pk: date(2024, 3, 18)},
    )
    report = report_submit(report=report, by=district.head_a, version=report.version)
    # when
    report_accept(report=report, by=district.office, version=report.version)
    # then
    item.refresh_from_db()
    milestone.refresh_from_db()
    assert item.actual_start == date(2024, 3, 18)
    assert item.in_statistics and item.in_statistics_date == date(2024, 3, 31)
    assert milestone.actual_date == date(2024, 3, 18)
    assert Project.objects.get(pk=item.project_id).stage == Project.Stage.CONSTRUCTION


# Every (state, action) that the workflow does not allow, done by someone who otherwise could.
FORBIDDEN = [
    (S.DRAFT, "sign_off"),
    (S.DRAFT, "accept"),
    (S.DRAFT, "return"),
    (S.PENDING_SIGNOFF, "submit"),
    (S.PENDING_SIGNOFF, "accept"),
    (S.PENDING_SIGNOFF, "save"),
    (S.SUBMITTED, "submit"),
    (S.SUBMITTED, "sign_off"),
    (S.SUBMITTED, "save"),
    (S.ACCEPTED, "submit"),
    (S.ACCEPTED, "sign_off"),
    (S.ACCEPTED, "accept"),
    (S.ACCEPTED, "return"),
    (S.ACCEPTED, "save"),
    (S.RETURNED, "sign_off"),
    (S.RETURNED, "accept"),
    (S.RETURNED, "return"),
]


def _act(action, report, district):
    if action == "submit":
        return report_submit(report=report, by=district.head_a, version=report.version)
    if action == "sign_off":
        return report_sign_off(report=report, by=district.head_a, version=report.version)
    if action == "accept":
        return report_accept(report=report, by=district.office, version=report.version)
    if action == "return":
        return report_return(
            report=report, by=district.office, reason="不符", version=report.version
        )
    return report_save(
        report=report,
        by=district.head_a,
        version=report.version,
        data={"investment_month": Decimal(1)},
    )


@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_forbidden_transition_names_the_state_and_changes_nothing(district, state, action):
    # given
    report = f.ReportFactory(
        work_item=district.item_a, month=3, state=state, investment_month=Decimal(7)
    )
    before = (report.state, report.version, report.investment_month)
    # when
    with pytest.raises(ApplicationError) as exc:
        _act(action, report, district)
    # then
    report.refresh_from_db()
    assert (report.state, report.version, report.investment_month) == before
    assert report.get_state_display() in str(exc.value)


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("reporter_a", "accept"),
        ("reporter_a", "sign_off"),
        ("head_a", "accept"),
        ("reporter_b", "submit"),
        ("leader", "accept"),
        ("viewer", "return"),
        ("steward", "accept"),
    ],
)
def test_role_without_the_right_is_refused(district, who, action):
    # given: a report of unit A awaiting what `action` would do
    state = {
        "accept": S.SUBMITTED,
        "sign_off": S.PENDING_SIGNOFF,
        "submit": S.DRAFT,
        "return": S.SUBMITTED,
    }[action]
    report = f.ReportFactory(work_item=district.item_a, month=3, state=state)
    user = district.users()[who]
    # when
    with pytest.raises(ApplicationError) as exc:
        if action == "accept":
            report_accept(report=report, by=user, version=report.version)
        elif action == "sign_off":
            report_sign_off(report=report, by=user, version=report.version)
        elif action == "submit":
            report_submit(report=report, by=user, version=report.version)
        else:
            report_return(report=report, by=user, reason="x", version=report.version)
    # then
    assert exc.value.code == "forbidden"
    report.refresh_from_db()
    assert report.state == state


def test_unit_user_cannot_start_another_units_report(district):
    with pytest.raises(ApplicationError, match="不能填报"):
        report_start(item=district.item_x, period=MARCH, by=district.reporter_a)
    assert not MonthlyReport.objects.exists()


def test_co_unit_cannot_fill_the_lead_units_report(district):
    with pytest.raises(ApplicationError):
        report_start(item=district.item_b, period=MARCH, by=district.reporter_a)


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (Period(2023, 12), "不在该事项的年度"),
        (Period(2025, 1), "不在该事项的年度"),
        (Period(2024, 5), "未来月份"),
    ],
)
def test_period_outside_item_year_or_in_future_is_refused(district, period, message):
    with pytest.raises(ApplicationError, match=message):
        report_start(item=district.item_a, period=period, by=district.reporter_a)
    assert not MonthlyReport.objects.exists()


def test_draft_item_takes_no_report(district):
    WorkItem.objects.filter(pk=district.item_a.pk).update(status=WorkItem.Status.DRAFT)
    district.item_a.refresh_from_db()
    with pytest.raises(ApplicationError, match="尚未下达"):
        report_start(item=district.item_a, period=MARCH, by=district.reporter_a)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"investment_month": Decimal("-5")}, "不能为负数"),
        ({"funds_month": Decimal("-0.0001")}, "不能为负数"),
        ({"investment_month": Decimal("60000")}, "超过项目总投资"),
        ({"investment_month": Decimal("100000001")}, "不合理"),
        ({"progress_pct": Decimal("120")}, "0到100"),
        ({"started_on": date(2024, 4, 2)}, "晚于报告期末"),
    ],
)
def test_bad_amounts_and_dates_are_refused_and_nothing_changes(district, data, message):
    # given
    report = _filled(district)
    version = report.version
    # when
    with pytest.raises(ApplicationError, match=message):
        report_save(report=report, by=district.reporter_a, version=version, data=data)
    # then
    report.refresh_from_db()
    assert report.version == version and report.investment_month == Decimal("1500")


def test_second_saver_gets_conflict_and_first_save_stays(district):
    # given: two people opened the same draft
    report = _filled(district)
    opened_version = report.version
    report_save(
        report=report,
        by=district.reporter_a,
        version=opened_version,
        data={"investment_month": Decimal("1600")},
    )
    # when: the second saves with the version they opened
    with pytest.raises(ConflictError, match="已被他人修改"):
        report_save(
            report=report,
            by=district.head_a,
            version=opened_version,
            data={"investment_month": Decimal("9")},
        )
    # then
    report.refresh_from_db()
    assert report.investment_month == Decimal("1600")


def test_closed_month_locks_reports(district):
    # given
    report = _filled(district)
    month_close(period=MARCH, by=district.office)
    # when / then
    with pytest.raises(ApplicationError, match="已关账") as exc:
        report_save(
            report=report,
            by=district.reporter_a,
            version=report.version,
            data={"investment_month": Decimal(1)},
        )
    assert exc.value.code == "locked"
    with pytest.raises(ApplicationError, match="已关账"):
        report_submit(report=report, by=district.head_a, version=report.version)
    with pytest.raises(ApplicationError, match="已关账"):
        report_start(item=district.item_x, period=MARCH, by=district.head_b)


def test_month_close_rules(district):
    with pytest.raises(ApplicationError, match="只有推进办"):
        month_close(period=MARCH, by=district.head_a)
    with pytest.raises(ApplicationError, match="尚未结束"):
        month_close(period=Period(2024, 4), by=district.office)
    report = _submit(_filled(district, by=district.head_a), district.head_a)
    with pytest.raises(ApplicationError, match="待审签或待审核"):
        month_close(period=MARCH, by=district.office)
    report_accept(report=report, by=district.office, version=report.version)
    month_close(period=MARCH, by=district.office)
    with pytest.raises(ApplicationError, match="已经关账"):
        month_close(period=MARCH, by=district.office)
    assert MonthClose.objects.count() == 1


def test_submit_requires_investment_and_progress_for_projects(district):
    report = report_start(item=district.item_a, period=MARCH, by=district.head_a)
    with pytest.raises(ApplicationError, match="本月完成投资"):
        report_submit(report=report, by=district.head_a, version=report.version)


def test_no_change_copies_last_month_and_submits(district):
    # given: February's report of the task with an indicator value
    task = district.task_a
    indicator = task.indicators.get()
    feb = f.ReportFactory(
        work_item=task, month=2, investment_month=None, progress_text="已新增市场主体40户"
    )
    feb.indicator_values.create(indicator=indicator, value=Decimal(40), note="")
    head = f.UserFactory(role="unit_head", unit=district.unit_a1)
    # when
    report = report_no_change(item=task, period=MARCH, by=head, version=None)
    # then
    assert report.state == S.SUBMITTED and report.no_change
    assert report.progress_text == "已新增市场主体40户"
    assert report.indicator_values.get().value == Decimal(40)


def test_no_change_refused_for_projects_and_without_previous_month(district):
    with pytest.raises(ApplicationError, match="只适用于重点工作"):
        report_no_change(item=district.item_a, period=MARCH, by=district.head_a, version=None)
    head = f.UserFactory(role="unit_head", unit=district.unit_a1)
    with pytest.raises(ApplicationError, match="没有上月月报"):
        report_no_change(item=district.task_a, period=MARCH, by=head, version=None)


def test_no_change_replaces_a_draft_only_with_the_version_read(district):
    # given: February reported; March's draft holds what a colleague typed (version 2)
    task = district.task_a
    f.ReportFactory(work_item=task, month=2, investment_month=None, progress_text="二月进展")
    head = f.UserFactory(role="unit_head", unit=district.unit_a1)
    colleague = f.UserFactory(role="reporter", unit=district.unit_a1)
    draft = report_start(item=task, period=MARCH, by=colleague)
    draft = report_save(
        report=draft, by=colleague, version=draft.version, data={"progress_text": "三月新进展"}
    )
    # when / then: without the version, or with a stale one, nothing changes
    with pytest.raises(ApplicationError) as missing:
        report_no_change(item=task, period=MARCH, by=head, version=None)
    assert missing.value.field == "version"
    with pytest.raises(ConflictError):
        report_no_change(item=task, period=MARCH, by=head, version=draft.version - 1)
    draft.refresh_from_db()
    assert (draft.state, draft.progress_text, draft.no_change) == (S.DRAFT, "三月新进展", False)
    # and with the version read, last month's progress replaces it and is submitted
    report = report_no_change(item=task, period=MARCH, by=head, version=draft.version)
    assert (report.pk, report.state, report.progress_text) == (draft.pk, S.SUBMITTED, "二月进展")


def test_lateness_counts_from_due_day_setting(district, time_machine):
    report = _filled(district, by=district.head_a)
    time_machine.move_to("2024-04-06 09:00:00+08:00", tick=False)
    report = report_submit(report=report, by=district.head_a, version=report.version)
    assert report_is_late(report, due_day=5)
    assert not report_is_late(report, due_day=10)


@pytest.mark.parametrize("step", ["submit", "sign_off", "accept", "return", "save"])
def test_every_step_refuses_without_the_version_read(district, step):
    # given: a report in the state the step acts on
    report = _filled(district)
    if step in ("sign_off", "return"):
        ReportingSettings.objects.update_or_create(pk=1, defaults={"require_head_signoff": True})
        report = _submit(report, district.reporter_a)
    elif step == "accept":
        report = _submit(report, district.head_a)
    before = MonthlyReport.objects.get(pk=report.pk).version
    calls = {
        "submit": lambda: report_submit(report=report, by=district.head_a, version=None),
        "sign_off": lambda: report_sign_off(report=report, by=district.head_a, version=None),
        "accept": lambda: report_accept(report=report, by=district.office, version=None),
        "return": lambda: report_return(
            report=report, by=district.office, reason="不符", version=None
        ),
        "save": lambda: report_save(
            report=report, by=district.head_a, version=None, data={"progress_text": "x"}
        ),
    }
    # when / then: refused with the reason, nothing changed
    with pytest.raises(ApplicationError, match="版本号") as exc:
        calls[step]()
    assert exc.value.field == "version"
    assert MonthlyReport.objects.get(pk=report.pk).version == before

"""Frozen months: the close stores every item's figures and light and each unit's counts;
a closed month reads back from the snapshot, unchanged by later corrections; refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.services import api_token_create
from duban.reporting.models import (
    ItemSnapshot,
    LightRules,
    MonthClose,
    MonthlyReport,
    ReportCorrection,
    UnitSnapshot,
)
from duban.reporting.selectors import compute_progress, progress_for_item, progress_for_items
from duban.reporting.services import closing as closing_service
from duban.reporting.services import month_close, report_correct
from tests import factories as f

S = MonthlyReport.State
FEB = Period(2024, 2)
MARCH = Period(2024, 3)


@pytest.fixture
def reported(district):
    """item_a: Jan 1000, Feb 2000 accepted; item_b: Feb 500 late; item_c: nothing."""
    d = district
    on_time = datetime(2024, 3, 1, 9, tzinfo=UTC)
    for month, amount in ((1, 1000), (2, 2000)):
        f.ReportFactory(
            work_item=d.item_a,
            month=month,
            investment_month=Decimal(amount),
            state=S.ACCEPTED,
            submitted_at=on_time,
            first_submitted_at=on_time,
        )
    late = f.ReportFactory(work_item=d.item_b, month=2, investment_month=Decimal(500))
    late.first_submitted_at = late.submitted_at = clock.now()  # 2024-04-03: after 3月5日
    late.state = S.ACCEPTED
    late.save()
    return d


def test_close_freezes_what_a_fresh_computation_gives(reported):
    d = reported
    # given: the progress computed at the moment of closing
    fresh = compute_progress([d.item_a, d.item_b, d.item_c, d.item_x, d.task_a], FEB)
    # when
    close = month_close(period=FEB, by=d.office)
    # then: every item of the year is frozen, equal to that computation
    frozen = progress_for_items([d.item_a, d.item_b, d.item_c, d.item_x, d.task_a], FEB)
    assert set(frozen) == set(fresh)
    for pk, p in fresh.items():
        snap = frozen[pk]
        assert snap.frozen and not p.frozen
        assert snap.figures == p.figures
        assert (snap.light, snap.reasons, snap.report) == (p.light, p.reasons, p.report)
    assert frozen[d.item_a.pk].figures.ytd_investment == Decimal(3000)
    assert close.rules_id == LightRules.objects.order_by("-pk").first().pk
    assert close.summary["items"] == 5
    # and each unit's counts
    unit_b = UnitSnapshot.objects.get(close=close, unit=d.unit_b)
    assert (unit_b.items, unit_b.reports_due, unit_b.late, unit_b.missing) == (3, 3, 1, 2)
    unit_a = UnitSnapshot.objects.get(close=close, unit=d.unit_a)
    assert (unit_a.on_time, unit_a.late, unit_a.missing) == (1, 0, 0)


def test_closed_month_never_changes_after_a_correction(reported):
    d = reported
    month_close(period=FEB, by=d.office)
    before = progress_for_item(d.item_a, FEB)
    report = MonthlyReport.objects.get(work_item=d.item_a, month=2)
    # when: the office corrects February's figure by 700
    correction = report_correct(
        report=report,
        by=d.office,
        version=report.version,
        reason="统计局核定数",
        values={"investment_month": Decimal(2700)},
    )
    # then: February still reads 3000 from its snapshot; March (open) counts the correction
    assert progress_for_item(d.item_a, FEB).figures == before.figures
    assert before.figures.ytd_investment == Decimal(3000)
    assert progress_for_item(d.item_a, MARCH).figures.ytd_investment == Decimal(3700)
    assert correction.counted_from == MARCH
    assert correction.old_values == {"investment_month": "2000.0000"}
    assert ItemSnapshot.objects.get(work_item=d.item_a, month=2).ytd_investment == 3000


def test_correction_refusals_change_nothing(reported):
    d = reported
    report = MonthlyReport.objects.get(work_item=d.item_a, month=2)
    # an open month: edit the report instead
    with pytest.raises(ApplicationError, match="尚未关账"):
        report_correct(report=report, by=d.office, version=report.version, reason="x", values={})
    month_close(period=FEB, by=d.office)
    with pytest.raises(ApplicationError, match="更正原因"):
        report_correct(
            report=report,
            by=d.office,
            version=report.version,
            reason=" ",
            values={"investment_month": Decimal(1)},
        )
    with pytest.raises(ApplicationError, match="推进办"):
        report_correct(
            report=report,
            by=d.reporter_a,
            version=report.version,
            reason="x",
            values={"investment_month": Decimal(1)},
        )
    with pytest.raises(ApplicationError, match="1,400,000,000万元"):
        report_correct(
            report=report,
            by=d.office,
            version=report.version,
            reason="x",
            values={"investment_month": Decimal(1_400_000_000)},
        )
    report.refresh_from_db()
    assert report.investment_month == Decimal(2000)
    assert not ReportCorrection.objects.exists()


def test_close_refusals_change_nothing(reported):
    d = reported
    with pytest.raises(ApplicationError, match="尚未结束"):
        month_close(period=Period(2024, 4), by=d.office)
    with pytest.raises(ApplicationError, match="推进办"):
        month_close(period=FEB, by=d.head_a)
    f.ReportFactory(work_item=d.item_c, month=2, state=S.SUBMITTED)
    with pytest.raises(ApplicationError, match="待审签或待审核"):
        month_close(period=FEB, by=d.office)
    assert not MonthClose.objects.exists() and not ItemSnapshot.objects.exists()


def test_closing_twice_is_refused(reported):
    month_close(period=FEB, by=reported.office)
    with pytest.raises(ApplicationError, match="已经关账"):
        month_close(period=FEB, by=reported.office)
    assert ItemSnapshot.objects.filter(month=2).count() == 5


def test_two_offices_closing_at_once_one_is_told(reported, monkeypatch):
    # given: the other office's close landed between this one's check and its insert
    month_close(period=FEB, by=reported.office)
    monkeypatch.setattr(closing_service, "month_close_refusal", lambda period: None)
    # when / then
    with pytest.raises(ApplicationError, match="刚刚已由他人关账") as e:
        month_close(period=FEB, by=reported.office)
    assert e.value.code == "conflict"
    assert MonthClose.objects.count() == 1
    assert ItemSnapshot.objects.filter(month=2).count() == 5


def test_locked_reports_of_a_closed_month(reported):
    d = reported
    draft = f.ReportFactory(work_item=d.item_c, month=2, state=S.DRAFT)
    month_close(period=FEB, by=d.office)
    from duban.reporting.services import report_save

    with pytest.raises(ApplicationError, match="已关账"):
        report_save(report=draft, by=d.reporter_b, version=draft.version, data={})


def test_close_page_lists_blockers_with_links_then_says_what_it_froze(reported, login):
    d = reported
    waiting = f.ReportFactory(work_item=d.item_c, month=2, state=S.PENDING_SIGNOFF)
    client = login(d.office)
    page = client.get(reverse("web:month_close"), {"period": "2024-02"}).content.decode()
    assert reverse("reporting:report", args=[waiting.pk]) in page
    assert "待审签或待审核" in page
    waiting.delete()
    response = client.post(reverse("web:month_close"), {"period": "2024-02"}, follow=True)
    html = response.content.decode()
    assert "2024年2月已关账：冻结了5个事项的数字和亮灯" in html
    assert "关账时冻结的内容" in html
    assert MonthClose.objects.filter(year=2024, month=2).exists()


def test_cli_close(reported, capsys):
    call_command("close", "--period", "2024-02", "--user", "office")
    assert "2024-02 closed: items 5" in capsys.readouterr().out
    with pytest.raises(CommandError) as e:
        call_command("close", "--period", "2024-02", "--user", "office")
    assert e.value.returncode == 1
    with pytest.raises(CommandError) as e:
        call_command("close", "--period", "2024-13", "--user", "office")
    assert e.value.returncode == 2


def test_api_close_and_correction(reported):
    d = reported
    office = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=d.office)}")
    unit = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=d.reporter_a)}")
    assert unit.post("/api/v1/months/2024-02/close").status_code == 403
    assert office.get("/api/v1/months/2024-04").json()["refusal"]
    response = office.post("/api/v1/months/2024-02/close")
    assert response.status_code == 200
    body = response.json()
    assert body["closed"] and body["summary"]["items"] == 5
    assert office.post("/api/v1/months/2024-02/close").status_code == 422
    report = MonthlyReport.objects.get(work_item=d.item_a, month=2)
    url = f"/api/v1/reports/{report.pk}/correction"
    bad = office.post(url, {"version": report.version, "reason": "x"}, "application/json")
    assert bad.status_code == 422  # nothing to correct
    ok = office.post(
        url,
        {"version": report.version, "reason": "核定", "investment_month": "2100"},
        "application/json",
    )
    assert ok.status_code == 200 and ok.json()["counted_from"] == "2024-03"
    stale = office.post(
        url,
        {"version": report.version, "reason": "核定", "investment_month": "2200"},
        "application/json",
    )
    assert stale.status_code == 409
    # the item in the API reads February from the snapshot
    item = office.get(f"/api/v1/work-items/{d.item_a.pk}", {"period": "2024-02"}).json()
    assert item["figures"]["ytd_investment"].startswith("3000")
    assert item["progress"]["frozen"] is True


def test_api_filters_items_by_light(reported):
    d = reported
    office = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=d.office)}")
    # item_a: 3000 of 12000 by February = 25% vs 序时 16.7% (green); item_c: nothing (yellow)
    red_or_yellow = office.get("/api/v1/work-items", {"period": "2024-02", "light": "yellow"})
    ids = {i["id"] for i in red_or_yellow.json()["items"]}
    assert d.item_c.pk in ids and d.item_a.pk not in ids
    green = office.get("/api/v1/work-items", {"period": "2024-02", "light": "green"}).json()
    assert d.item_a.pk in {i["id"] for i in green["items"]}
    reasons = next(i for i in red_or_yellow.json()["items"] if i["id"] == d.item_c.pk)
    assert reasons["progress"]["reasons"][0]["text"] == "低于序时进度16.7个百分点"


def test_ledger_list_shows_and_filters_lights(reported, login):
    d = reported
    client = login(d.office)
    html = client.get(reverse("ledger:list"), {"year": 2024, "light": "yellow"}).content.decode()
    assert d.item_c.title in html and d.item_a.title not in html
    assert "低于序时进度" in html
    assert "亮灯说明" in html
    item_page = client.get(d.item_c.get_absolute_url()).content.decode()
    assert "黄灯" in item_page and "低于序时进度" in item_page


def test_form_figure_cards_ignore_a_refused_amount(district, login):
    d = district
    client = login(d.reporter_a)
    url = reverse("reporting:figures", args=[d.item_a.pk, MARCH])
    html = client.get(url, {"investment_month": "1400000000"}).content.decode()
    assert "1,400,000,000万元" in html and "E+" not in html
    assert "10000014" not in html and "9999977" not in html
    assert "0.0%" in html  # the counted figures, not the refused amount


def test_import_and_form_refuse_the_same_amount_with_the_same_message(district):
    from duban.reporting.services import report_save, report_start

    report = report_start(item=district.item_a, period=MARCH, by=district.reporter_a)
    with pytest.raises(ApplicationError) as form_error:
        report_save(
            report=report,
            by=district.reporter_a,
            version=report.version,
            data={"investment_month": Decimal(1_400_000_000)},
        )
    from duban.reporting.validation import amount_problem

    assert str(form_error.value) == amount_problem("investment_month", Decimal(1_400_000_000))


def test_indicator_values_are_checked_against_their_kind(district):
    from duban.reporting.services import report_save, report_start

    pct = f.IndicatorFactory(work_item=district.task_a, name="覆盖率", unit_of_measure="%")
    count = district.task_a.indicators.get(name="新增市场主体")
    reporter = f.UserFactory(role="reporter", unit=district.unit_a1)
    report = report_start(item=district.task_a, period=MARCH, by=reporter)
    for indicator, value, message in (
        (count, Decimal(-1), "不能为负数"),
        (pct, Decimal(120), "0到100之间"),
    ):
        with pytest.raises(ApplicationError, match=message):
            report_save(
                report=report,
                by=reporter,
                version=report.version,
                data={},
                indicator_values={indicator.pk: (value, "")},
            )
    assert not report.indicator_values.exists()
    assert date(2024, 4, 3) == clock.today()


def test_apps_above_compute_from_the_close_in_its_transaction(reported):
    from duban.reporting.signals import month_closed

    seen = []

    def receiver(sender, close, by, **kwargs):
        seen.append((close.year, close.month, close.summary["items"], by.pk))
        raise ApplicationError("卡片计算失败")

    month_closed.connect(receiver)
    try:
        with pytest.raises(ApplicationError, match="卡片计算失败"):
            month_close(period=FEB, by=reported.office)
    finally:
        month_closed.disconnect(receiver)
    # the receiver saw the frozen month; its failure rolled the close back
    assert seen == [(2024, 2, 5, reported.office.pk)]
    assert not MonthClose.objects.exists() and not ItemSnapshot.objects.exists()


def test_a_closed_months_light_filter_reads_the_snapshot(reported):
    d = reported
    month_close(period=FEB, by=d.office)
    # given: after the close, item_c's February figure is corrected into the open months only
    office = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=d.office)}")
    yellow = office.get("/api/v1/work-items", {"period": "2024-02", "light": "yellow"}).json()
    ids = {i["id"] for i in yellow["items"]}
    assert d.item_c.pk in ids and d.item_a.pk not in ids
    assert all(i["progress"]["frozen"] for i in yellow["items"])
    frozen = ItemSnapshot.objects.filter(month=2, light="yellow").count()
    assert yellow["count"] == frozen

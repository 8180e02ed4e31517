"""Monthly report pages: fill, submit, sign off, review, return; scope, conflicts, locks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from duban.core.periods import Period
from duban.reporting.models import MonthClose, MonthlyReport
from duban.reporting.services import report_save, report_start
from tests import factories as f

S = MonthlyReport.State
MARCH = "2024-03"


def fill_url(item, period=MARCH):
    return reverse("reporting:fill", args=[item.pk, period])


def project_post(version, **overrides):
    data = {
        "version": version,
        "investment_month": "1500",
        "funds_month": "800",
        "progress_text": "主体结构施工至三层",
        "progress_pct": "35",
        "problems_text": "",
        "next_steps": "四月封顶",
        "action": "save",
    }
    data.update(overrides)
    return data


def open_report(client, item, period=MARCH) -> MonthlyReport:
    """Open the form (which writes nothing), then start the draft as a first save would."""
    response = client.get(fill_url(item, period))
    assert response.status_code == 200
    return report_start(item=item, period=Period.parse(period), by=response.wsgi_request.user)


def test_opening_the_form_writes_nothing(district, login):
    # given
    client = login(district.reporter_a)
    before = MonthlyReport.history.count()
    # when
    response = client.get(fill_url(district.item_a))
    # then: the form is there, but no draft and no history row
    assert response.status_code == 200
    assert 'name="investment_month"' in response.content.decode()
    assert not MonthlyReport.objects.filter(work_item=district.item_a).exists()
    assert MonthlyReport.history.count() == before
    # and the first save creates the draft
    client.post(fill_url(district.item_a), project_post(1))
    assert MonthlyReport.objects.filter(work_item=district.item_a, month=3).exists()


def test_fill_page_shows_the_form_with_period_and_due_date(district, login):
    # given
    client = login(district.reporter_a)
    # when
    response = client.get(fill_url(district.item_a))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "2024年3月月报" in html
    assert "2024年4月5日" in html
    assert 'name="investment_month"' in html
    assert "保存草稿" in html and "提交" in html
    assert not MonthlyReport.objects.filter(work_item=district.item_a).exists()


def test_fill_page_saves_a_draft(district, login):
    # given
    client = login(district.reporter_a)
    report = open_report(client, district.item_a)
    # when
    response = client.post(fill_url(district.item_a), project_post(report.version))
    # then
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == S.DRAFT
    assert report.investment_month == Decimal("1500")
    assert report.progress_text == "主体结构施工至三层"
    assert report.version == 2


def test_fill_page_shows_the_saved_values_of_a_returned_report(district, login):
    # given
    milestone = f.MilestoneFactory(work_item=district.item_a, name="主体封顶")
    report = f.ReportFactory(
        work_item=district.item_a,
        state=S.RETURNED,
        investment_month=Decimal("141.2"),
        progress_text="桩基完成54%",
        return_reason="数据不一致",
    )
    report.milestones_reached.create(milestone=milestone, reached_on="2024-03-18")
    # when
    html = login(district.reporter_a).get(fill_url(district.item_a)).content.decode()
    # then
    assert 'value="141.2"' in html
    assert "桩基完成54%" in html
    assert 'value="2024-03-18"' in html
    assert "数据不一致" in html


def test_fill_page_of_another_units_item_is_404(district, login):
    # given: item_a is led by unit A; reporter_b belongs to B
    client = login(district.reporter_b)
    # when
    get = client.get(fill_url(district.item_a))
    post = client.post(fill_url(district.item_a), project_post(1))
    # then
    assert get.status_code == 404
    assert post.status_code == 404
    assert not MonthlyReport.objects.filter(work_item=district.item_a).exists()


def test_fill_page_with_a_bad_period_is_404(district, login):
    client = login(district.reporter_a)
    assert client.get(f"/reports/item/{district.item_a.pk}/2024-13/").status_code == 404


def test_negative_investment_is_refused_with_a_message_and_nothing_saved(district, login):
    # given
    client = login(district.reporter_a)
    report = open_report(client, district.item_a)
    # when
    response = client.post(
        fill_url(district.item_a), project_post(report.version, investment_month="-5")
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "不能为负数" in html
    assert 'value="-5"' in html  # the typed value stays on the page
    report.refresh_from_db()
    assert report.investment_month is None
    assert report.version == 1


def test_every_refused_value_is_named_at_once_and_marked(district, login):
    # given: a reporter on a phone types two wrong values
    client = login(district.reporter_a)
    report = open_report(client, district.item_a)
    # when
    response = client.post(
        fill_url(district.item_a),
        project_post(report.version, investment_month="-5", progress_pct="150", action="submit"),
    )
    # then: both are named in the one message, and both fields are marked
    html = response.content.decode()
    assert response.status_code == 200
    box = html.split('id="form-error">', 1)[1].split("</div>", 1)[0]
    assert "不能为负数" in box and "形象进度百分比应在0到100之间" in box
    assert html.count("has-error") == 2
    # the figure cards' note keeps the refusal and its consequence apart (they ran together:
    # "不能为负数：-5 下列数字仍按…")
    assert "不能为负数：-5<br>下列数字仍按已计入的月报计算。" in html
    report.refresh_from_db()
    assert (report.investment_month, report.progress_pct, report.version) == (None, None, 1)


def test_submit_of_an_incomplete_report_writes_nothing(district, login):
    # given
    client = login(district.reporter_a)
    report = open_report(client, district.item_a)
    # when: the progress text is missing, so submitting is refused
    response = client.post(
        fill_url(district.item_a),
        project_post(report.version, progress_text="", action="submit"),
    )
    # then
    assert "请填写形象进度" in response.content.decode()
    report.refresh_from_db()
    assert report.state == S.DRAFT
    assert report.investment_month is None  # the save half was rolled back too


def test_future_period_is_refused_with_a_message(district, login):
    client = login(district.reporter_a)
    response = client.get(fill_url(district.item_a, "2024-05"))
    assert response.status_code == 200
    assert "不能填报未来月份" in response.content.decode()
    assert not MonthlyReport.objects.exists()


def test_full_monthly_job_from_the_pages(district, login):
    # given
    reporter, head, office = (
        login(district.reporter_a),
        login(district.head_a),
        login(district.office),
    )
    report = open_report(reporter, district.item_a)
    # when: the reporter fills in and submits
    response = reporter.post(
        fill_url(district.item_a), project_post(report.version, action="submit")
    )
    # then: it waits for the head's sign-off
    report.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()
    assert report.state == S.PENDING_SIGNOFF
    assert "发改项目甲" in head.get(reverse("web:home")).content.decode()

    # when: the head signs off on the report page
    page = head.get(report.get_absolute_url()).content.decode()
    assert "审签" in page
    head.post(reverse("reporting:sign_off", args=[report.pk]), {"version": report.version})
    # then
    report.refresh_from_db()
    assert report.state == S.SUBMITTED
    assert report.signed_off_by == district.head_a
    assert "发改项目甲" in office.get(reverse("reporting:review")).content.decode()

    # when: the office accepts
    office.post(reverse("reporting:accept", args=[report.pk]), {"version": report.version})
    # then
    report.refresh_from_db()
    assert report.state == S.ACCEPTED
    assert report.reviewed_by == district.office
    item_page = office.get(district.item_a.get_absolute_url()).content.decode()
    assert "1,500.00" in item_page  # 本年累计完成 on the item page


def test_returned_report_shows_its_reason_in_the_inbox_and_can_be_resubmitted(district, login):
    # given: a submitted report
    report = f.ReportFactory(work_item=district.item_a, created_by=district.reporter_a)
    office, reporter = login(district.office), login(district.reporter_a)
    # when: the office returns it with a reason
    office.post(
        reverse("reporting:return", args=[report.pk]),
        {"version": report.version, "reason": "本月投资与统计局数据不符"},
    )
    # then: the reporter sees it with the reason
    report.refresh_from_db()
    assert report.state == S.RETURNED
    home = reporter.get(reverse("web:home")).content.decode()
    assert "被退回的月报" in home
    assert "本月投资与统计局数据不符" in home
    assert fill_url(district.item_a) in home
    # when: the reporter corrects and resubmits
    form = reporter.get(fill_url(district.item_a)).content.decode()
    assert "本月投资与统计局数据不符" in form
    reporter.post(
        fill_url(district.item_a),
        project_post(report.version, investment_month="900", action="submit"),
    )
    # then
    report.refresh_from_db()
    assert report.state == S.PENDING_SIGNOFF
    assert report.investment_month == Decimal("900")
    assert report.times_returned == 1


def test_return_without_a_reason_is_refused(district, login):
    report = f.ReportFactory(work_item=district.item_a)
    office = login(district.office)
    response = office.post(
        reverse("reporting:return", args=[report.pk]),
        {"version": report.version, "reason": "  "},
        follow=True,
    )
    assert "退回月报必须写明原因" in response.content.decode()
    report.refresh_from_db()
    assert report.state == S.SUBMITTED


def test_reporter_cannot_accept_a_report(district, login):
    # given
    report = f.ReportFactory(work_item=district.item_a)
    client = login(district.reporter_a)
    # when
    response = client.post(reverse("reporting:accept", args=[report.pk]), {"version": 1})
    # then
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == S.SUBMITTED
    page = client.get(report.get_absolute_url()).content.decode()
    assert reverse("reporting:accept", args=[report.pk]) not in page


def test_reporter_cannot_sign_off(district, login):
    report = f.ReportFactory(work_item=district.item_a, state=S.PENDING_SIGNOFF)
    response = login(district.reporter_a).post(reverse("reporting:sign_off", args=[report.pk]))
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == S.PENDING_SIGNOFF


def test_accepting_twice_tells_why(district, login):
    report = f.ReportFactory(work_item=district.item_a, state=S.ACCEPTED)
    response = login(district.office).post(
        reverse("reporting:accept", args=[report.pk]), {"version": report.version}, follow=True
    )
    assert "不能采纳" in response.content.decode()
    # without the version read, the page says so and nothing changes
    bare = login(district.office).post(reverse("reporting:accept", args=[report.pk]), follow=True)
    assert "版本号" in bare.content.decode()


def test_concurrent_edit_keeps_the_first_and_tells_the_second(district, login):
    # given: two people open the same form
    first, second = login(district.reporter_a), login(district.head_a)
    report = open_report(first, district.item_a)
    open_report(second, district.item_a)
    version = report.version
    # when: both save with the version they loaded
    first.post(fill_url(district.item_a), project_post(version, investment_month="1200"))
    response = second.post(
        fill_url(district.item_a),
        project_post(version, investment_month="3400", progress_text="第二人填写的进度"),
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "已被他人修改" in html
    assert 'value="3400"' in html
    assert "第二人填写的进度" in html
    report.refresh_from_db()
    assert report.investment_month == Decimal("1200")
    assert report.progress_text == "主体结构施工至三层"


def test_closed_month_renders_read_only_with_the_reason(district, login):
    # given
    report = f.ReportFactory(work_item=district.item_a, state=S.DRAFT)
    MonthClose.objects.create(year=2024, month=3, closed_by=district.office)
    client = login(district.reporter_a)
    # when
    get = client.get(fill_url(district.item_a))
    post = client.post(fill_url(district.item_a), project_post(report.version))
    # then
    assert "已关账" in get.content.decode()
    assert 'name="investment_month"' not in get.content.decode()
    assert "已关账" in post.content.decode()
    report.refresh_from_db()
    assert report.version == 1


def test_submitted_report_renders_read_only(district, login):
    f.ReportFactory(work_item=district.item_a, state=S.SUBMITTED)
    html = login(district.reporter_a).get(fill_url(district.item_a)).content.decode()
    assert "只有草稿或被退回的月报可以修改" in html
    assert 'name="investment_month"' not in html


def test_task_report_saves_indicator_values(district, login):
    # given
    head = f.UserFactory(role="reporter", unit=district.unit_a1)
    client = login(head)
    indicator = district.task_a.indicators.get()
    report = open_report(client, district.task_a)
    # when
    response = client.post(
        fill_url(district.task_a),
        {
            "version": report.version,
            "progress_text": "新增市场主体32户",
            f"ind_{indicator.pk}_value": "32",
            f"ind_{indicator.pk}_note": "截至3月底",
            "action": "submit",
        },
    )
    # then
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == S.PENDING_SIGNOFF
    value = report.indicator_values.get()
    assert value.value == Decimal("32")
    assert value.note == "截至3月底"


def test_no_change_button_copies_last_month_and_submits(district, login):
    # given: February was reported
    reporter = f.UserFactory(role="reporter", unit=district.unit_a1)
    indicator = district.task_a.indicators.get()
    feb = f.ReportFactory(
        work_item=district.task_a, month=2, progress_text="已完成调研", investment_month=None
    )
    feb.indicator_values.create(indicator=indicator, value=Decimal("20"))
    client = login(reporter)
    # when
    response = client.post(reverse("reporting:no_change", args=[district.task_a.pk, MARCH]))
    # then
    march = MonthlyReport.objects.get(work_item=district.task_a, month=3)
    assert response.status_code == 302
    assert march.no_change
    assert march.progress_text == "已完成调研"
    assert march.state == S.PENDING_SIGNOFF
    assert march.indicator_values.get().value == Decimal("20")


def test_no_change_button_replaces_a_draft_only_with_the_version_shown(district, login):
    # given: February reported; March's draft saved by a colleague
    f.ReportFactory(work_item=district.task_a, month=2, progress_text="已完成调研")
    reporter = f.UserFactory(role="reporter", unit=district.unit_a1)
    draft = report_start(item=district.task_a, period=Period.parse(MARCH), by=reporter)
    draft = report_save(
        report=draft, by=reporter, version=draft.version, data={"progress_text": "三月新进展"}
    )
    client = login(reporter)
    url = reverse("reporting:no_change", args=[district.task_a.pk, MARCH])
    # when: the button without a version (an old page) or with a stale one
    page = client.get(fill_url(district.task_a)).content.decode()
    missing = client.post(url, follow=True)
    stale = client.post(url, {"version": draft.version - 1}, follow=True)
    # then: the draft is kept and the page says why
    assert f'name="version" value="{draft.version}"' in page
    assert "版本号" in missing.content.decode()
    assert "已被他人修改" in stale.content.decode()
    draft.refresh_from_db()
    assert (draft.progress_text, draft.state) == ("三月新进展", S.DRAFT)
    # and with the version the page shows, the button does its job
    client.post(url, {"version": draft.version})
    draft.refresh_from_db()
    assert (draft.progress_text, draft.no_change) == ("已完成调研", True)


def test_no_change_without_a_previous_report_says_why(district, login):
    reporter = f.UserFactory(role="reporter", unit=district.unit_a1)
    response = login(reporter).post(
        reverse("reporting:no_change", args=[district.task_a.pk, MARCH]), follow=True
    )
    assert "没有上月月报可沿用" in response.content.decode()
    assert not MonthlyReport.objects.filter(work_item=district.task_a, state=S.SUBMITTED)


def test_milestone_reached_is_saved_with_the_report(district, login):
    # given
    milestone = f.MilestoneFactory(work_item=district.item_a, name="主体封顶")
    client = login(district.reporter_a)
    report = open_report(client, district.item_a)
    # when
    client.post(
        fill_url(district.item_a),
        project_post(report.version, **{f"ms_{milestone.pk}": "2024-03-20"}),
    )
    # then
    assert report.milestones_reached.get().milestone == milestone


def test_figures_partial_recomputes_the_year_to_date(district, login):
    # given: February counted 1000
    f.ReportFactory(work_item=district.item_a, month=2, investment_month=Decimal("1000"))
    client = login(district.reporter_a)
    report = open_report(client, district.item_a)
    # when
    response = client.get(
        reverse("reporting:figures", args=[report.work_item_id, report.period]),
        {"investment_month": "500"},
    )
    # then: 1500 of 12000 = 12.5%, 序时 25%
    html = response.content.decode()
    assert "1,500.00" in html
    assert "12.5%" in html
    assert "低于序时进度12.5个百分点" in html


def test_report_page_shows_history_with_changed_fields(district, login):
    # given
    client = login(district.reporter_a)
    report = open_report(client, district.item_a)
    client.post(fill_url(district.item_a), project_post(report.version))
    # when
    html = client.get(report.get_absolute_url()).content.decode()
    # then
    assert "修改记录" in html
    assert "本月完成投资（万元）" in html
    assert "1500" in html
    assert district.reporter_a.display_name in html


def test_report_page_of_another_unit_is_404(district, login):
    report = f.ReportFactory(work_item=district.item_a)
    client = login(district.reporter_b)
    assert client.get(report.get_absolute_url()).status_code == 404
    assert client.post(reverse("reporting:return", args=[report.pk])).status_code == 404
    figures = reverse("reporting:figures", args=[report.work_item_id, report.period])
    assert client.get(figures).status_code == 404


def test_report_list_filters_by_state(district, login):
    f.ReportFactory(work_item=district.item_a, state=S.ACCEPTED)
    f.ReportFactory(work_item=district.item_b, state=S.RETURNED)
    html = login(district.office).get(reverse("reporting:list"), {"state": "accepted"})
    text = html.content.decode()
    assert "发改项目甲" in text
    assert "住建项目乙" not in text


def test_report_list_shows_only_reports_in_scope(district, login):
    f.ReportFactory(work_item=district.item_a)
    f.ReportFactory(work_item=district.item_x)
    text = login(district.reporter_a).get(reverse("reporting:list")).content.decode()
    assert "发改项目甲" in text
    assert "住建项目丁" not in text


def test_review_queue_is_for_office_and_stewards(district, login):
    f.ReportFactory(work_item=district.item_c)
    f.ReportFactory(work_item=district.item_a)
    assert login(district.reporter_a).get(reverse("reporting:review")).status_code == 403
    steward = login(district.steward).get(reverse("reporting:review")).content.decode()
    assert "住建项目丙" in steward
    assert "发改项目甲" not in steward


def test_review_queue_filters_by_period_and_unit(district, login):
    f.ReportFactory(work_item=district.item_a, month=3)
    f.ReportFactory(work_item=district.item_b, month=2)
    client = login(district.office)
    text = client.get(reverse("reporting:review"), {"period": "2024-02"}).content.decode()
    assert "住建项目乙" in text and "发改项目甲" not in text
    text = client.get(reverse("reporting:review"), {"unit": district.unit_a.pk}).content.decode()
    assert "发改项目甲" in text and "住建项目乙" not in text


def test_review_queue_query_count_does_not_grow_with_rows(
    district, login, django_assert_max_num_queries
):
    # given
    client = login(district.office)
    for item in (district.item_a, district.item_b, district.item_c):
        f.ReportFactory(work_item=item)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("reporting:review"))
    # when: 30 more submitted reports
    for _ in range(30):
        f.ReportFactory(work_item=f.WorkItemFactory(lead_unit=district.unit_b))
    # then
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("reporting:review"))
    assert response.content.decode().count('class="badge badge-submitted"') == 33


@pytest.mark.parametrize("name", ["reporting:list", "reporting:review"])
def test_report_lists_need_login(district, client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_report_list_query_count_does_not_grow_with_rows(
    district, login, django_assert_max_num_queries
):
    # given
    client = login(district.reporter_b)
    for item in (district.item_b, district.item_c, district.item_x):
        f.ReportFactory(work_item=item, created_by=district.reporter_b)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("reporting:list"))
    # when: 30 more reports of unit B's items
    for _ in range(30):
        f.ReportFactory(
            work_item=f.WorkItemFactory(lead_unit=district.unit_b), created_by=district.head_b
        )
    # then
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("reporting:list"))
    assert response.content.decode().count("badge-submitted") == 33


def test_a_report_after_the_start_month_reads_as_started(district, login):
    # given: the project started in January; March's report does not repeat it
    item = district.item_a
    item.actual_start = Period.parse("2024-01").first_day.replace(day=18)
    item.in_statistics, item.in_statistics_date = True, item.actual_start.replace(month=2)
    item.save(update_fields=["actual_start", "in_statistics", "in_statistics_date"])
    report = f.ReportFactory(work_item=item, started=False, in_statistics=False)
    client = login(district.reporter_a)
    # when
    html = client.get(report.get_absolute_url()).content.decode()
    # then: the summary states the item's start and 入统, not 未开工 / 未入统
    assert "已开工 2024年1月18日" in html
    assert "已入统 2024年2月18日" in html
    assert "未开工" not in html and "未入统" not in html


def test_a_report_before_the_start_reads_as_not_started(district, login):
    item = district.item_a
    item.actual_start = Period.parse("2024-04").first_day
    item.save(update_fields=["actual_start"])
    report = f.ReportFactory(work_item=item, started=False)  # March
    html = login(district.reporter_a).get(report.get_absolute_url()).content.decode()
    assert "未开工" in html

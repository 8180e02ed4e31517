"""Ledger pages: the list with figures, an item with its history, the office's edits."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from duban.ledger.models import WorkItem
from duban.reporting.models import MonthlyReport
from duban.reporting.selectors.progress import COMPUTE_QUERIES, REFRESH_QUERIES
from tests import factories as f

S = MonthlyReport.State


def test_ledger_list_shows_items_in_scope_with_figures(district, login):
    # given: 3000 of 12000 counted by March (25.0%), 序时 3/12 = 25.0%
    f.ReportFactory(work_item=district.item_a, month=2, investment_month=Decimal("1000"))
    f.ReportFactory(work_item=district.item_a, month=3, investment_month=Decimal("2000"))
    f.ReportFactory(
        work_item=district.item_a, month=1, investment_month=Decimal("999"), state=S.DRAFT
    )
    client = login(district.reporter_a)
    # when
    response = client.get(reverse("ledger:list"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "发改项目甲" in html
    assert "住建项目乙" in html  # A is a co-unit
    assert "住建项目丁" not in html  # B only
    assert "12,000.00" in html
    assert "3,000.00" in html
    assert "25.0%" in html
    assert ">0.0<" in html  # on 序时


def test_ledger_list_filters(district, login):
    client = login(district.office)
    by_unit = client.get(reverse("ledger:list"), {"unit": district.unit_a.pk}).content.decode()
    assert "发改项目甲" in by_unit and "住建项目乙" in by_unit  # A leads one, co-unit of the other
    assert "住建项目丁" not in by_unit
    by_kind = client.get(reverse("ledger:list"), {"kind": "task"}).content.decode()
    assert "优化营商环境" in by_kind and "发改项目甲" not in by_kind
    by_text = client.get(reverse("ledger:list"), {"q": "住建"}).content.decode()
    assert "住建项目丙" in by_text and "发改项目甲" not in by_text
    other_year = client.get(reverse("ledger:list"), {"year": 2023}).content.decode()
    assert "没有符合条件的事项" in other_year


def test_ledger_list_with_a_bad_filter_shows_the_error(district, login):
    response = login(district.office).get(reverse("ledger:list"), {"year": "abc"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_ledger_list_pages(district, login, settings):
    settings.DUBAN_PAGE_SIZE = 2
    client = login(district.office)
    first = client.get(reverse("ledger:list")).content.decode()
    assert "第1页，共3页（5条）" in first
    assert "page=2" in first
    third = client.get(reverse("ledger:list"), {"page": 3}).content.decode()
    assert "第3页，共3页" in third


def test_ledger_list_query_count_does_not_grow_with_rows(
    district, login, django_assert_max_num_queries
):
    # given
    client = login(district.office)
    # the first view judges the page's items and keeps them (the progress core's refresh)
    with django_assert_max_num_queries(30 + REFRESH_QUERIES - COMPUTE_QUERIES) as few:
        client.get(reverse("ledger:list"))
    # when: 30 more items with reports and co-units
    for n in range(30):
        item = f.WorkItemFactory(lead_unit=district.unit_b, title=f"新增项目{n}")
        item.co_units.add(district.unit_a)
        f.ReportFactory(work_item=item)
    # then
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("ledger:list"))
    assert "新增项目29" in response.content.decode()


def test_item_page_shows_ledger_fields_reports_and_history(district, login):
    # given
    item = district.item_a
    f.IndicatorFactory(work_item=item, name="完成主体工程")
    f.MilestoneFactory(work_item=item, name="主体封顶")
    report = f.ReportFactory(work_item=item, investment_month=Decimal("1234.5"))
    office = login(district.office)
    office.post(
        reverse("ledger:edit", args=[item.pk]),
        edit_post(item, annual_plan="15000"),
    )
    # when
    html = login(district.reporter_a).get(item.get_absolute_url()).content.decode()
    # then
    assert item.project.code in html
    assert item.project.owner.name in html
    assert "完成主体工程" in html and "主体封顶" in html
    assert report.get_absolute_url() in html
    assert "1,234.50" in html
    assert "修改记录" in html
    assert "年度计划投资（万元）" in html
    assert "12000" in html and "15000" in html  # old → new
    assert district.office.display_name in html
    assert reverse("ledger:edit", args=[item.pk]) not in html  # reporters don't edit


def test_item_page_of_another_unit_is_404(district, login):
    client = login(district.reporter_b)
    assert client.get(district.item_a.get_absolute_url()).status_code == 404
    assert client.get(reverse("ledger:item", args=[999999])).status_code == 404


def edit_post(item: WorkItem, **overrides):
    data = {
        "version": item.version,
        "seq": item.seq,
        "title": item.title,
        "lead_unit": item.lead_unit_id,
        "level": item.level,
        "category": item.category,
        "content_scale": item.content_scale,
        "schedule": "",
        "source": "",
        "annual_plan": str(item.annual_plan or ""),
        "prior_cumulative": "0",
    }
    data.update(overrides)
    return data


def test_office_edits_an_item(district, login):
    # given
    item = district.item_a
    client = login(district.office)
    form = client.get(reverse("ledger:edit", args=[item.pk])).content.decode()
    assert 'value="发改项目甲"' in form
    assert 'name="version" value="1"' in form
    # when
    response = client.post(
        reverse("ledger:edit", args=[item.pk]),
        edit_post(item, title="发改项目甲（调整）", co_units=[district.unit_b.pk]),
    )
    # then
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "发改项目甲（调整）"
    assert list(item.co_units.all()) == [district.unit_b]
    assert item.version == 2


def test_item_edit_validation_error_keeps_the_input(district, login):
    # given: the lead unit can't also be a co-unit
    item = district.item_a
    client = login(district.office)
    # when
    response = client.post(
        reverse("ledger:edit", args=[item.pk]),
        edit_post(item, title="新名称", co_units=[district.unit_a.pk]),
    )
    # then
    html = response.content.decode()
    assert "牵头单位不能同时是配合单位" in html
    assert 'value="新名称"' in html
    item.refresh_from_db()
    assert item.title == "发改项目甲"


def test_item_edit_conflict_tells_the_second_and_keeps_the_first(district, login):
    # given: two office users load the form at version 1
    item = district.item_a
    first, second = login(district.office), login(f.UserFactory(role="office", unit=None))
    stale = edit_post(item)
    # when
    first.post(reverse("ledger:edit", args=[item.pk]), {**stale, "title": "第一人的名称"})
    response = second.post(reverse("ledger:edit", args=[item.pk]), {**stale, "title": "第二人"})
    # then
    html = response.content.decode()
    assert "已被他人修改" in html
    assert 'value="第二人"' in html
    item.refresh_from_db()
    assert item.title == "第一人的名称"


def test_reporter_cannot_edit_or_hand_out(district, login):
    item = district.item_a
    client = login(district.reporter_a)
    assert client.get(reverse("ledger:edit", args=[item.pk])).status_code == 403
    assert client.post(reverse("ledger:edit", args=[item.pk]), edit_post(item)).status_code == 403
    assert client.post(reverse("ledger:hand_out", args=[item.pk])).status_code == 403


def test_hand_out_is_refused_with_the_reasons(district, login):
    # given: a draft with no measurable indicator and no dated node
    item = f.WorkItemFactory(lead_unit=district.unit_a, status=WorkItem.Status.DRAFT)
    client = login(district.office)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "尚不能下达" in page
    # when
    response = client.post(
        reverse("ledger:hand_out", args=[item.pk]), {"version": item.version}, follow=True
    )
    # then
    assert "不能下达" in response.content.decode()
    assert "有指标、有量化、有时限" in response.content.decode()
    item.refresh_from_db()
    assert item.status == WorkItem.Status.DRAFT


def test_hand_out_after_adding_an_indicator(district, login):
    # given
    item = f.WorkItemFactory(lead_unit=district.unit_a, status=WorkItem.Status.DRAFT)
    client = login(district.office)
    # when
    client.post(
        reverse("ledger:indicator_add", args=[item.pk]),
        {"name": "完成投资", "target": "5000", "deadline": "2024-12-31", "unit_of_measure": "万元"},
    )
    item.refresh_from_db()
    response = client.post(
        reverse("ledger:hand_out", args=[item.pk]), {"version": item.version}, follow=True
    )
    # then
    assert "已下达" in response.content.decode()
    item.refresh_from_db()
    assert item.status == WorkItem.Status.ACTIVE


def test_milestones_from_the_default_template(district, login):
    from duban.ledger.models import NodeTemplateSet

    template = NodeTemplateSet.objects.order_by("pk").first()
    assert template is not None
    client = login(district.office)
    client.post(
        reverse("ledger:milestone_template", args=[district.item_a.pk]),
        {"template_set": template.pk},
    )
    client.post(
        reverse("ledger:milestone_add", args=[district.item_a.pk]),
        {"name": "试运行", "planned_date": "2024-11-30"},
    )
    names = list(district.item_a.milestones.values_list("name", flat=True))
    assert "开工" in names
    assert names[-1] == "试运行"


def test_carry_over_confirms_then_copies(district, login):
    # given
    client = login(district.office)
    listing = client.get(reverse("ledger:list"), {"year": 2024}).content.decode()
    assert reverse("ledger:carry_over") in listing
    # when: the confirm step lists the items and writes nothing
    confirm = client.get(reverse("ledger:carry_over"), {"year": 2024})
    assert "确认结转" in confirm.content.decode()
    assert not WorkItem.objects.filter(year=2025).exists()
    # when: confirmed
    response = client.post(reverse("ledger:carry_over"), {"year": 2024}, follow=True)
    # then
    assert WorkItem.objects.filter(year=2025, status=WorkItem.Status.DRAFT).count() == 5
    assert "结转到2025年台账" in response.content.decode()


def test_carry_over_is_office_only(district, login):
    client = login(district.head_a)
    assert client.get(reverse("ledger:carry_over"), {"year": 2024}).status_code == 403
    assert client.post(reverse("ledger:carry_over"), {"year": 2024}).status_code == 403
    assert not WorkItem.objects.filter(year=2025).exists()


def test_ledger_list_defaults_to_the_latest_year_with_items(district, login):
    # given: a unit whose only item is on the 2023 ledger
    unit = f.UnitFactory(name="区教育局")
    f.WorkItemFactory(lead_unit=unit, year=2023, title="旧校舍改造")
    reporter = f.UserFactory(role="reporter", unit=unit)
    # when
    html = login(reporter).get(reverse("ledger:list")).content.decode()
    # then
    assert "2023年重点项目重点工作台账" in html
    assert "旧校舍改造" in html

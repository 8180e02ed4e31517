"""Every role's first screen (issue 12): the leader's cockpit, the main job first, the
reporter's full count of missing months and the workbooks of every open month."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.urls import reverse

from duban.ledger.models import WorkItem
from duban.org.models import User
from duban.reporting.models import MonthlyReport
from duban.reporting.selectors import inbox_for
from duban.reporting.selectors.progress import REFRESH_QUERIES
from duban.web.cockpit import leader_cockpit
from tests import factories as f

SH = ZoneInfo("Asia/Shanghai")


def _hand_out(*items, when="2024-01-10"):
    WorkItem.objects.filter(pk__in=[i.pk for i in items]).update(
        handed_out_at=datetime.fromisoformat(when).replace(tzinfo=SH)
    )


def test_reporter_counts_every_missing_month_not_one_per_item(district):
    # given: two items handed out in January, nothing reported (Jan, Feb, Mar due by 2024-04-03)
    second = f.WorkItemFactory(lead_unit=district.unit_a)
    _hand_out(district.item_a, second)
    # when
    box = inbox_for(user=district.reporter_a)
    # then: one line per item, but every missing month counted
    lines = [d for d in box.to_fill if d.item in (district.item_a, second)]
    assert len(lines) == 2
    assert box.missing_total == sum(1 + d.later_missing for d in box.to_fill)
    assert box.missing_total >= 6


def test_reporter_home_offers_the_workbook_of_each_open_month_with_its_size(district, login):
    _hand_out(district.item_a)
    html = login(district.reporter_a).get(reverse("web:home")).content.decode()
    # one download per missing month, January (the backlog) included, and its item count
    for month in (1, 2, 3):
        assert f"period=2024-{month:02d}" in html
    size = WorkItem.objects.filter(year=2024, lead_unit=district.unit_a).count()
    assert f"工作簿含{size}项事项" in html
    # the January workbook downloads (an open backlog month)
    response = login(district.reporter_a).get(
        reverse("ledger_import:monthly_download"),
        {"unit": district.unit_a.pk, "period": "2024-01"},
    )
    assert response.status_code == 200
    # the headline count is every missing report
    box = inbox_for(user=district.reporter_a)
    assert re.search(rf'title="未报月报份数">{box.missing_total}<', html)


def test_reporter_home_says_when_this_months_reports_are_all_submitted(district, login):
    # given: the unit's items handed out in late March, so March is the one month owed
    items = list(WorkItem.objects.filter(year=2024, lead_unit=district.unit_a))
    _hand_out(*items, when="2024-03-20")
    box = inbox_for(user=district.reporter_a)
    client = login(district.reporter_a)
    html = client.get(reverse("web:home")).content.decode()
    assert box.period_expected == len(box.to_fill) > 0
    assert f"已提交0/{box.period_expected}项" in html and 'id="period-done"' not in html
    # when: every one is submitted (one still with the head for sign-off)
    for n, due in enumerate(box.to_fill):
        state = MonthlyReport.State.PENDING_SIGNOFF if n == 0 else MonthlyReport.State.SUBMITTED
        f.ReportFactory(work_item=due.item, year=2024, month=3, state=state)
    html = client.get(reverse("web:home")).content.decode()
    # then: the first screen says the month is done, instead of showing nothing about it
    n = box.period_expected
    assert f"已提交{n}/{n}项" in html
    assert f"2024年3月的{n}项事项月报均已提交，没有要填报的月报。" in html


def test_unit_head_sees_sign_off_first(district, login):
    f.ReportFactory(work_item=district.item_a, month=3, state=MonthlyReport.State.PENDING_SIGNOFF)
    _hand_out(district.item_a)
    html = login(district.head_a).get(reverse("web:home")).content.decode()
    assert html.index("待审签") < html.index("待填报")


def test_leader_home_is_the_cockpit_and_its_figures_open_their_rows(district, login):
    # given: item_a far behind (red or yellow), item_b on track
    f.ReportFactory(work_item=district.item_a, month=3, investment_month=Decimal("10"))
    client = login(district.leader)
    # when
    html = client.get(reverse("web:home")).content.decode()
    cockpit = leader_cockpit(user=district.leader)
    # then: the cockpit, its light counts agree with the ledger list it links to
    assert "驾驶舱" in html and 'id="cockpit-headline"' in html
    assert cockpit.items == 3  # item_a, item_b, task_a (分管 A)
    for light in ("red", "yellow", "green"):
        count = getattr(cockpit.lights, light)
        link = f"/ledger/?year={cockpit.year}&amp;light={light}"
        assert link in html
        rows = client.get(link.replace("&amp;", "&")).content.decode()
        assert rows.count('class="light-badge') >= count or count == 0
    assert cockpit.lights.total == 3
    assert "cockpit-charts" in html and "vendor/echarts/echarts.min.js" in html


def test_viewer_home_is_the_cockpit_of_the_units_they_follow(district, login):
    """A viewer (a people's congress liaison) fills and reviews nothing: the first screen is the
    state of the items in scope (unit B's), not an empty to-do list."""
    html = login(district.viewer).get(reverse("web:home")).content.decode()
    cockpit = leader_cockpit(user=district.viewer)
    assert 'id="cockpit-headline"' in html
    assert cockpit.items == 3  # item_b, item_c and item_x, led by B
    assert cockpit.lights.total == 3
    assert district.item_a.title not in html and "上报问题" not in html


def test_cockpit_trend_adds_up_counted_reports(district):
    f.ReportFactory(work_item=district.item_a, month=1, investment_month=Decimal("100"))
    f.ReportFactory(work_item=district.item_a, month=2, investment_month=Decimal("50"))
    cockpit = leader_cockpit(user=district.leader)
    by_month = {t.month: t for t in cockpit.trend}
    assert by_month[1].actual == Decimal("100")
    assert by_month[2].actual == Decimal("150")
    assert by_month[12].actual is None
    assert by_month[12].plan == cockpit.annual_plan.quantize(Decimal("0.01"))


def test_principal_leader_cockpit_covers_the_district(district):
    User.objects.filter(pk=district.leader.pk).update(principal=True)
    leader = User.objects.get(pk=district.leader.pk)
    assert leader_cockpit(user=leader).items == WorkItem.objects.filter(year=2024).count()
    assert leader_cockpit(user=leader).level == 4


def test_cockpit_lists_meetings_to_chair(district):
    from tests.problem_factories import MeetingFactory

    MeetingFactory(chair=district.leader, date=date(2024, 4, 20), title="专题协调会")
    assert [m.title for m in leader_cockpit(user=district.leader).meetings] == ["专题协调会"]


def test_home_query_counts_do_not_grow_with_items(district, login, django_assert_max_num_queries):
    for _ in range(30):
        item = f.WorkItemFactory(lead_unit=district.unit_a, annual_plan=Decimal(100))
        f.ReportFactory(work_item=item, month=3)
    _hand_out(*WorkItem.objects.all())
    # the cockpit: a first view judges the scope and keeps it (the progress core's fixed
    # number), the next ones read it from the cache
    client = login(district.leader)
    with django_assert_max_num_queries(30 + REFRESH_QUERIES):
        assert client.get(reverse("web:home")).status_code == 200
    client.get(reverse("web:home"))
    with django_assert_max_num_queries(30):
        assert client.get(reverse("web:home")).status_code == 200
    for user, limit in (
        (district.reporter_a, 40),
        (district.head_a, 40),
        (district.office, 40),
        (district.steward, 40),
    ):
        client = login(user)
        with django_assert_max_num_queries(limit):
            assert client.get(reverse("web:home")).status_code == 200


def test_registered_panel_shows_on_the_cockpit(district, login):
    from duban.core.home_panels import HomePanel, register_home_panel, unregister_home_panel

    register_home_panel(
        HomePanel(
            key="test-panel",
            homes=("cockpit",),
            order=1,
            template="web/partials/_panel.html",
            context=lambda user: {"title": f"面板{user.username}", "lines": []},
        )
    )
    try:
        html = login(district.leader).get(reverse("web:home")).content.decode()
    finally:
        unregister_home_panel("test-panel")
    assert "面板leader" in html


def test_office_desk_batch_accepts_and_shows_lateness_and_close_blockers(district, login):
    # given: two submitted reports of March (due 2024-04-05: not late) and one of January
    a = f.ReportFactory(work_item=district.item_a, month=3)
    b = f.ReportFactory(work_item=district.item_b, month=3)
    client = login(district.office)
    html = client.get(reverse("web:home")).content.decode()
    assert f'value="{a.pk}:{a.version}"' in html and "采纳所选" in html
    assert "关账" in html
    # when: both ticked, b at a stale version
    response = client.post(
        reverse("web:desk_accept"),
        {"report": [f"{a.pk}:{a.version}", f"{b.pk}:{b.version + 5}"]},
    )
    # then: PRG back home; a accepted, b refused with the reason shown
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.state == MonthlyReport.State.ACCEPTED
    assert b.state == MonthlyReport.State.SUBMITTED
    page = client.get(response["Location"]).content.decode()
    assert "已采纳1份月报" in page and "未采纳" in page


def test_only_the_office_batch_accepts(district, login):
    r = f.ReportFactory(work_item=district.item_c, month=3)
    response = login(district.steward).post(
        reverse("web:desk_accept"), {"report": [f"{r.pk}:{r.version}"]}
    )
    assert response.status_code == 403


def test_search_finds_items_problems_and_units_in_scope(district, login):
    from tests.problem_factories import ProblemFactory

    problem = ProblemFactory(work_item=district.item_a, title="用地指标未落实")
    html = login(district.reporter_a).get(reverse("web:search"), {"q": "发改"}).content.decode()
    assert "发改项目甲" in html and "区发改局" in html
    html = login(district.reporter_a).get(reverse("web:search"), {"q": "用地"}).content.decode()
    assert "用地指标未落实" in html
    html = login(district.reporter_b).get(reverse("web:search"), {"q": "用地"}).content.decode()
    assert "用地指标未落实" not in html
    html = (
        login(district.office).get(reverse("web:search"), {"q": str(problem.pk)}).content.decode()
    )
    assert "用地指标未落实" in html


def test_item_page_lists_its_problems_with_a_report_button(district, login):
    from tests.problem_factories import AssignedProblemFactory

    AssignedProblemFactory(work_item=district.item_a, title="施工用电未接入")
    AssignedProblemFactory(work_item=district.item_x, title="别人的问题")
    html = login(district.reporter_a).get(district.item_a.get_absolute_url()).content.decode()
    assert 'id="item-problems"' in html and "施工用电未接入" in html
    assert "别人的问题" not in html
    assert f"/problems/report/?item={district.item_a.pk}" in html
    viewer_html = login(district.viewer).get(district.item_b.get_absolute_url()).content.decode()
    assert "上报问题" not in viewer_html  # viewers only read


def test_office_home_lists_a_screenful_of_problems_and_counts_the_rest(district, login):
    from duban.problems.selectors import problem_inbox
    from tests.problem_factories import ProblemFactory

    for n in range(25):
        ProblemFactory(work_item=district.item_a, title=f"待受理问题{n}")
    box = problem_inbox(user=district.office, limit=20)
    assert len(box.to_triage) == 20 and box.hidden == 5 and box.total == 25
    html = login(district.office).get(reverse("web:home")).content.decode()
    assert "另有5项，见五个清单" in html


def test_one_panel_registry_serves_homes_and_the_item_page(district, login):
    import pytest

    from duban.core.home_panels import HomePanel, register_home_panel, unregister_home_panel

    # given: one panel on the desk and the item page, with the item as its subject
    def context(user, item=None):
        return {"title": f"面板{item.title if item else '首页'}", "lines": []}

    register_home_panel(
        HomePanel(
            key="test-both",
            homes=("desk", "item"),
            order=1,
            template="web/partials/_panel.html",
            context=context,
        )
    )
    try:
        item_html = login(district.office).get(district.item_a.get_absolute_url())
        desk_html = login(district.office).get(reverse("web:home"))
        cockpit_html = login(district.leader).get(reverse("web:home"))
    finally:
        unregister_home_panel("test-both")
    # then: each page shows it with its own subject; a home it was not registered for does not
    assert f"面板{district.item_a.title}" in item_html.content.decode()
    assert "面板首页" in desk_html.content.decode()
    assert "面板首页" not in cockpit_html.content.decode()
    # and an unknown home is refused at registration, not silently never shown
    with pytest.raises(ValueError):
        register_home_panel(
            HomePanel("test-bad", ("itme",), 1, "web/partials/_panel.html", context)
        )


def test_supervision_item_panel_comes_through_the_same_registry():
    from duban.core.home_panels import _PANELS

    assert {"problems.item", "supervision.item"} <= set(_PANELS)
    assert all(set(p.homes) <= {"cockpit", "desk", "item"} for p in _PANELS.values())


def test_cockpit_lights_are_cached_and_move_on_after_a_write(
    district, monkeypatch, django_capture_on_commit_callbacks
):
    from duban.ledger.models import Milestone
    from duban.web import scope_lights as sl

    calls = []
    real = sl.compute_scope_lights

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sl, "compute_scope_lights", counting)
    # given: the cockpit computed once
    leader_cockpit(user=district.leader)
    first = leader_cockpit(user=district.leader)
    calls.clear()
    # when: read again with nothing changed, the lights come from the cache
    again = leader_cockpit(user=district.leader)
    assert again.lights == first.lights
    assert calls == []
    # when: a node of item_a is overdue (a write through the ORM, committed)
    with django_capture_on_commit_callbacks(execute=True):
        Milestone.objects.create(
            work_item=district.item_a, sort_order=1, name="施工许可", planned_date=date(2024, 1, 5)
        )
    # then: the next view judges again and counts one more red light
    after = leader_cockpit(user=district.leader)
    assert calls == [1]
    assert after.lights.red == first.lights.red + (0 if district.item_a.pk in first.red else 1)
    assert district.item_a.pk in {line.item.pk for line in after.red}


def test_cache_key_follows_the_scope_and_the_day(district, time_machine, monkeypatch):
    from duban.web import scope_lights as sl

    User.objects.filter(pk=district.leader.pk).update(principal=True)
    principal = User.objects.get(pk=district.leader.pk)
    # a 主要领导 sees the whole district at once (the scope is part of the key)
    leader_cockpit(user=principal)
    assert leader_cockpit(user=principal).items == WorkItem.objects.filter(year=2024).count()
    calls = []
    real = sl.compute_scope_lights

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sl, "compute_scope_lights", counting)
    leader_cockpit(user=principal)
    assert calls == []  # cached
    time_machine.move_to("2024-04-04 10:00:00+08:00", tick=False)
    leader_cockpit(user=principal)
    assert calls == [1]  # a new day judges again


def test_everything_scope_cache_moves_on_with_a_new_item_and_a_deleted_one(
    district, django_capture_on_commit_callbacks
):
    # given: a 主要领导's cockpit is keyed "all" (no digest of the district's ids)
    User.objects.filter(pk=district.leader.pk).update(principal=True)
    principal = User.objects.get(pk=district.leader.pk)
    before = leader_cockpit(user=principal).items
    # when: an item is added (committed), the key's data version moves on
    with django_capture_on_commit_callbacks(execute=True):
        extra = f.WorkItemFactory(lead_unit=district.unit_b)
    assert leader_cockpit(user=principal).items == before + 1
    # and when it is deleted (the generation moves on)
    with django_capture_on_commit_callbacks(execute=True):
        WorkItem.objects.filter(pk=extra.pk).delete()
    assert leader_cockpit(user=principal).items == before


def test_steward_home_lists_the_projects_served_longest_unvisited_first(district, login):
    # given: the clock stands at 2024-04-03; item_c is the steward's, visited ten days ago,
    # and a second project of theirs has never been visited
    from duban.liaison.services import visit_log

    visit_log(by=district.steward, data={"date": date(2024, 3, 24), "work_item": district.item_c})
    never = f.WorkItemFactory(lead_unit=district.unit_b, steward=district.steward)
    # when
    html = login(district.steward).get(reverse("web:home")).content.decode()
    # then: the first screen answers "which of my projects wait for a visit?"
    panel = html.split('id="steward-items"', 1)[1].split("</section>", 1)[0]
    assert panel.index(never.title) < panel.index(district.item_c.title)
    assert "尚未走访" in panel and "最近走访：2024年3月24日" in panel
    assert panel.count("待走访") == 2
    # a visit this week takes the project off the due list
    visit_log(by=district.steward, data={"date": date(2024, 4, 2), "work_item": never})
    panel = login(district.steward).get(reverse("web:home")).content.decode()
    assert panel.split('id="steward-items"', 1)[1].split("</section>", 1)[0].count("待走访") == 1
    # another role's first screen has no such panel
    assert 'id="steward-items"' not in login(district.reporter_b).get("/").content.decode()

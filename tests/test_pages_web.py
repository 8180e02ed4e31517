"""The layout, sign-in, 我的待办 and the year overview with the month close."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from duban.reporting.models import MonthClose, MonthlyReport
from tests import factories as f

S = MonthlyReport.State


def test_login_page_renders_and_signs_in(district):
    # given
    client = Client()
    # when
    page = client.get(reverse("login"))
    response = client.post(reverse("login"), {"username": "reporter_a", "password": "pw-duban-123"})
    # then
    assert page.status_code == 200
    assert "登录督办系统" in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_login_with_a_wrong_password_says_so(district):
    response = Client().post(reverse("login"), {"username": "reporter_a", "password": "nope"})
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.parametrize(
    "name", ["web:home", "web:overview", "ledger:list", "reporting:list", "reporting:review"]
)
def test_pages_need_login(district, name):
    response = Client().get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_base_layout_is_responsive_and_loads_nothing_remote(district, login):
    html = login(district.office).get(reverse("web:home")).content.decode()
    assert '<meta name="viewport"' in html
    assert "web/duban.css" in html
    assert "django_htmx/htmx" in html
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    assert reverse("set_language") in html
    assert 'action="/accounts/logout/"' in html


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("office", ["月报审核", "年度概览"], []),
        ("leader", ["年度概览"], ["月报审核", "管理后台"]),
        ("reporter_a", ["我的待办", "台账"], ["月报审核", "年度概览", "管理后台"]),
        ("steward", ["月报审核"], ["年度概览"]),
    ],
)
def test_nav_shows_the_pages_of_the_role(district, login, role, visible, hidden):
    html = login(district.users()[role]).get(reverse("web:home")).content.decode()
    nav = html.split('<nav class="mainnav">')[1].split("</nav>")[0]
    for label in visible:
        assert label in nav
    for label in hidden:
        assert label not in nav


def test_nav_shows_the_admin_to_staff(district, login):
    district.office.is_staff = True
    district.office.save()
    assert "管理后台" in login(district.office).get(reverse("web:home")).content.decode()


def test_language_switch_to_english(district, login):
    client = login(district.reporter_a)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.get(reverse("web:home")).content.decode().count('lang="en"') == 1


def test_home_lists_reports_to_fill_with_period_and_due_date(district, login):
    # given
    html = login(district.reporter_a).get(reverse("web:home")).content.decode()
    # then
    assert "2024年3月" in html
    assert "2024年4月5日" in html
    assert reverse("reporting:fill", args=[district.item_a.pk, "2024-03"]) in html
    assert "住建项目丁" not in html


def test_home_lists_drafts_sign_offs_and_reviews(district, login):
    # given
    f.ReportFactory(work_item=district.item_a, state=S.DRAFT)
    pending = f.ReportFactory(work_item=district.item_b, state=S.PENDING_SIGNOFF)
    submitted = f.ReportFactory(work_item=district.item_c, state=S.SUBMITTED)
    # then
    reporter = login(district.reporter_a).get(reverse("web:home")).content.decode()
    assert "草稿（未提交）" in reporter
    head_b = login(district.head_b).get(reverse("web:home")).content.decode()
    assert pending.get_absolute_url() in head_b
    office = login(district.office).get(reverse("web:home")).content.decode()
    assert submitted.get_absolute_url() in office and "待审核" in office


def test_home_of_a_user_with_nothing_to_do(district, login):
    html = login(district.viewer).get(reverse("web:home")).content.decode()
    assert "目前没有需要您办理的事项" in html


def test_overview_for_the_office(district, login):
    # given: 12000 counted for item_a; plan 4 × 12000 = 48000
    f.ReportFactory(work_item=district.item_a, investment_month=Decimal("12000"))
    # when
    response = login(district.office).get(reverse("web:overview"), {"year": 2024})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "2024年度概览" in html
    assert "4.80" in html  # 年度计划 4.80 亿元
    assert "1.20" in html  # 完成 1.20 亿元
    assert "25.0%" in html  # 完成率 and 序时 (3/12)
    assert "区住建局" in html and "区发改局" in html
    assert "月度关账" in html


def test_overview_for_a_leader_is_scoped(district, login):
    html = login(district.leader).get(reverse("web:overview")).content.decode()
    assert "区发改局" in html
    assert "区住建局" in html  # item_b (A as co-unit) is led by B
    table = html.split("各单位亮灯和月报报送情况")[1]
    assert "区推进办" not in table
    assert "月度关账" not in html


def test_overview_is_not_for_reporters(district, login):
    assert login(district.reporter_a).get(reverse("web:overview")).status_code == 403


def test_office_closes_a_month(district, login):
    client = login(district.office)
    response = client.post(reverse("web:month_close"), {"period": "2024-02"}, follow=True)
    assert "2024年2月已关账" in response.content.decode()
    assert MonthClose.objects.filter(year=2024, month=2).exists()


def test_month_close_refusal_is_shown_and_nothing_closed(district, login):
    # given: a report still waiting for review
    f.ReportFactory(work_item=district.item_a, state=S.SUBMITTED)
    client = login(district.office)
    # when
    response = client.post(reverse("web:month_close"), {"period": "2024-03"}, follow=True)
    bad = client.post(reverse("web:month_close"), {"period": "三月"}, follow=True)
    # then
    assert "待审签或待审核" in response.content.decode()
    assert "报告期格式应为" in bad.content.decode()
    assert not MonthClose.objects.exists()


def test_month_close_is_office_only(district, login):
    response = login(district.head_a).post(reverse("web:month_close"), {"period": "2024-02"})
    assert response.status_code == 403
    assert not MonthClose.objects.exists()

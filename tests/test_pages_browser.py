"""The report form in a real browser: htmx recomputes the derived figures as the user types.

Skips with a reason when Chromium is missing, except under CI=true where it fails.
"""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from duban.core.periods import Period
from tests import factories as f

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required under CI=true: apt-get install chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def test_report_form_recomputes_figures_while_typing(chromium, live_server, settings):
    # given: February counted 1000 of a 12000 plan
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    period = Period.current().previous()
    if period.month == 1:
        pytest.skip("needs an earlier month in the same year")
    unit = f.UnitFactory()
    reporter = f.UserFactory(username="tianbao", role="reporter", unit=unit)
    item = f.WorkItemFactory(year=period.year, lead_unit=unit, annual_plan=Decimal("12000"))
    f.ReportFactory(
        work_item=item,
        year=period.year,
        month=period.month - 1,
        investment_month=Decimal("1000"),
    )
    page = chromium.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", reporter.username)
    page.fill("input[name=password]", "pw-duban-123")
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/reports/item/{item.pk}/{period}/")
    # when
    page.fill("[name=investment_month]", "2000")
    # then: 1000 + 2000 = 3000 this year, 25.0% of the plan, without saving anything
    page.wait_for_function(
        "document.querySelector('#figures').innerText.includes('3,000.00')", timeout=5000
    )
    assert "25.0%" in page.inner_text("#figures")
    assert item.reports.get(month=period.month).investment_month is None
    page.close()

"""In a real browser (Debian's Chromium through Playwright): sign in, fill and submit a monthly
report, and check that the pages fit an office screen and a phone.

Skips with a reason when Chromium is missing, except under CI=true where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from duban.core.periods import Period
from duban.reporting.models import MonthlyReport
from tests import factories as f

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parent.parent / "test-results"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "Chromium is required under CI=true: apt-get install chromium chromium-driver"
            )
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")
    # Playwright's sync API runs an event loop in this thread; the Django ORM calls made by
    # the test itself are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            yield b
            b.close()
    finally:
        # Don't leak it into the tests that run after these in the same worker.
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def site(live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    period = Period.current().previous()
    unit = f.UnitFactory(code="fgj", name="区发改局")
    reporter = f.UserFactory(username="lianluoyuan", role="reporter", unit=unit)
    head = f.UserFactory(username="fuzeren", role="unit_head", unit=unit)
    item = f.WorkItemFactory(
        year=period.year, lead_unit=unit, title="智能制造产业园", annual_plan=Decimal("12000")
    )
    for n in range(25):
        f.WorkItemFactory(year=period.year, lead_unit=unit, title=f"重点项目{n:02d}号")
    return {
        "url": live_server.url,
        "period": period,
        "reporter": reporter,
        "head": head,
        "item": item,
    }


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-duban-123")
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()


def test_reporter_fills_and_submits_report_in_browser(browser, site):
    # given
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    _login(page, site["url"], "lianluoyuan")
    assert "我的待办" in page.content()
    # when
    page.goto(f"{site['url']}/reports/item/{site['item'].pk}/{site['period']}/")
    page.fill("[name=investment_month]", "1234.5")
    page.fill("[name=progress_text]", "主体结构施工至第三层")
    page.get_by_role("button", name="提交").first.click()
    page.wait_for_load_state()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "report-submitted-1366.png"), full_page=True)
    # then
    report = MonthlyReport.objects.get(work_item=site["item"])
    assert report.state == MonthlyReport.State.PENDING_SIGNOFF
    assert report.investment_month == Decimal("1234.5")
    assert "待审签" in page.content()
    page.close()


def test_a_form_posted_is_sent_once_and_says_it_is_working(browser, site):
    # A month's close or a large import runs for seconds: the buttons of a form sent are
    # disabled (a second click posts nothing) and the one clicked says the work is under way.
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    _login(page, site["url"], "lianluoyuan")
    page.goto(f"{site['url']}/reports/item/{site['item'].pk}/{site['period']}/")
    page.fill("[name=investment_month]", "10")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    # What the page shows just after the form went, kept across the navigation; then every
    # submit button clicked again.
    page.evaluate(
        """() => document.addEventListener("submit", (event) => setTimeout(() => {
            const busy = Array.from(document.querySelectorAll("button[aria-busy=true]"));
            const buttons = Array.from(event.target.querySelectorAll("button[type=submit]"));
            sessionStorage.setItem("seen", JSON.stringify({
                busy: busy.map((b) => b.textContent),
                disabled: buttons.length > 1 && buttons.every((b) => b.disabled),
            }));
            buttons.forEach((b) => b.click());
        }, 0))"""
    )
    # when
    page.get_by_role("button", name="提交").first.click()
    page.wait_for_load_state()
    seen = json.loads(page.evaluate("() => sessionStorage.getItem('seen')"))
    # then
    assert seen == {"busy": ["正在处理，请稍候…"], "disabled": True}
    assert len(posts) == 1
    assert MonthlyReport.objects.filter(work_item=site["item"]).count() == 1
    page.close()


@pytest.mark.parametrize(("width", "height", "name"), [(1366, 768, "office"), (390, 844, "phone")])
def test_ledger_fits_the_screen(browser, site, width, height, name):
    # given
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    _login(page, site["url"], "lianluoyuan")
    # when
    page.goto(f"{site['url']}/ledger/?year={site['period'].year}")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"ledger-{name}.png"))
    # then: the page itself never scrolls sideways (wide tables scroll inside their box)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    assert "智能制造产业园" in page.content()
    page.close()


def test_report_form_recomputes_figures_while_typing(browser, live_server, settings):
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
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", reporter.username)
    page.fill("input[name=password]", "pw-duban-123")
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/reports/item/{item.pk}/{period}/")
    # when
    page.fill("[name=investment_month]", "2000")
    # then: 1000 + 2000 = 3000 this year, 25.0% of the plan, without saving anything
    # (expect, not wait_for_function: the page's CSP forbids evaluating strings, and that
    # holds for the test's own scripts too)
    from playwright.sync_api import expect

    expect(page.locator("#figures")).to_contain_text("3,000.00", timeout=5000)
    assert "25.0%" in page.inner_text("#figures")
    assert not item.reports.filter(month=period.month).exists()  # opening the form wrote nothing
    assert violations == []  # htmx and duban.js run under the Content-Security-Policy
    page.close()

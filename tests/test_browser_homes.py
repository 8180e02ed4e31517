"""Each demo role's first screen in a real browser (issue 12): at 1366×768 and 390×844 the
headline is visible without scrolling and nothing scrolls sideways; a cockpit figure opens its
rows; the battle map downloads. Screenshots go to test-results/ (the README's come from here).

Skips with a reason when Chromium is missing, except under CI=true where it fails.
"""

from __future__ import annotations

import pytest
from django.test import override_settings

from duban.demo.build import build_demo
from tests.test_browser import SHOTS, browser  # noqa: F401 (the module-scoped fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MD5 = "django.contrib.auth.hashers.MD5PasswordHasher"
PASSWORD = "duban-demo-2024"
# (username, what must be visible at the top of the first screen)
ROLES = (
    ("quzhang", "#cockpit-headline"),
    ("tuijinban", "h1"),
    ("zjj-head", "h1"),
    ("zjj-reporter", "h1"),
    ("guanjia-sun", "h1"),
    ("renda", "h1"),
)
SIZES = ((1366, 768), (390, 844))


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()


def _in_viewport(page, selector) -> bool:
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
             return r.top >= 0 && r.bottom <= window.innerHeight && r.width > 0; }""",
        selector,
    )


@pytest.fixture
def seeded():
    """The node templates the migrations seed (a transactional test before may have flushed
    them)."""
    import importlib

    from django.apps import apps

    from duban.ledger.models import NodeTemplate

    if not NodeTemplate.objects.exists():
        seed = importlib.import_module("duban.ledger.migrations.0003_seed_node_templates").seed
        seed(apps, None)
    yield


# Early in the run (conftest): the longest test after the demo's, it would otherwise start
# among the last and hold up the end of the run.
@pytest.mark.early
@override_settings(PASSWORD_HASHERS=[MD5])
@pytest.mark.usefixtures("seeded")
def test_demo_roles_in_a_browser(browser, live_server):  # noqa: F811
    """The demo is built once for the file (it is most of its time): the first screens, then
    the phone pages."""
    build_demo(seed=2024)
    base = live_server.url
    SHOTS.mkdir(exist_ok=True)
    _first_screens_cockpit_click_and_battle_map(browser, base)
    _reporter_and_steward_pages_fit_a_phone(browser, base)
    _english_menu_on_a_row_of_its_own(browser, base)


def _first_screens_cockpit_click_and_battle_map(browser, base):  # noqa: F811
    for username, headline in ROLES:
        for width, height in SIZES:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
            _login(page, base, username)
            page.goto(f"{base}/")
            page.wait_for_load_state("networkidle")
            assert _in_viewport(page, headline), (username, width)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (username, width, overflow)
            page.screenshot(path=str(SHOTS / f"home-{username}-{width}.png"))
            page.close()
    # the cockpit's charts draw (ECharts served by the app) and a figure opens its rows
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    _login(page, base, "quzhang")
    page.goto(f"{base}/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof window.echarts") == "object"
    assert page.locator("[data-chart=trend] canvas").count() == 1
    # the other charts draw too (before the click leaves the cockpit)
    for name in ("units", "problems", "reports"):
        assert page.locator(f"[data-chart={name}] canvas").count() == 1, name
    red = int(page.locator("[data-figure=red] .value").inner_text().split()[0])
    page.locator("[data-figure=red]").click()
    page.wait_for_load_state()
    assert "light=red" in page.url
    assert page.locator("tbody .light-badge.light-red").count() == min(red, 50)
    assert page.locator("tbody .light-badge.light-green").count() == 0
    # the battle map shows, prints on A3 and downloads as Excel
    page.goto(f"{base}/battle-map/")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "battle-map-1366.png"))
    with page.expect_download() as info:
        page.locator("[data-download=battle-map]").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert download.path().stat().st_size > 1000
    page.close()
    # and fits a phone (the wall scrolls inside its box)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    _login(page, base, "quzhang")
    page.goto(f"{base}/battle-map/")
    page.wait_for_load_state()
    assert _no_sideways_scroll(page) <= 1
    page.screenshot(path=str(SHOTS / "battle-map-390.png"))
    page.close()


def _no_sideways_scroll(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _reporter_and_steward_pages_fit_a_phone(browser, base):  # noqa: F811
    """A reporter's and a steward's pages at 390×844: no sideways scroll; lists are cards."""
    from duban.bulletins.models import Bulletin, Kind
    from duban.ledger.models import WorkItem
    from duban.org.models import User
    from duban.reporting.selectors import reporting_period_default

    reporter = User.objects.get(username="zjj-reporter")
    item = WorkItem.objects.filter(lead_unit=reporter.unit, status="active").order_by("pk")
    project = item.filter(kind=WorkItem.Kind.PROJECT).first()
    task = item.filter(kind=WorkItem.Kind.TASK).first()
    period = reporting_period_default()
    pages = {
        "zjj-reporter": [
            "/",
            "/ledger/",
            "/problems/",
            "/problems/report/",
            *(f"/reports/item/{i.pk}/{period}/" for i in (project, task) if i is not None),
            *(i.get_absolute_url() for i in (project,) if i is not None),
            # a 通报 with its ranking table (the tables in a bulletin's text are cards too)
            f"/bulletins/{Bulletin.objects.filter(kind=Kind.NOTICE).order_by('pk').first().pk}/",
        ],
        "guanjia-sun": ["/", "/liaison/", "/problems/report/?source=steward_visit"],
    }
    for username, urls in pages.items():
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
        _login(page, base, username)
        for url in urls:
            page.goto(f"{base}{url}")
            page.wait_for_load_state("networkidle")
            assert _no_sideways_scroll(page) <= 1, (username, url, _no_sideways_scroll(page))
            name = url.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
            page.screenshot(path=str(SHOTS / f"phone-{username}-{name}.png"))
        page.close()
    # the ledger list is cards on a phone: each cell names its column
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    _login(page, base, "zjj-reporter")
    page.goto(f"{base}/ledger/")
    page.wait_for_load_state("networkidle")
    assert page.locator(".table-wrap tbody td[data-label]").count() > 0
    assert page.locator(".table-wrap thead").first.is_hidden()
    page.close()


def _english_menu_on_a_row_of_its_own(browser, base):  # noqa: F811
    """The office's menu in English (labels two to three times as wide as the Chinese) takes a
    row of its own on a wide screen: beside the user box it was squeezed into a column seven
    lines high, a header of 315 px."""
    page = browser.new_page(viewport={"width": 1366, "height": 768}, locale="en-US")
    _login(page, base, "tuijinban")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page.goto(f"{base}/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.lang") == "en"
    height = page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height")
    assert height < 160, height
    assert _in_viewport(page, "h1")
    page.screenshot(path=str(SHOTS / "home-tuijinban-1366-en.png"))
    page.close()

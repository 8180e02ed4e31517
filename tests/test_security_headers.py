"""Headers and error pages: a Content-Security-Policy without inline scripts, no-store on
signed-in pages, Referrer-Policy; HSTS and Secure cookies with DUBAN_HTTPS=true and
`check --deploy` clean under production settings; 403 pages that say why in Chinese."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
# A script element that runs (JSON data blocks don't) and isn't loaded from a file.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_signed_in_pages_are_not_stored_and_carry_the_policy(district, login):
    client = login(district.office)
    for path in ("/", "/ledger/", "/problems/", "/problems/meetings/", "/overview/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path
        assert response["Referrer-Policy"] == "same-origin"
        policy = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]+)", policy).group(1)
        assert script_src.strip() == "'self'"
        assert "frame-ancestors 'none'" in policy
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html), path
        assert not INLINE_HANDLER.search(html), path


def test_login_page_and_api_docs_have_no_inline_script(db):
    for path in ("/accounts/login/", "/api/v1/docs"):
        html = Client().get(path).content.decode()
        assert not INLINE_SCRIPT.search(html), path
        assert not INLINE_HANDLER.search(html), path


def test_refused_page_action_says_why_in_chinese(district, login):
    response = login(district.reporter_a).get("/overview/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "只有推进办和区领导可以查看年度概览" in page
    assert "单位联络员" in page or "填报" in page


def test_csrf_failure_says_why_in_chinese(district):
    client = Client(enforce_csrf_checks=True)
    client.force_login(district.office)
    response = client.post("/problems/report/", {"title": "x"})
    assert response.status_code == 403
    assert "安全校验码" in response.content.decode()


def _deploy_check(extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DUBAN_DATA_DIR": str(tmp_path),
        "DUBAN_SECRET_KEY": "p" * 20 + "Q9#z" * 10,
        "DUBAN_ALLOWED_HOSTS": "duban.example.gov.cn",
        "DUBAN_DEBUG": "false",
        **extra,
    }
    # The browser tests set it for Playwright's event loop; a deployment never has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "-m", "duban.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    done = _deploy_check({"DUBAN_HTTPS": "true"}, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_https_turns_on_hsts_and_secure_cookies(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT)"
    )
    env = {**os.environ, "DUBAN_DATA_DIR": str(tmp_path), "DUBAN_HTTPS": "true"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["DJANGO_SETTINGS_MODULE"] = "duban.config.settings"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["31536000", "True", "True", "True"]


def test_exports_and_downloads_are_logged_and_the_office_can_search_them(district, login):
    from duban.org.models import AuditEvent

    client = login(district.reporter_a)
    assert client.get("/problems/?format=xlsx").status_code == 200
    token_client = Client(HTTP_AUTHORIZATION=f"Bearer {_token(district.office)}")
    assert token_client.get("/api/v1/ledger-export?year=2024").status_code == 200
    exports = AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT)
    assert set(exports.values_list("username", "what")) == {
        ("reporter_a", "/problems/"),
        ("office", "/api/v1/ledger-export"),
    }
    assert exports.get(username="reporter_a").detail["query"] == "format=xlsx"
    # the office searches the trail; others are refused with the reason
    page = login(district.office).get("/audit/?q=reporter_a&kind=export").content.decode()
    assert "/problems/" in page and "/api/v1/ledger-export" not in page
    refused = login(district.reporter_a).get("/audit/")
    assert refused.status_code == 403
    assert "只有推进办可以查看审计日志" in refused.content.decode()


def _token(user):
    from duban.org.services import api_token_create

    return api_token_create(user=user)

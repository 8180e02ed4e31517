"""The security probe of issue 15, rerun against a built demo; every figure it prints must be 0.

It talks to a running server over HTTP like an outsider, and reads the demo's database
in-process only to know the truth (which ids exist, which are in each user's scope) and to
mint API tokens. Bounded: a fixed sample of objects per kind and user, a fixed number of
schemathesis examples per operation, derandomized.

    DUBAN_DATA_DIR=/tmp/demo .venv/bin/duban demo --no-serve        # build once
    DUBAN_DATA_DIR=/tmp/demo .venv/bin/duban serve --port 8707 &     # the server under probe
    DUBAN_DATA_DIR=/tmp/demo .venv/bin/python -m benchmarks.probe_security \\
        --url http://127.0.0.1:8707 --server-pid $!

It writes to the demo (tokens, a probe account, fuzzed API writes): probe a copy.
What CI keeps of it runs as tests: tests/test_security_scope_sweep.py, _schemathesis.py,
_uploads.py, _upload_time.py, _server.py, _bounds.py, _agenda.py, _acting_leader.py,
_version.py, _auth.py.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

PASSWORD = "duban-demo-2024"  # noqa: S105 - the demo's published password
MISSING = 10**12
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# What differs between two answers to the same user for reasons other than the object: the
# per-request CSRF token, a CSP nonce, and the page's own path in the language switcher.
_TOKENS = re.compile(
    r'(csrfmiddlewaretoken" value=|nonce=|"X-CSRFToken": |name="next" type="hidden" value=)'
    r'"[^"]*"'
)

figures: Counter[str] = Counter()
notes: list[str] = []


def count(name: str, failed: bool, note: str = "") -> None:
    """One probe: its figure goes up when it found a defect."""
    figures[name] += int(failed)
    if failed and note and len(notes) < 60:
        notes.append(f"{name}: {note}")


def answered(name: str, response: requests.Response, what: str) -> requests.Response:
    """Every answer the probe gets counts toward `server_errors` when it is a 5xx."""
    count("server_errors", response.status_code >= 500, f"{what} → {response.status_code}")
    return response


# -- sessions ---------------------------------------------------------------------------------


def page_session(base: str, username: str, password: str = PASSWORD) -> requests.Session:
    s = requests.Session()
    form = s.get(f"{base}/accounts/login/", timeout=60)
    token = _CSRF.search(form.text)
    s.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        },
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=60,
    )
    return s


def signed_in(s: requests.Session) -> bool:
    return "sessionid" in s.cookies


def api_session(token: str) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    return s


def same_body(a: requests.Response, b: requests.Response) -> bool:
    return _TOKENS.sub("", a.text) == _TOKENS.sub("", b.text)


# -- the truth, from the database -----------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    ids: Callable[[], list[int]]
    in_scope: Callable[[Any], set[int]]
    api: str | None
    pages: tuple[str, ...]


def kinds() -> list[Kind]:
    from duban.bulletins.models import Bulletin
    from duban.bulletins.selectors import bulletin_list
    from duban.ledger.models import WorkItem
    from duban.ledger.selectors import work_item_list
    from duban.problems.models import Evidence, Meeting, Problem
    from duban.problems.selectors import meeting_list, problem_list
    from duban.reporting.models import MonthlyReport
    from duban.reporting.selectors import report_list
    from duban.supervision.models import Card, Flag, Prompt
    from duban.supervision.selectors import card_list, flag_list, prompt_list

    def ids(model: Any) -> Callable[[], list[int]]:
        return lambda: list(model.objects.order_by("pk").values_list("pk", flat=True))

    def scoped(qs: Callable[[Any], Any]) -> Callable[[Any], set[int]]:
        return lambda u: set(qs(u).values_list("pk", flat=True))

    return [
        Kind(
            "work item",
            ids(WorkItem),
            scoped(lambda u: work_item_list(user=u)),
            "/api/v1/work-items/{}",
            ("/ledger/{}/",),
        ),
        Kind(
            "report",
            ids(MonthlyReport),
            scoped(lambda u: report_list(user=u)),
            "/api/v1/reports/{}",
            ("/reports/{}/",),
        ),
        Kind(
            "problem",
            ids(Problem),
            scoped(lambda u: problem_list(user=u)),
            "/api/v1/problems/{}",
            ("/problems/{}/",),
        ),
        Kind(
            "meeting",
            ids(Meeting),
            scoped(lambda u: meeting_list(user=u)),
            "/api/v1/meetings/{}",
            ("/problems/meetings/{}/", "/problems/meetings/{}/minutes.docx"),
        ),
        Kind(
            "evidence",
            ids(Evidence),
            scoped(
                lambda u: Evidence.objects.filter(problem__in=problem_list(user=u).values("pk"))
            ),
            None,
            ("/problems/evidence/{}/",),
        ),
        Kind(
            "bulletin",
            ids(Bulletin),
            scoped(lambda u: bulletin_list(user=u)),
            "/api/v1/bulletins/{}",
            ("/bulletins/{}/",),
        ),
        Kind(
            "prompt",
            ids(Prompt),
            scoped(lambda u: prompt_list(user=u)),
            "/api/v1/prompts/{}",
            ("/supervision/prompts/{}/",),
        ),
        Kind(
            "card",
            ids(Card),
            scoped(lambda u: card_list(user=u)),
            "/api/v1/cards/{}",
            ("/supervision/cards/{}/",),
        ),
        Kind(
            "flag",
            ids(Flag),
            scoped(lambda u: flag_list(user=u)),
            "/api/v1/flags/{}",
            ("/supervision/flags/{}/",),
        ),
    ]


def sample(values: Iterable[int], n: int) -> list[int]:
    """`n` values spread evenly over the sorted list (deterministic)."""
    ordered = sorted(values)
    if len(ordered) <= n:
        return ordered
    step = len(ordered) / n
    return [ordered[int(i * step)] for i in range(n)]


def role_users(per_role: int) -> list[Any]:
    from duban.org.models import User

    chosen = []
    for role in User.Role.values:
        users = list(
            User.objects.filter(role=role, is_active=True)
            .exclude(username__startswith="probe-")
            .order_by("username")
        )
        if users:
            chosen += users[:1] + (users[-1:] if per_role > 1 and len(users) > 1 else [])
    return chosen


def token_for(user: Any) -> str:
    from duban.org.services import api_token_create

    return api_token_create(user=user)


# -- the probes -------------------------------------------------------------------------------


def probe_scope(base: str, per_kind: int) -> int:
    """Every object kind × every role, through the API and the pages."""
    requests_made = 0
    all_kinds = kinds()
    for user in role_users(per_role=2):
        api = api_session(token_for(user))
        page = page_session(base, user.username)
        if not signed_in(page):
            count("sign_in_failed", True, user.username)
            continue
        for kind in all_kinds:
            # An out-of-scope object must answer exactly like a missing one of the same kind
            # (a page of another section differs in its menu, not in what it tells).
            missing = {
                url: answered(
                    "missing",
                    (api if url.startswith("/api/") else page).get(base + url.format(MISSING)),
                    url,
                )
                for url in ((kind.api,) if kind.api else ()) + kind.pages
            }
            visible = kind.in_scope(user)
            every = kind.ids()
            hidden = [i for i in every if i not in visible]
            for pk in sample(visible, per_kind) + sample(hidden, per_kind):
                allowed = pk in visible
                where = f"{user.username} {kind.name} {pk}"
                if kind.api:
                    r = answered("api", api.get(base + kind.api.format(pk)), where)
                    requests_made += 1
                    if allowed:
                        count("scope_wrong_refusals", r.status_code != 200, f"api {where}")
                    else:
                        count("scope_leaks", r.status_code != 404, f"api {where}")
                        count(
                            "scope_distinct_answers",
                            r.status_code == 404 and r.content != missing[kind.api].content,
                            f"api {where}",
                        )
                for pattern in kind.pages:
                    r = answered("page", page.get(base + pattern.format(pk)), where)
                    requests_made += 1
                    if allowed:
                        count("scope_wrong_refusals", r.status_code != 200, f"page {where}")
                    else:
                        count("scope_leaks", r.status_code != 404, f"page {where}")
                        count(
                            "scope_distinct_answers",
                            r.status_code == 404 and not same_body(r, missing[pattern]),
                            f"page {where}",
                        )
            if kind.name == "meeting":
                requests_made += probe_agenda(base, api, user, visible)
    return requests_made


def probe_agenda(base: str, api: requests.Session, user: Any, meetings: set[int]) -> int:
    """Agenda entries outside the reader's scope (the chair and the office see all)."""
    from duban.ledger.selectors import work_item_list
    from duban.org.scoping import scope_for
    from duban.problems.models import Meeting
    from duban.problems.selectors import problem_list

    problems = set(problem_list(user=user).values_list("pk", flat=True))
    items = set(work_item_list(user=user).values_list("pk", flat=True))
    n = 0
    for meeting in Meeting.objects.filter(pk__in=meetings).order_by("pk")[:20]:
        if scope_for(user).everything or meeting.chair_id == user.pk:
            continue
        r = answered("api", api.get(f"{base}/api/v1/meetings/{meeting.pk}"), "agenda")
        n += 1
        if r.status_code != 200:
            continue
        for entry in r.json()["agenda"]:
            # The reader's own: its problem in scope; without a problem, its item in scope;
            # a point with neither concerns the whole meeting.
            if entry["problem_id"]:
                leaked = entry["problem_id"] not in problems
            else:
                leaked = bool(entry["work_item_id"]) and entry["work_item_id"] not in items
            count("agenda_entries_leaked", bool(leaked), f"{user.username} meeting {meeting.pk}")
    return n


def probe_bounds(base: str, office: requests.Session) -> None:
    """The inputs that gave server errors in the first probe: now 4xx with a reason."""
    for path in (
        "/api/v1/liaison/demands/0",
        "/api/v1/liaison/demands/99999",
        "/api/v1/problems?unit=9223372036854775808",
        "/api/v1/work-items?unit=9223372036854775808",
        "/api/v1/reports?year=0",
        "/api/v1/work-items/9223372036854775808",
        "/api/v1/problems?page_size=100000000",
        "/api/v1/problems?page=-1",
    ):
        r = answered("api", office.get(base + path), path)
        count("bounds_not_refused", not 400 <= r.status_code < 500, f"{path} → {r.status_code}")


def probe_control_chars(base: str, reporter: requests.Session) -> None:
    reporter_page = page_session(base, "zjj-reporter")
    """U+0001 in free text: stripped at input, and the problem list export still opens."""
    import openpyxl

    from duban.ledger.models import WorkItem
    from duban.ledger.selectors import work_item_list
    from duban.org.models import User

    user = User.objects.get(username="zjj-reporter")
    item = work_item_list(user=user).exclude(status=WorkItem.Status.DRAFT).first()
    body = {
        "work_item_id": item.pk if item else None,
        "category": "other",
        "title": "探测\x01控制字符\x0b",
        "description": "说明\x01\x7f",
    }
    r = answered("api", reporter.post(f"{base}/api/v1/problems", json=body), "control chars")
    if r.status_code == 201:
        stored = r.json()
        count("control_chars_stored", "\x01" in json.dumps(stored), stored["title"])
    else:
        count("control_chars_stored", r.status_code >= 500, f"{r.status_code} {r.text[:200]}")
    export = answered("page", reporter_page.get(f"{base}/problems/?format=xlsx"), "problem export")
    if export.status_code == 200:
        try:
            openpyxl.load_workbook(io.BytesIO(export.content))
        except Exception as e:
            count("exports_broken", True, str(e))


def probe_acting_leader(base: str) -> None:
    """A leader may not record a coordination opinion in another leader's name."""
    from duban.org.models import User
    from duban.problems.models import Problem
    from duban.problems.selectors import problem_list

    leaders = list(User.objects.filter(role=User.Role.LEADER, is_active=True).order_by("pk"))
    if len(leaders) < 2:
        return
    acting, other = leaders[0], leaders[1]
    problem = (
        problem_list(user=acting)
        .filter(state__in=[Problem.State.ASSIGNED, Problem.State.FEEDBACK_SUBMITTED])
        .order_by("pk")
        .first()
    )
    if problem is None:
        return
    api = api_session(token_for(acting))
    r = answered(
        "api",
        api.post(
            f"{base}/api/v1/problems/{problem.pk}/opinion",
            json={
                "version": problem.version,
                "text": "探测：以他人名义",
                "units": [problem.lead_unit_id],
                "deadline": "2099-01-01",
                "leader": other.pk,
            },
        ),
        "opinion in another's name",
    )
    count("opinions_in_another_leaders_name", r.status_code < 400, f"{r.status_code}")


def probe_version(base: str, office_page: requests.Session) -> None:
    """A page post without `version` changes nothing."""
    from duban.problems.models import ExtensionRequest, Feedback

    def csrf() -> str:
        return office_page.cookies.get("csrftoken") or ""

    headers = {"Referer": f"{base}/", "X-CSRFToken": csrf()}
    fb = Feedback.objects.filter(state=Feedback.State.SUBMITTED).order_by("pk").first()
    if fb is not None:
        answered(
            "page",
            office_page.post(
                f"{base}/problems/feedback/{fb.pk}/accept/",
                data={"csrfmiddlewaretoken": csrf()},
                headers=headers,
            ),
            "feedback accept without version",
        )
        fb.refresh_from_db()
        count("writes_without_version", fb.state != Feedback.State.SUBMITTED, f"feedback {fb.pk}")
    ext = ExtensionRequest.objects.filter(state=ExtensionRequest.State.PENDING_OFFICE).first()
    if ext is not None:
        answered(
            "page",
            office_page.post(
                f"{base}/problems/extensions/{ext.pk}/approve/",
                data={"csrfmiddlewaretoken": csrf()},
                headers=headers,
            ),
            "extension approve without version",
        )
        ext.refresh_from_db()
        count(
            "writes_without_version",
            ext.state != ExtensionRequest.State.PENDING_OFFICE,
            f"extension {ext.pk}",
        )


def probe_headers(base: str, office_page: requests.Session) -> None:
    r = answered("page", office_page.get(f"{base}/"), "home")
    csp = r.headers.get("Content-Security-Policy", "")
    count("headers_missing", "script-src" not in csp or "'unsafe-inline'" in csp.split("style")[0])
    count("headers_missing", "no-store" not in r.headers.get("Cache-Control", ""))
    count("headers_missing", not r.headers.get("Referrer-Policy"))
    count("headers_missing", r.headers.get("X-Content-Type-Options") != "nosniff")


def probe_sign_in(base: str) -> None:
    """Five failures lock the account even for the right password; each is logged."""
    from duban.org.models import AuditEvent, User
    from duban.org.services import user_create

    name = f"probe-{int(time.time())}"
    user_create(
        username=name, role=User.Role.VIEWER, unit_code=None, full_name="探测", password=PASSWORD
    )
    User.objects.filter(username=name).update(must_change_password=False)
    before = AuditEvent.objects.count()
    for _ in range(5):
        page_session(base, name, "wrong-password-1")
    logged = AuditEvent.objects.count() - before
    count("failed_sign_ins_not_logged", logged < 5, f"{logged} of 5 logged")
    count("no_lockout", signed_in(page_session(base, name)), name)


def probe_schemathesis(base: str, role_tokens: dict[str, str], examples: int) -> int:
    """Every operation of the spec, fuzzed as the office and as a unit reporter."""
    cases = 0
    for role, token in role_tokens.items():
        with tempfile.TemporaryDirectory() as folder:
            report = Path(folder) / "junit.xml"
            done = subprocess.run(  # noqa: S603 - our own venv's schemathesis
                [
                    str(Path(sys.executable).with_name("st")),
                    "run",
                    f"{base}/api/v1/openapi.json",
                    "--max-examples",
                    str(examples),
                    "--seed",
                    "15",
                    "--phases",
                    "examples,fuzzing",
                    "--exclude-checks",
                    "positive_data_acceptance,negative_data_rejection,"
                    "missing_required_header,ignored_auth",
                    "-H",
                    f"Authorization: Bearer {token}",
                    "--report",
                    "junit",
                    "--report-junit-path",
                    str(report),
                    "--no-color",
                ],
                capture_output=True,
                text=True,
                cwd=folder,  # its cache stays out of the checkout
                timeout=3600,
                check=False,
            )
            text = report.read_text() if report.exists() else ""
            failures = len(re.findall(r"<failure", text))
            errors = len(re.findall(r"<error", text))
            tests = re.search(r'tests="(\d+)"', text)
            cases += int(tests.group(1)) if tests else 0
            server = len(re.findall(r"Server error|500 Internal", done.stdout))
            count(f"schemathesis_failures_{role}", failures > 0, f"{failures} failing operations")
            figures[f"schemathesis_failures_{role}"] += max(failures - 1, 0)
            count("schemathesis_errors", errors > 0, f"{role}: {errors} errored operations")
            figures["server_errors"] += server
            if failures or errors:
                notes.append(done.stdout[-3000:])
    return cases


def _rss_mb(pid: int | None, field: str = "VmRSS") -> int:
    if pid is None:
        return 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    return 0


def probe_uploads(
    base: str, office: requests.Session, reporter: requests.Session, pid: int | None
) -> None:
    """A 1 MB zip bomb and a workbook of 200,000 formatted empty rows, as a ledger and as a
    monthly workbook: refused quickly, and the server's memory stays bounded."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.security_uploads import long_formatted_xlsx, zip_bomb_xlsx

    folder = Path(tempfile.mkdtemp())
    files = {
        "zip bomb": zip_bomb_xlsx(folder / "bomb.xlsx"),
        "200,000 rows": long_formatted_xlsx(folder / "long.xlsx"),
    }
    base_rss = _rss_mb(pid)
    for label, path in files.items():
        for who, client, url, data in (
            ("ledger", office, "/api/v1/ledger-imports", {"year": "2024"}),
            ("monthly workbook", reporter, "/api/v1/monthly-workbook", {}),
        ):
            started = time.monotonic()
            with path.open("rb") as fh:
                r = answered("api", client.post(base + url, files={"file": fh}, data=data), label)
            took = time.monotonic() - started
            count("uploads_not_refused", r.status_code != 422, f"{label} {who} → {r.status_code}")
            count("uploads_slow", took > 10, f"{label} {who}: {took:.1f} s")
            grown = _rss_mb(pid) - base_rss
            count("uploads_memory_over_300mb", grown > 300, f"{label} {who}: +{grown} MB")


def probe_idle_connections(base: str, n: int = 100) -> None:
    """`n` idle connections (no login), then a real request must still answer."""
    host, port = re.match(r"https?://([^:/]+):?(\d+)?", base).groups()  # type: ignore[union-attr]
    sockets = []
    try:
        sockets += [socket.create_connection((host, int(port or 80)), timeout=10) for _ in range(n)]
        time.sleep(1)
        try:
            r = requests.get(f"{base}/accounts/login/", timeout=15)
            count("stalled_by_idle_connections", r.status_code != 200, str(r.status_code))
        except requests.RequestException as e:
            count("stalled_by_idle_connections", True, str(e))
    finally:
        for s in sockets:
            s.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8707")
    parser.add_argument("--server-pid", type=int, default=None)
    parser.add_argument("--per-kind", type=int, default=12, help="objects per kind, user, side")
    parser.add_argument("--examples", type=int, default=5, help="schemathesis examples per op")
    parser.add_argument("--skip", default="", help="comma-separated probes to skip")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.config.settings")
    import django

    django.setup()
    from duban.org.models import User

    base = args.url.rstrip("/")
    skip = set(filter(None, args.skip.split(",")))
    office_user = User.objects.get(username="tuijinban")
    reporter_user = User.objects.get(username="zjj-reporter")
    office = api_session(token_for(office_user))
    reporter = api_session(token_for(reporter_user))
    office_page = page_session(base, office_user.username)
    started = time.monotonic()
    done: dict[str, Any] = {}
    steps: dict[str, Callable[[], Any]] = {
        "scope": lambda: probe_scope(base, args.per_kind),
        "bounds": lambda: probe_bounds(base, office),
        "control": lambda: probe_control_chars(base, reporter),
        "leader": lambda: probe_acting_leader(base),
        "version": lambda: probe_version(base, office_page),
        "headers": lambda: probe_headers(base, office_page),
        "sign-in": lambda: probe_sign_in(base),
        "uploads": lambda: probe_uploads(base, office, reporter, args.server_pid),
        "idle": lambda: probe_idle_connections(base),
        "schemathesis": lambda: probe_schemathesis(
            base,
            {"office": token_for(office_user), "reporter": token_for(reporter_user)},
            args.examples,
        ),
    }
    for name, step in steps.items():
        if name in skip:
            continue
        t = time.monotonic()
        done[name] = step()
        print(f"# {name}: {time.monotonic() - t:.0f} s", file=sys.stderr, flush=True)
    names = [
        "scope_leaks",
        "scope_distinct_answers",
        "scope_wrong_refusals",
        "agenda_entries_leaked",
        "server_errors",
        "bounds_not_refused",
        "control_chars_stored",
        "exports_broken",
        "opinions_in_another_leaders_name",
        "writes_without_version",
        "headers_missing",
        "failed_sign_ins_not_logged",
        "no_lockout",
        "uploads_not_refused",
        "uploads_slow",
        "uploads_memory_over_300mb",
        "stalled_by_idle_connections",
        "schemathesis_failures_office",
        "schemathesis_failures_reporter",
        "schemathesis_errors",
        "sign_in_failed",
    ]
    print(f"probe of {base}: {time.monotonic() - started:.0f} s")
    if "scope" in done:
        print(f"  scope requests (API and pages): {done['scope']}")
    if "schemathesis" in done:
        print(f"  schemathesis operations tested (2 roles): {done['schemathesis']}")
    for name in names:
        print(f"  {name:36} {figures[name]}")
    for note in notes:
        print("  !", note)
    sys.exit(1 if any(figures[n] for n in names) else 0)


if __name__ == "__main__":
    main()

"""The pages fuzzed: every page URL of the site, as each role, with the ids of objects that
exist, missing ids and wrong-typed path values, GET with hostile query strings and POST with
an empty body and with garbage forms. No answer is a 500 or shows a traceback, and a refused
POST writes nothing.

The API has its own fuzzing (tests/test_security_schemathesis.py); this covers the pages.
Each request runs in a savepoint rolled back after it, so every request sees the same world
(and a database error in a view cannot poison the ones after it on PostgreSQL)."""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from duban.assessment.models import ScoreEvent
from duban.bulletins.models import Kind
from duban.bulletins.services import bulletin_generate
from duban.core import clock
from duban.core.forms import ModelMultipleChoiceField
from duban.core.history import CHANGE_REASON_LENGTH, change_reason
from duban.core.periods import Period
from duban.liaison.services import visit_log, visit_photo_add
from duban.notify.models import Delivery, WorkGroup
from duban.org.models import Unit
from duban.problems import services as psvc
from duban.problems.models import Meeting
from duban.problems.views.problem import ACTIONS as PROBLEM_ACTIONS
from duban.supervision.models import Interview
from duban.supervision.services.cards import cards_publish
from tests import factories as f
from tests.problem_factories import AssignedProblemFactory, ProblemFactory
from tests.supervision_fixtures import supervised_district
from tests.test_i18n_pages import _problem_with_every_part_of_its_page

ROLES = ["office", "leader", "head_a", "reporter_a", "steward", "viewer"]
ALLOWED = {200, 301, 302, 303, 400, 403, 404, 405, 409, 422}
REFUSED = {400, 403, 404, 405, 409, 422}
MISSING = "999999999"
HUGE = "9" * 30
LONG = "长" * 5000

SKIPPED_PREFIXES = ("api/", "admin/", "static/", "media/", "accounts/login/", "accounts/logout/")

# Values a path parameter may take besides the ids of real objects: what each converter lets
# through (a str is anything without a slash; "%2F" reaches the view as a slash and 404s).
STR_ODD = ["nonsense", "..%2Fx", "%00", "x" * 300]
PERIOD_ODD = ["2024-13", "0000-00", "9999-99", "2024-00"]
# The actions a view knows, so the real ones are fuzzed too (an unknown one must 404).
ACTIONS = {
    "problems:act": sorted(PROBLEM_ACTIONS),
    "problems:extension": ["approve", "reject"],
    "problems:review": ["accept", "return"],
    "problems:meeting_act": ["agenda", "decide", "hold"],
    "supervision:prompt_action": ["reply", "accept", "return"],
    "supervision:flag_action": [
        "progress",
        "request_delist",
        "confirm",
        "dismiss",
        "delist",
        "refuse_delist",
    ],
    "supervision:interview_action": ["schedule", "record", "dismiss"],
    "assessment:manual_decide": ["approve", "reject"],
    "assessment:objection_decide": ["uphold", "cancel"],
}
STR_REAL = {
    "fmt": ["docx", "html", "json"],
    "kind": ["monthly", "special", "annual"],
    "sha": ["0" * 64],
}
MODELS = {
    "item_id": "ledger.WorkItem",
    "report_id": "reporting.MonthlyReport",
    "problem_id": "problems.Problem",
    "evidence_id": "problems.Evidence",
    "extension_id": "problems.ExtensionRequest",
    "feedback_id": "problems.Feedback",
    "opinion_id": "problems.Coordination",
    "meeting_id": "problems.Meeting",
    "visit_id": "liaison.Visit",
    "photo_id": "liaison.VisitPhoto",
    "bulletin_id": "bulletins.Bulletin",
    "prompt_id": "supervision.Prompt",
    "card_id": "supervision.Card",
    "unit_id": "org.Unit",
    "flag_id": "supervision.Flag",
    "interview_id": "supervision.Interview",
    "event_id": "assessment.ScoreEvent",
    "objection_id": "assessment.Objection",
    "notification_id": "notify.Notification",
    "group_id": "notify.WorkGroup",
    "delivery_id": "notify.Delivery",
}

HOSTILE_QUERIES = [
    {
        "period": "9999-99",
        "year": "abc",
        "month": "13",
        "page": "-1",
        "unit": "abc",
        "kind": "nonsense",
        "state": "nonsense",
        "q": LONG,
    },
    {
        "period": "2024-13",
        "year": "99999",
        "month": "0",
        "page": "abc",
        "unit": "99999999",
        "level": "abc",
        "tab": "nonsense",
        "sort": "nonsense",
    },
    {
        "period": "0000-00",
        "year": "-1",
        "page": HUGE,
        "unit": HUGE,
        "item": HUGE,
        "q": "%00\x00",
        "from": "2024-02-30",
        "to": "0001-01-01",
    },
    {  # repeated keys
        "period": ["2024-03", "2024-13"],
        "year": ["2024", "abc"],
        "page": ["1", "2"],
        "unit": ["1", "abc"],
        "kind": ["monthly", "nonsense"],
        "q": ["a", "b"],
    },
]

# Garbage for a form: each field gets the values in turn, one pass after another.
DATES = ["2024-02-30", "0001-01-01", "9999-12-31", "abc"]
VALUES = [
    "1e999",
    "NaN",
    "-0",
    "9" * 30,
    LONG,
    "-1",
    "Infinity",
    "0001-01-01",
    "%00\x00",
    "abc",
]
DATE_NAME = re.compile(r"date|_on$|deadline|due|start|finish|_at$|^day$")
PERIOD_NAME = re.compile(r"period|^ym$")
NAME_ATTR = re.compile(r'name="([^"]+)"')
BASE_FIELDS = {
    "version",
    "period",
    "year",
    "month",
    "date",
    "due_date",
    "amount",
    "investment_month",
    "text",
    "reason",
    "note",
    "unit",
    "units",
    "kind",
    "colour",
    "items",
    "ids",
    "level",
    "q",
}


@dataclass
class PageForm:
    """A form as a page shows it: how and where it sends, and each field's shown value."""

    method: str
    action: str
    fields: dict[str, list[str]]
    kinds: dict[str, str]  # name -> input type ("date", "number", "text", "textarea", "select")


class FormReader(HTMLParser):
    """The forms of a page, with the values they would send as shown."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url, self.forms = url, []
        self.form: PageForm | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = "post" if a.get("method", "").lower() == "post" else "get"
            self.form = PageForm(method, a.get("action") or self.url, {}, {})
            self.forms.append(self.form)
        if self.form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("file", "submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self.form.kinds.setdefault(name, a.get("type", ""))
                return
            self.form.fields.setdefault(name, []).append(a.get("value", ""))
            self.form.kinds[name] = a.get("type", "text")
        elif tag == "select" and name:
            self.select = name
            self.form.kinds[name] = "select"
        elif tag == "option" and self.select:
            chosen = self.form.fields.get(self.select)
            if "selected" in a or (not chosen and a.get("value")):
                self.form.fields[self.select] = [a.get("value", "")]
        elif tag == "textarea" and name:
            self.textarea = name
            self.form.kinds[name] = "textarea"
            self.form.fields[name] = [""]

    def handle_data(self, data: str) -> None:
        if self.form is not None and self.textarea:
            self.form.fields[self.textarea] = [data]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


# Odd but well-formed values put into a shown form, field by kind, one set per pass: what a
# form's own checks may let through to the service and the database.
ODD_BY_KIND = [
    {"date": "0001-01-01", "number": "1e999", "text": LONG, "textarea": LONG},
    {"date": "9999-12-31", "number": "9" * 30, "text": "%00\x00", "textarea": "-0"},
    {"date": "2024-02-30", "number": "-0", "text": "NaN", "textarea": "\x00"},
]


def _odd_forms(form: PageForm) -> Iterator[dict[str, Any]]:
    for odd in ODD_BY_KIND:
        data: dict[str, Any] = {}
        for name, values in form.fields.items():
            kind = form.kinds.get(name, "text")
            if kind == "hidden" or name in ("csrfmiddlewaretoken", "version"):
                data[name] = values
            elif kind == "text" and DATE_NAME.search(name):
                data[name] = odd["date"]
            else:
                data[name] = odd.get(kind, values)
        yield data


@dataclass(frozen=True)
class Route:
    name: str
    parts: tuple[tuple[str, str | None, str | None], ...]  # (literal, param name, converter)

    def build(self, values: dict[str, str]) -> str:
        return "/" + "".join(lit + (values[p] if p else "") for lit, p, _ in self.parts)

    @property
    def path(self) -> str:
        return self.build({p: f"<{p}>" for _, p, _ in self.parts if p})


PARAM = re.compile(r"<(?:(?P<conv>[^>:]+):)?(?P<name>[^>]+)>")


def _routes() -> list[Route]:
    found: list[Route] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for p in resolver.url_patterns:
            pattern = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p, pattern, ns)
                continue
            assert isinstance(p, URLPattern)
            if pattern.startswith(SKIPPED_PREFIXES) or pattern.startswith("^"):
                continue
            parts: list[tuple[str, str | None, str | None]] = []
            pos = 0
            for m in PARAM.finditer(pattern):
                parts.append((pattern[pos : m.start()], m["name"], m["conv"] or "str"))
                pos = m.end()
            parts.append((pattern[pos:], None, None))
            found.append(Route(f"{namespace}{p.name}", tuple(parts)))

    walk(get_resolver(), "", "")
    return found


def _values(route: Route, name: str, conv: str) -> tuple[list[str], list[str]]:
    """(good values: the first is used while other parameters vary; odd values)."""
    if conv == "int":
        model = apps.get_model(MODELS[name])
        # problems: one in each of the world's states, for the forms each state shows
        many = 3 if name == "problem_id" else 1
        real = [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:many]]
        return real or [MISSING], [MISSING, HUGE]
    if conv == "period":
        return ["2024-03"], PERIOD_ODD
    real = ACTIONS.get(route.name) or STR_REAL.get(name) or ["nonsense"]
    odd = STR_ODD if conv == "str" else ["nonsense", "x" * 300]
    return real, odd


def _urls(route: Route) -> tuple[str, list[str]]:
    """The URL with good values, and the others: each odd or other good value in one place."""
    params = [(p, conv) for _, p, conv in route.parts if p and conv]
    chosen = {p: _values(route, p, conv) for p, conv in params}
    base = {p: good[0] for p, (good, _) in chosen.items()}
    others: list[str] = []
    for p, (good, odd) in chosen.items():
        for v in good[1:] + odd:
            others.append(route.build({**base, p: v}))
    return route.build(base), others


def _form(names: set[str], shift: int) -> dict[str, Any]:
    """A garbage form over the given field names; pass `shift` rotates the values."""
    data: dict[str, Any] = {}
    for i, name in enumerate(sorted(names)):
        if name == "version":
            data[name] = ["abc", "-1", "1", "0"][shift % 4]
        elif DATE_NAME.search(name):
            data[name] = DATES[(i + shift) % len(DATES)]
        elif PERIOD_NAME.search(name):
            data[name] = ["2024-13", "0000-00", "9999-99", "2024-3"][(i + shift) % 4]
        else:
            data[name] = VALUES[(i + shift) % len(VALUES)]
        if shift == 3:  # a list where one value is expected
            data[name] = [data[name], VALUES[i % len(VALUES)]]
    return data


def _fingerprint() -> tuple[int, ...]:
    """Row counts of every table of the project's apps: a refused POST leaves them as they were."""
    tables = sorted(
        m._meta.db_table
        for m in apps.get_models()
        if m.__module__.startswith("duban.") and m._meta.managed and not m._meta.proxy
    )
    counts = [f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables]  # noqa: S608
    sql = "SELECT " + ", ".join(counts)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


@pytest.fixture
def world(district, login):
    """The district with at least one of every object a page URL names."""
    d = supervised_district(district)
    cards_publish(period=Period(2024, 3), by=d.office)
    f.ReportFactory(work_item=d.item_b, month=4, year=2024)  # waiting for acceptance
    Interview.objects.get_or_create(
        unit=d.unit_b, year=2024, month=3, defaults={"level": Interview.Level.ITEM_PERSON}
    )
    problem = _problem_with_every_part_of_its_page(d)  # feedback submitted
    AssignedProblemFactory(work_item=d.item_a, reported_by=d.reporter_a)
    ProblemFactory(work_item=d.item_a, reported_by=d.reporter_a)  # reported
    psvc.evidence_add(
        problem=problem, by=d.reporter_a, file=ContentFile(b"%PDF-1.4\n", name="a.pdf")
    )
    psvc.meeting_schedule(
        by=d.office,
        data={
            "kind": Meeting.Kind.MONTHLY,
            "level": 4,
            "title": "调度会",
            "chair": d.leader,
            "date": date(2024, 4, 20),
        },
    )
    visit = visit_log(
        by=d.steward,
        data={"date": date(2024, 4, 2), "work_item": d.item_c, "findings": "围挡破损"},
        photos=[],
    )
    visit_photo_add(
        visit=visit,
        by=d.steward,
        file=ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="a.png"),
    )
    bulletin_generate(kind=Kind.MONTHLY, year=2024, month=3, by=d.office)
    group = WorkGroup.objects.create(name="g", platform="wecom", endpoint="https://x.invalid/")
    Delivery.objects.create(
        channel="robot",
        group=group,
        subject="s",
        text="t",
        state="failed",
        attempts=5,
        next_attempt_at=clock.now(),
    )
    assert ScoreEvent.objects.exists()
    return d


class Sweep:
    """Sends the requests, each in a savepoint rolled back after it, and keeps what failed."""

    def __init__(self, client: Client, role: str) -> None:
        self.client, self.role = client, role
        self.failures: list[str] = []
        self.requests = 0

    def send(self, method: str, url: str, data: Any = None, label: str = "") -> Any:
        sid = transaction.savepoint()
        before = _fingerprint() if method == "post" else None
        try:
            response = getattr(self.client, method)(url, data if data is not None else {})
            self.requests += 1
            status = response.status_code
            # (read through the client's wrapper, which closes the response without closing
            # the test's database connection)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            what = f"{method.upper()} {url[:120]} {label} as {self.role}"
            if status not in ALLOWED or b"Traceback (most recent call last)" in body:
                exc = getattr(response, "exc_info", None)
                msg = f"{status} {what}: {_cause(exc) if exc else 'a traceback in the page'}"
                print(msg)
                self.failures.append(msg)
            elif before is not None and status in REFUSED and _fingerprint() != before:
                msg = f"{status} {what} wrote rows"
                print(msg)
                self.failures.append(msg)
            return response
        finally:
            transaction.savepoint_rollback(sid)


def _cause(exc_info: Any) -> str:
    """The exception and the project's frames nearest to it."""
    _, value, tb = exc_info
    frames = [fr for fr in traceback.extract_tb(tb) if "/duban/" in fr.filename]
    where = " <- ".join(
        f"{fr.filename.split('/duban/', 1)[1]}:{fr.lineno} {fr.name}" for fr in frames[::-1][:3]
    )
    return f"{type(value).__name__}: {str(value)[:200]} at {where}"


def _sweep(world, login, role: str) -> Sweep:
    """The office (who may write the most) gets every hostile query and garbage form on every
    URL; each other role gets two of each, in turn, so that every role meets every kind of
    input across the pages while the run stays short."""
    sweep = Sweep(login(world.users()[role]), role)
    sweep.client.raise_request_exception = False
    routes = _routes()
    assert len(routes) > 80
    names = set(BASE_FIELDS)
    plans = [(route, *_urls(route)) for route in routes]
    shown: dict[tuple[str, tuple[str, ...]], PageForm] = {}
    # First pass: plain GETs, which also collect the forms and the names of their fields.
    for _, url, others in plans:
        for each in (url, *others):
            response = sweep.send("get", each)
            if response.status_code != 200 or response.streaming:
                continue
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            page = response.content.decode(errors="replace")
            names |= set(NAME_ATTR.findall(page))
            reader = FormReader(each)
            reader.feed(page)
            for form in reader.forms:
                key = (form.method, form.action, tuple(sorted(form.kinds)))
                shown.setdefault(key, form)
    names -= {"csrfmiddlewaretoken", "next", "language"}
    names = {n for n in names if len(n) < 60 and "<" not in n}
    forms = [_form(names, shift) for shift in range(4)]
    turn = ROLES.index(role)
    for n, (_, url, others) in enumerate(plans):
        chosen = range(4) if role == "office" else ((n + turn) % 4, (n + turn + 2) % 4)
        for i in chosen:
            sweep.send("get", url, HOSTILE_QUERIES[i], f"query#{i}")
        sweep.send("post", url, label="empty")
        for i in chosen:
            sweep.send("post", url, forms[i], f"form#{i}")
        for other in others:
            sweep.send("post", other, forms[2], "form#2")
    # Last: each form the pages showed, as shown but with odd values in its fields; a search
    # or filter form (GET) with garbage in each of its own fields.
    for form in shown.values():
        if form.action.startswith(("/accounts/log", "/i18n/")) or not form.action.startswith("/"):
            continue
        if form.method == "get":
            for shift in (0, 1):
                query = _form(set(form.kinds), shift + turn)
                sweep.send("get", form.action, query, f"filter form#{shift + turn}")
            continue
        for i, data in enumerate(_odd_forms(form)):
            sweep.send("post", form.action, data, f"odd form#{i}")
    return sweep


@pytest.mark.parametrize("role", ROLES)
def test_pages_never_answer_500_to_odd_input(world, login, role):
    sweep = _sweep(world, login, role)
    assert sweep.requests > 1000
    assert not sweep.failures, f"{len(sweep.failures)} failures:\n" + "\n".join(sweep.failures[:40])


def test_routes_cover_the_pages():
    paths = {r.path for r in _routes()}
    assert "/ledger/<item_id>/" in paths and "/bulletins/<bulletin_id>/<fmt>/download/" in paths
    assert not any(p.startswith(("/api/", "/admin/")) for p in paths)
    for r in _routes():
        for _, p, conv in r.parts:
            if p and conv == "int":
                assert p in MODELS, (r.name, p)


def test_a_choice_of_many_refuses_an_id_past_the_column(district):
    field = ModelMultipleChoiceField(queryset=Unit.objects.all())
    with pytest.raises(ValidationError):
        field.clean(["9" * 30])  # SQLite: OverflowError from the database before
    assert list(field.clean([str(district.unit_a.pk)])) == [district.unit_a]


def test_a_long_reason_is_cut_to_the_history_column():
    # PostgreSQL refused a return reason of 5,000 characters in the history's 100 (a 500).
    assert change_reason("短") == "短"
    cut = change_reason("长" * 5000)
    assert len(cut) == CHANGE_REASON_LENGTH and cut.endswith("…")


def test_an_id_written_in_other_digits_is_no_id(district, login):
    from duban.core.text import parse_id

    # str.isdigit() takes "²" and "١٢", which int() refuses or reads: both answered 500 or
    # reached the database as ids
    assert [parse_id(t) for t in ("12", "²", "１２", "", None, "9" * 12)] == [
        12,
        None,
        None,
        None,
        None,
        None,
    ]
    office = login(district.office)
    assert office.get("/bulletins/?kind=project&item=²").status_code == 200
    flagged = {"target": "unit", "id": "²", "leader": "²", "reason": "x", "deadline": "2024-05-01"}
    assert office.post("/supervision/flags/", flagged).status_code in (200, 302)

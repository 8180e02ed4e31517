"""The scope sweep: every object type × every role, through the API and the pages. An object
in the user's scope opens; one outside it answers exactly like a missing one (404, the same
body), so ids cannot be probed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from duban.ledger.selectors import work_item_list
from duban.org.services import api_token_create
from duban.problems import services as svc
from duban.problems.models import Evidence, Meeting, Problem
from duban.problems.selectors import meeting_list, problem_list
from duban.reporting.models import MonthlyReport
from duban.reporting.selectors import report_list
from tests import factories as f
from tests.problem_factories import AssignedProblemFactory

ROLES = ["office", "leader", "head_a", "reporter_a", "reporter_b", "head_b", "steward", "viewer"]
MISSING = 10**12


@dataclass(frozen=True)
class Kind:
    name: str
    objects: Callable[[], list]
    in_scope: Callable[[object], set[int]]
    api: str | None
    pages: tuple[str, ...]


KINDS = [
    Kind(
        "work item",
        lambda: list(
            __import__("duban.ledger.models", fromlist=["WorkItem"]).WorkItem.objects.all()
        ),
        lambda u: set(work_item_list(user=u).values_list("pk", flat=True)),
        "/api/v1/work-items/{}",
        ("/ledger/{}/",),
    ),
    Kind(
        "report",
        lambda: list(MonthlyReport.objects.all()),
        lambda u: set(report_list(user=u).values_list("pk", flat=True)),
        "/api/v1/reports/{}",
        ("/reports/{}/",),
    ),
    Kind(
        "problem",
        lambda: list(Problem.objects.all()),
        lambda u: set(problem_list(user=u).values_list("pk", flat=True)),
        "/api/v1/problems/{}",
        ("/problems/{}/",),
    ),
    Kind(
        "meeting",
        lambda: list(Meeting.objects.all()),
        lambda u: set(meeting_list(user=u).values_list("pk", flat=True)),
        "/api/v1/meetings/{}",
        ("/problems/meetings/{}/", "/problems/meetings/{}/minutes.docx"),
    ),
    Kind(
        "evidence",
        lambda: list(Evidence.objects.all()),
        lambda u: set(
            Evidence.objects.filter(problem__in=problem_list(user=u).values("pk")).values_list(
                "pk", flat=True
            )
        ),
        None,
        ("/problems/evidence/{}/",),
    ),
]


@pytest.fixture
def world(district):
    for item in (district.item_a, district.item_b, district.item_c, district.item_x):
        f.ReportFactory(work_item=item, month=3)
    mine = AssignedProblemFactory(
        work_item=district.item_a, reported_by=district.reporter_a, level=4
    )
    AssignedProblemFactory(work_item=district.item_x, reported_by=district.reporter_b, level=4)
    AssignedProblemFactory(work_item=district.item_c, reported_by=district.steward, level=4)
    svc.evidence_add(
        problem=mine, by=district.reporter_a, file=ContentFile(b"%PDF-1.4\n", name="a.pdf")
    )
    svc.meeting_schedule(
        by=district.office,
        data={
            "kind": Meeting.Kind.MONTHLY,
            "level": 4,
            "title": "调度会",
            "chair": district.leader,
            "date": date(2024, 4, 20),
        },
    )
    return district


@pytest.mark.parametrize("role", ROLES)
def test_every_object_type_is_scoped_in_api_and_pages(world, role, login):
    user = world.users()[role]
    page = login(user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")
    missing = {
        "api": api.get(f"/api/v1/problems/{MISSING}"),
        "page": page.get(f"/problems/{MISSING}/"),
    }
    assert missing["api"].status_code == 404 and missing["page"].status_code == 404
    seen_any = hidden_any = False
    for kind in KINDS:
        visible = kind.in_scope(user)
        for obj in kind.objects():
            allowed = obj.pk in visible
            seen_any |= allowed
            hidden_any |= not allowed
            if kind.api:
                response = api.get(kind.api.format(obj.pk))
                assert response.status_code == (200 if allowed else 404), (kind.name, obj.pk)
                if not allowed:
                    assert response.content == missing["api"].content
            for pattern in kind.pages:
                response = page.get(pattern.format(obj.pk))
                assert response.status_code == (200 if allowed else 404), (
                    kind.name,
                    pattern,
                    obj.pk,
                )
    assert seen_any
    if role != "office":
        assert hidden_any, "the world must hold something outside every role's scope"

"""schemathesis against /api/v1/openapi.json, as the office and as a unit reporter: no
server error and no response that breaks the spec. Bounded (a fixed number of examples per
operation) and derandomized, so every run of `.ci/run` tries the same cases."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from duban.org.services import api_token_create
from tests.problem_factories import AssignedProblemFactory, MeetingFactory

EXAMPLES = 6
# Two checks judge the *request*, not the answer, and do not fit this API:
# - positive_data_acceptance: a schema-valid request may still be refused by a rule of the
#   product (a transition the state does not allow, a closed month) with the documented 422;
# - negative_data_rejection: its "invalid" cases are an unknown query parameter (ignored, as
#   Django and ninja do) or a missing Authorization header (which the test always sends).
# Every check on the answers runs: no 5xx, documented status codes, content types, headers
# and bodies as the spec says. Schema-invalid values still go through the operations
# (schemathesis generates them) and must not cause a server error.
EXCLUDED = [positive_data_acceptance, negative_data_rejection]

BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _load_schema() -> schemathesis.schemas.BaseSchema:
    # The spec is served without a token and without the database.
    from duban.config.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


schema = _load_schema()


@pytest.fixture
def in_test_transaction():
    """Schemathesis calls the WSGI app directly, not through Django's test client: keep the
    request signals from closing the test's database connection, as the test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def facts(district, in_test_transaction):
    AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    AssignedProblemFactory(work_item=district.item_x, reported_by=district.reporter_b)
    MeetingFactory(chair=district.leader, created_by=district.office)
    # One token per role for all of a test's examples.
    return {
        role: {"Authorization": f"Bearer {api_token_create(user=getattr(district, role))}"}
        for role in ("office", "reporter_a")
    }


@schema.parametrize()
@BOUNDED
def test_api_as_the_office(case, facts):
    case.call_and_validate(headers=facts["office"], excluded_checks=EXCLUDED)


@schema.parametrize()
@BOUNDED
def test_api_as_a_unit_reporter(case, facts):
    case.call_and_validate(headers=facts["reporter_a"], excluded_checks=EXCLUDED)

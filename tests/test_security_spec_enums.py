"""Each enum has its own name in the spec: report, meeting, coordination, feedback and problem
states no longer merge into one `State` that rejects valid filters."""

from __future__ import annotations

from django.test import Client

from duban.problems.models import Coordination, ExtensionRequest, Feedback, Meeting, Problem
from duban.reporting.models import MonthlyReport


def _enum(spec: dict, name: str) -> list[str]:
    return spec["components"]["schemas"][name]["enum"]


def test_spec_names_every_state_enum_after_its_model(db):
    spec = Client().get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "State" not in schemas and "Kind" not in schemas
    assert _enum(spec, "ProblemState") == list(Problem.State.values)
    assert _enum(spec, "MeetingState") == list(Meeting.State.values)
    assert _enum(spec, "MonthlyReportState") == list(MonthlyReport.State.values)
    assert _enum(spec, "CoordinationState") == list(Coordination.State.values)
    assert _enum(spec, "FeedbackState") == list(Feedback.State.values)
    assert _enum(spec, "ExtensionRequestState") == list(ExtensionRequest.State.values)


def test_report_state_filter_refers_to_report_states(db):
    spec = Client().get("/api/v1/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/reports"]["get"]["parameters"]}
    refs = [o.get("$ref", "") for o in params["state"]["schema"]["anyOf"]]
    assert "#/components/schemas/MonthlyReportState" in refs


def test_renamed_choices_still_pickle():
    import pickle

    assert pickle.loads(pickle.dumps(Problem.State.CLOSED)) is Problem.State.CLOSED  # noqa: S301
    assert pickle.loads(pickle.dumps(Meeting.State.HELD)) is Meeting.State.HELD  # noqa: S301

"""The spec is the contract: a client generated from /api/v1/openapi.json with
openapi-python-client (a dev dependency, pinned) does a unit's month — reads what is due,
submits every report (a batch and one singly, one retried with its Idempotency-Key), and reads
the figures back. The generated code lives in a temporary directory, never in the repository.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client

from duban.org.services import api_token_create
from duban.reporting.models import MonthlyReport
from tests import factories as f

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "duban_generated_client"


@pytest.fixture
def generated(tmp_path: Path, district) -> Iterator[object]:
    if not GENERATOR.exists():
        pytest.fail("openapi-python-client is a dev dependency: install requirements/dev.lock")
    spec = tmp_path / "openapi.json"
    spec.write_bytes(Client().get("/api/v1/openapi.json").content)
    config = tmp_path / "config.yml"
    config.write_text("post_hooks: []\n")
    out = tmp_path / PACKAGE
    command = [str(GENERATOR), "generate", "--path", str(spec), "--output-path", str(out)]
    command += ["--meta", "none", "--config", str(config)]
    run = subprocess.run(  # noqa: S603 — our own tool on our own spec
        command,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout, run.stdout  # every operation and schema generated
    sys.path.insert(0, str(tmp_path))
    # The generated client talks WSGI to this process, inside the test's transaction: keep
    # Django from closing the connection at each request's end, as its test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
        shutil.rmtree(out, ignore_errors=True)


def _mod(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_generated_client_does_a_units_month(district, generated):
    # given: unit B leads three items (item_b, item_c, item_x) and one more of last year
    f.WorkItemFactory(lead_unit=district.unit_b, year=2023, title="去年的项目")
    client = _mod("client").AuthenticatedClient(
        base_url="http://testserver",
        token=api_token_create(user=district.head_b),
        httpx_args={"transport": httpx.WSGITransport(app=get_wsgi_application())},
    )
    work_items = _mod("api.ledger.duban_reporting_ledger_api_work_items")
    batch_api = _mod("api.reporting.duban_reporting_api_write_reports_batch_api")
    put_api = _mod("api.reporting.duban_reporting_api_write_report_put_api")
    reports_api = _mod("api.reporting.duban_reporting_api_reports")
    models = _mod("models")
    unit_id = district.unit_b.pk

    # when: read what is due for March
    listed = work_items.sync(client=client, year=2024, unit=unit_id, period="2024-03")
    due = [i for i in listed.items if i.lead_unit.id == unit_id]
    assert {i.id for i in due} == {district.item_b.pk, district.item_c.pk, district.item_x.pk}
    assert {i.progress.report.value for i in due} == {"not_due"}  # due on the 5th; today the 3rd
    amounts = {i.id: Decimal(10 * (n + 1)) for n, i in enumerate(due)}
    *in_batch, single = due

    # submit all but one as a batch…
    batch = batch_api.sync_detailed(
        unit_id,
        "2024-03",
        client=client,
        body=models.BatchIn(
            submit=True,
            rows=[
                models.BatchRowIn(
                    work_item=i.id, investment_month=str(amounts[i.id]), progress_text="施工中"
                )
                for i in in_batch
            ],
        ),
    )
    assert batch.status_code == 200, batch.content
    assert batch.parsed.submitted == len(in_batch)
    # …and the last one singly, sent twice with the same Idempotency-Key (a retry)
    body = models.ReportPutIn(
        investment_month=str(amounts[single.id]), progress_text="完工", submit=True
    )
    client = client.with_headers({"Idempotency-Key": f"march-{single.id}"})
    first = put_api.sync_detailed(single.id, "2024-03", client=client, body=body)
    retry = put_api.sync_detailed(single.id, "2024-03", client=client, body=body)
    assert first.status_code == retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.parsed.version == first.parsed.version

    # then: the figures read back are what was sent, every report submitted once
    page = reports_api.sync(client=client, year=2024, month=3, unit=unit_id)
    assert page.count == len(due)
    for report in page.items:
        assert report.state.value == "submitted"
        assert Decimal(report.investment_month) == amounts[report.work_item.id]
        assert Decimal(report.figures.investment_month) == amounts[report.work_item.id]
    assert MonthlyReport.objects.filter(year=2024, month=3).count() == len(due)

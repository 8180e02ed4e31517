"""History rows name who acted, also when a service runs outside a web request (CLI, demo)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from simple_history.models import HistoricalRecords

from duban.core.history import acting_as
from duban.core.periods import Period
from duban.ledger.models import Project
from duban.reporting.services import report_accept, report_save, report_start, report_submit

pytestmark = [pytest.mark.django_db]


def test_report_services_record_who_acted_without_a_request(district):
    # given no request in force (as in the CLI)
    assert not hasattr(HistoricalRecords.context, "request")
    # when a reporter fills and the head submits, and the office accepts
    report = report_start(item=district.item_a, period=Period(2024, 3), by=district.reporter_a)
    report = report_save(
        report=report,
        by=district.reporter_a,
        version=report.version,
        data={"investment_month": Decimal("1500"), "progress_text": "主体结构施工"},
    )
    report = report_submit(report=report, by=district.head_a, version=report.version)
    report = report_accept(report=report, by=district.office, version=report.version)
    # then each history row names its actor
    users = list(report.history.order_by("history_id").values_list("history_user_id", flat=True))
    assert users[0] == district.reporter_a.pk
    assert users[-2:] == [district.head_a.pk, district.office.pk]
    assert None not in users
    # and nothing is left in force afterwards
    assert not hasattr(HistoricalRecords.context, "request")


def test_acting_as_nests_and_restores(district):
    with acting_as(district.office):
        project = Project.objects.create(name="甲")
        with acting_as(district.head_a):
            project.name = "乙"
            project.save()
        project.name = "丙"
        project.save()
        with acting_as(None):  # None leaves the user in force
            project.name = "丁"
            project.save()
    assert list(
        project.history.order_by("history_id").values_list("history_user_id", flat=True)
    ) == [
        district.office.pk,
        district.head_a.pk,
        district.office.pk,
        district.office.pk,
    ]
    assert not hasattr(HistoricalRecords.context, "request")

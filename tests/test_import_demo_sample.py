"""The shared sample ledger imports into the demo district as a new user would try it."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from duban.core.periods import Period
from duban.demo.build import build_demo
from duban.ledger.models import WorkItem
from duban.org.models import Unit, User
from duban.reporting.models import MonthClose
from duban.reporting.services import month_close
from duban.transfer.imports.service import ledger_import
from tests.sheets_fixtures import sample_path

MD5 = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=[MD5]):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_demo(seed=2024)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.django_db
def test_sample_imports_into_demo_without_new_units(demo):
    # given the demo district (it lives today), with March 2024 closed: the sample is a 2024
    # ledger as of March
    content = sample_path().read_bytes()
    office = User.objects.filter(role=User.Role.OFFICE).first()
    if not MonthClose.objects.filter(year=2024, month=3).exists():
        month_close(period=Period(2024, 3), by=office)
    units_before = set(Unit.objects.values_list("pk", flat=True))
    # when
    result = ledger_import(content=content, file_name=sample_path().name, by=office)
    # then every row imports, 区发改局 is 发改局 and 区住建局 is 住建局, no unit is created
    assert result.ok and result.applied, [str(e) for e in result.errors]
    assert set(Unit.objects.values_list("pk", flat=True)) == units_before
    item = WorkItem.objects.get(project__code="2024-230199-04-01-194940")
    assert item.lead_unit.name == "示例区发展和改革局"
    assert WorkItem.objects.get(project__code="2024-230199-04-01-207285").lead_unit.code == "zjj"
    closed = [w for w in result.warnings if "已关账" in w.reason]
    assert len(closed) == 10  # one per row: March's figures are skipped, not changed
    again = ledger_import(content=content, file_name=sample_path().name, by=office)
    assert again.ok and again.counts()["unchanged"] == 10

"""An import leaves the same audit trail as any other write: one "+" history row per object."""

from __future__ import annotations

import pytest

from duban.ledger.models import Project, WorkItem
from duban.org.models import User
from duban.reporting.models import MonthlyReport
from duban.transfer.imports.service import ledger_import
from tests import factories as f
from tests.sheets_fixtures import ledger_book, to_bytes

pytestmark = [pytest.mark.django_db]


def test_ledger_import_writes_history_rows_for_what_it_creates():
    # given
    for name in ("区发改局", "区商务局", "新华街道"):
        f.UnitFactory(name=name)
    office = f.UserFactory(role=User.Role.OFFICE, username="office")
    # when
    result = ledger_import(content=to_bytes(ledger_book()), file_name="台账.xlsx", by=office)
    # then
    assert result.applied
    for model in (Project, WorkItem, MonthlyReport):
        objects = list(model.objects.all())
        history = list(model.history.all())
        assert objects and len(history) == len(objects), model
        assert {h.id for h in history} == {o.pk for o in objects}
        assert {(h.history_type, h.history_user_id) for h in history} == {("+", office.pk)}
    report = MonthlyReport.objects.first()
    first = report.history.get()
    assert first.history_change_reason == "import"
    assert (first.investment_month, first.state, first.created_at) == (
        report.investment_month,
        report.state,
        report.created_at,
    )
    project = Project.objects.first()
    assert project.history.get().instance.name == project.name

"""An import leaves the same audit trail as any other write: one "+" history row per object."""

from __future__ import annotations

import pytest

from duban.ledger.models import LedgerImport, Project, WorkItem
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


def test_only_a_dry_run_may_leave_no_record():
    # given
    f.UnitFactory(name="区发改局")
    content = to_bytes(ledger_book())
    # a dry run that re-checks a kept file leaves no trace
    result = ledger_import(
        content=content, file_name="台账.xlsx", by=None, dry_run=True, record=False
    )
    assert result.record is None and LedgerImport.objects.count() == 0
    # an import that writes is always recorded
    with pytest.raises(ValueError):
        ledger_import(content=content, file_name="台账.xlsx", by=None, record=False)
    assert not Project.objects.exists()

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


def _task_ledger(co_units: str, target: str = "新增市场主体100户") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["2024年重点工作督办台账"])
    ws.append(["序号", "督办事项", "牵头单位", "配合单位", "工作目标"])
    ws.append([1, "优化营商环境", "区发改局", co_units, target])
    return to_bytes(wb)


def test_co_units_an_import_sets_are_in_the_items_history():
    # given
    for name in ("区发改局", "区商务局", "新华街道", "区教育局"):
        f.UnitFactory(name=name)
    office = f.UserFactory(role=User.Role.OFFICE, username="office")
    # when a task is created with two co-units
    assert ledger_import(
        content=_task_ledger("区商务局、新华街道"), file_name="t.xlsx", by=office
    ).applied
    item = WorkItem.objects.get()
    created = item.history.get()
    # then its "+" history row holds them
    assert sorted(c.unit.name for c in created.co_units.all()) == ["区商务局", "新华街道"]
    # when a re-import changes only the co-units
    assert ledger_import(content=_task_ledger("区教育局"), file_name="t.xlsx", by=office).applied
    # then one "~" row by the importer holds the new ones, and the diff shows the change
    changed = item.history.order_by("-history_id").first()
    assert (changed.history_type, changed.history_user_id) == ("~", office.pk)
    assert [c.unit.name for c in changed.co_units.all()] == ["区教育局"]
    assert [c.field for c in changed.diff_against(created).changes] == ["co_units"]
    # when a re-import changes the target and the co-units together: still one new row
    assert ledger_import(
        content=_task_ledger("区商务局", target="新增200户"), file_name="t.xlsx", by=office
    ).applied
    assert item.history.count() == 3
    newest = item.history.order_by("-history_id").first()
    assert newest.content_scale == "新增200户"
    assert [c.unit.name for c in newest.co_units.all()] == ["区商务局"]

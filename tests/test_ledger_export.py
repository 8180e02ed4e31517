"""Export in the office layout, the round trip, and the CLI's exit codes."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from duban.ledger.models import LedgerImport, Project, WorkItem
from duban.reporting.models import MonthlyReport
from duban.sheets.tables import workbook_load
from duban.transfer.exports import ledger_export
from duban.transfer.imports.service import ledger_import
from tests import factories as f
from tests.sheets_fixtures import ledger_book, sample_path, save

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    names = ["区发改局", "区教育局", "区工信局", "区住建局", "区商务局", "新华街道"]
    return {n: f.UnitFactory(name=n, code=f"u{i}") for i, n in enumerate(names)}


@pytest.fixture
def ledger(units):
    """A year with a province item (reports Jan–Mar), a district item, a task, odd text."""
    leader = f.UserFactory(role="leader", unit=None, full_name="王副区长")
    p1 = f.ProjectFactory(
        code="2024-230103-78-01-000001", name='=HYPERLINK("x")项目', location="新华街道"
    )
    a = f.WorkItemFactory(
        project=p1,
        lead_unit=units["区发改局"],
        level=WorkItem.Level.PROVINCE,
        lead_leader=leader,
        prior_cumulative=Decimal("1000.5"),
    )
    a.co_units.add(units["区商务局"])
    for month, amount in ((1, "100"), (2, "200.25"), (3, "300")):
        f.ReportFactory(
            work_item=a,
            month=month,
            investment_month=Decimal(amount),
            progress_text=f"-{month}月进展",
        )
    b = f.WorkItemFactory(
        lead_unit=units["新华街道"],
        project__code=None,
        project__name="+老旧小区",
        annual_plan=Decimal("3000"),
    )
    f.ReportFactory(work_item=b, month=2, investment_month=Decimal("50"))
    f.TaskFactory(
        lead_unit=units["区发改局"], title="@优化营商环境", source="会议", content_scale="新增100户"
    )
    return a, b


def test_export_has_the_office_layout(ledger):
    # when
    book = load_workbook(BytesIO(ledger_export(year=2024)))
    # then
    ws = book["2024年重点项目"]
    assert ws["A1"].value == "2024年重点项目推进情况台账（截至3月底）"
    assert ws["A2"].value.startswith("填报单位：")
    assert "A1:AA1" in {str(r) for r in ws.merged_cells.ranges}
    # the lights of the month, from the progress core, with their reasons
    assert (ws["Z3"].value, ws["AA3"].value) == ("亮灯", "亮灯原因")
    assert "O3:Q3" in {str(r) for r in ws.merged_cells.ranges}
    assert (ws["O3"].value, ws["P4"].value) == ("2024年度", "1-3月完成投资")
    assert ws["C5"].value == "合计"
    assert ws["P5"].value == Decimal("650.25")  # 600.25 + 50, a real value
    assert ws["A6"].value == "一、" and ws["C6"].value == "省重点项目（1个）"
    # text that looks like a formula stays text
    assert ws["C7"].value == '=HYPERLINK("x")项目'
    assert ws["C7"].data_type == "s"
    assert ws["W7"].value == "-3月进展"
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    tasks = book["2024年重点工作"]
    assert tasks["B5"].value == "@优化营商环境"


def test_export_then_import_changes_nothing(ledger):
    # given
    content = ledger_export(year=2024)
    before = list(
        MonthlyReport.objects.order_by("pk").values_list(
            "pk", "version", "investment_month", "state"
        )
    )
    # when
    result = ledger_import(content=content, file_name="export.xlsx", by=None)
    # then
    assert result.ok, result.summary_lines()
    assert result.counts() == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    after = list(
        MonthlyReport.objects.order_by("pk").values_list(
            "pk", "version", "investment_month", "state"
        )
    )
    assert after == before


def test_import_sample_export_import_round_trip(units):
    ledger_import(content=sample_path().read_bytes(), file_name="s.xlsx", by=None)
    result = ledger_import(content=ledger_export(year=2024), file_name="e.xlsx", by=None)
    assert result.counts()["unchanged"] == 10
    assert result.warnings == []  # the export's 合计 agrees with its rows


def test_export_of_one_unit(ledger, units):
    book = workbook_load(ledger_export(year=2024, unit=units["新华街道"]), aliases={})
    assert [r.values["name"] for r in book.tables[0].rows] == ["+老旧小区"]


def test_cli_import_exit_codes(units, tmp_path, capsys):
    good = save(ledger_book(), tmp_path / "good.xlsx")
    # dry run: 0, nothing written
    call_command("import", "ledger", str(good), "--dry-run")
    assert Project.objects.count() == 0
    assert "预览完成" in capsys.readouterr().out
    # errors: 1, nothing written, error workbook on request
    bad = save(
        ledger_book(rows=[(1, "", "项目甲", "没有的单位", 1, 1, 1, "是", "", "")]),
        tmp_path / "bad.xlsx",
    )
    with pytest.raises(CommandError) as e:
        call_command("import", "ledger", str(bad), "--errors-out", str(tmp_path / "errors.xlsx"))
    assert e.value.returncode == 1
    assert "没有的单位" in capsys.readouterr().err
    assert (tmp_path / "errors.xlsx").exists()
    assert Project.objects.count() == 0
    # misuse: 2
    with pytest.raises(CommandError) as e:
        call_command("import", "ledger", str(tmp_path / "missing.xlsx"))
    assert e.value.returncode == 2
    # done: 0
    call_command("import", "ledger", str(good))
    assert Project.objects.count() == 3
    assert LedgerImport.objects.filter(outcome="done").count() == 1


def test_cli_export_writes_the_file(ledger, tmp_path):
    out = tmp_path / "台账.xlsx"
    call_command("export", "ledger", "--year", "2024", "--unit", "u5", "-o", str(out))
    assert load_workbook(out)["2024年重点项目"]["C7"].value == "+老旧小区"
    with pytest.raises(CommandError) as e:
        call_command("export", "ledger", "--year", "2024", "--unit", "nope", "-o", str(out))
    assert e.value.returncode == 2


def test_xls_and_ods_fixtures_import_like_xlsx(units):
    data = Path(__file__).parent / "data"
    for fmt in ("xls", "ods"):
        path = data / f"ledger.{fmt}"
        if not path.exists():
            pytest.skip("tests/data fixtures missing")
        result = ledger_import(content=path.read_bytes(), file_name=path.name, by=None)
        assert result.ok, result.summary_lines()
    item = WorkItem.objects.get(title="老旧小区改造")
    assert item.reports.get(month=3).investment_month == Decimal("1200.25")


def test_round_trip_holds_with_the_english_interface(ledger):
    from django.utils import translation

    with translation.override("en"):
        content = ledger_export(year=2024)
        result = ledger_import(content=content, file_name="export.xlsx", by=None)
    assert result.counts()["unchanged"] == 3
    assert load_workbook(BytesIO(content))["2024年重点项目"]["L7"].value == "在建"

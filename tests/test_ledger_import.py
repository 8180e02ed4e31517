"""Ledger import: matching, months, preview, all-or-nothing, missing units, error workbook."""

from __future__ import annotations

import zipfile
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook

from duban.core.periods import Period
from duban.ledger.models import LedgerImport, Project, WorkItem
from duban.org.models import Unit, User
from duban.reporting.models import MonthClose, MonthlyReport
from duban.reporting.selectors import counted_ytd
from duban.transfer.imports.service import import_error_workbook, ledger_import
from tests import factories as f
from tests.sheets_fixtures import ROWS, ledger_book, sample_path, to_bytes

pytestmark = pytest.mark.django_db


def counted_investment(item):
    return counted_ytd([item], Period(item.year, 12)).get(item.pk, Decimal(0))


NO_DB_ALIASES: dict[str, str] = {}


@pytest.fixture
def units():
    names = ["区发改局", "区教育局", "区工信局", "区住建局", "区商务局", "新华街道"]
    return {n: f.UnitFactory(name=n) for n in names}


@pytest.fixture
def office(units):
    return f.UserFactory(role=User.Role.OFFICE, unit=units["区发改局"])


def run(content: bytes, office, **kwargs):
    return ledger_import(
        content=content, file_name=kwargs.pop("file_name", "台账.xlsx"), by=office, **kwargs
    )


def ledger_counts():
    return (
        Project.objects.count(),
        WorkItem.objects.count(),
        MonthlyReport.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
    )


def test_sample_imports_projects_items_and_march_reports(office):
    # given the shared sample and its four units
    content = sample_path().read_bytes()
    # when
    result = run(content, office)
    # then
    assert result.ok and result.applied
    assert result.counts() == {"create": 10, "update": 0, "unchanged": 0, "error": 0}
    assert Project.objects.count() == 10
    item = WorkItem.objects.get(project__code="2024-230199-04-01-194940")
    assert (item.year, item.title, item.lead_unit.name) == (2024, "示例智能制造产业园", "区发改局")
    assert item.annual_plan == Decimal("35945")
    assert item.project.total_investment == Decimal("92890")
    assert item.project.industry == Project.Industry.INDUSTRY
    assert item.planned_start == date(2024, 3, 1)
    assert item.actual_start == date(2024, 3, 31)  # 是否开工=是, no date: end of the month
    report = item.reports.get()
    assert (report.month, report.state) == (3, MonthlyReport.State.ACCEPTED)
    assert report.investment_month == Decimal("6054.8")
    assert report.progress_text == "管网铺设完成85%"
    assert counted_investment(item) == Decimal("6054.8")
    livelihood = Project.objects.get(name="示例康养中心")
    assert livelihood.industry == Project.Industry.LIVELIHOOD
    assert livelihood.stage == Project.Stage.PREPARATION
    assert result.record.outcome == LedgerImport.Outcome.DONE
    assert (result.record.created, result.record.warnings) == (10, 3)


def test_same_file_twice_changes_nothing(office):
    content = sample_path().read_bytes()
    run(content, office)
    before = ledger_counts()
    # when
    again = run(content, office)
    # then
    assert again.counts()["unchanged"] == 10
    assert ledger_counts() == before
    assert again.previous_import
    assert LedgerImport.objects.filter(sha256=again.sha256).count() == 2


def test_dry_run_writes_nothing_and_lists_creates(office):
    before = ledger_counts()
    result = run(to_bytes(ledger_book()), office, dry_run=True)
    assert result.ok and not result.applied
    assert [r.action for r in result.rows] == ["create"] * 3
    assert ledger_counts() == before
    assert result.record.outcome == LedgerImport.Outcome.PREVIEW


def test_update_lists_the_changed_fields(office):
    run(to_bytes(ledger_book()), office)
    rows = [list(r) for r in ROWS]
    rows[0][5] = 32000  # 计划投资
    rows[1][6] = 1800  # 1-3月完成投资
    result = run(to_bytes(ledger_book(rows=rows, total="none")), office)
    assert [r.action for r in result.rows] == ["update", "update", "unchanged"]
    assert result.rows[0].changes == ["年度计划投资（万元）：30000 → 32000"]
    assert result.rows[1].changes == ["2024年3月本月完成投资（万元）：1500 → 1800"]
    item = WorkItem.objects.get(title="智能制造产业园")
    assert item.annual_plan == Decimal("32000")
    assert item.version == 2


def test_cumulative_sets_the_month_so_the_counted_total_equals_it(office, units):
    # given January and February already reported for the project
    project = f.ProjectFactory(code="2024-230103-78-01-000101", name="智能制造产业园")
    item = f.WorkItemFactory(project=project, lead_unit=units["区发改局"])
    f.ReportFactory(work_item=item, month=1, investment_month=Decimal("3000"))
    f.ReportFactory(work_item=item, month=2, investment_month=Decimal("2000.25"))
    # when the ledger says 1-3月 8200.5
    result = run(to_bytes(ledger_book()), office)
    # then March holds the rest
    assert result.ok
    march = item.reports.get(month=3)
    assert march.investment_month == Decimal("3200.25")
    assert counted_investment(item) == Decimal("8200.5")


def test_cumulative_below_reported_months_is_an_error(office, units):
    project = f.ProjectFactory(code="2024-230103-78-01-000101", name="智能制造产业园")
    item = f.WorkItemFactory(project=project, lead_unit=units["区发改局"])
    f.ReportFactory(work_item=item, month=2, investment_month=Decimal("9000"))
    before = ledger_counts()
    result = run(to_bytes(ledger_book()), office)
    assert not result.ok
    (error,) = result.errors
    assert error.cell_ref == "G7"
    assert "小于此前各月已报送的合计9000万元" in str(error)
    assert ledger_counts() == before


def test_match_by_name_and_lead_unit_and_a_second_year(office, units):
    # given last year's project without a code, led by 新华街道
    project = f.ProjectFactory(code=None, name="老旧小区改造")
    f.WorkItemFactory(project=project, year=2023, lead_unit=units["新华街道"])
    # when
    result = run(to_bytes(ledger_book()), office)
    # then the 2024 row becomes the same project's second work item
    assert result.ok
    assert project.work_items.count() == 2
    assert Project.objects.filter(name="老旧小区改造").count() == 1


def test_ambiguous_name_names_the_candidates(office, units):
    for code in ("2023-230103-78-01-000901", "2023-230103-78-01-000902"):
        p = f.ProjectFactory(code=code, name="老旧小区改造")
        f.WorkItemFactory(project=p, year=2023, lead_unit=units["新华街道"])
    rows = [r for r in ROWS if not r[1]]
    result = run(to_bytes(ledger_book(rows=rows, total="none")), office)
    (error,) = result.errors
    assert "2023-230103-78-01-000901" in error.reason
    assert "2023-230103-78-01-000902" in error.reason


def test_unknown_units_are_listed_and_created_only_when_asked(office):
    Unit.objects.filter(name__in=["新华街道", "区商务局"]).delete()
    before = ledger_counts()
    result = run(to_bytes(ledger_book()), office)
    assert not result.ok
    assert result.missing_units == ["区商务局", "新华街道"]
    assert ledger_counts() == before
    # when asked to create them
    result = run(to_bytes(ledger_book()), office, create_missing=True)
    assert result.ok and result.applied
    assert Unit.objects.get(name="新华街道").kind == Unit.Kind.STREET
    assert Unit.objects.get(name="区商务局").kind == Unit.Kind.DEPARTMENT
    assert sorted(result.created_units) == ["区商务局", "新华街道"]


def test_unknown_leader_is_created_with_create_missing(office):
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年重点项目台账（截至3月底）"])
    ws.append(["序号", "项目名称", "责任单位", "包抓领导", "年度计划投资"])
    ws.append([1, "项目甲", "区发改局", "王五、赵六", 100])
    result = run(to_bytes(wb), office, create_missing=True)
    assert result.ok
    item = WorkItem.objects.get(title="项目甲")
    assert item.lead_leader.full_name == "王五"
    assert item.lead_leader.role == User.Role.LEADER
    assert not item.lead_leader.has_usable_password()
    assert any("多位领导" in w.reason for w in result.warnings)


def test_any_error_writes_nothing_and_marks_the_cell(office):
    rows = [list(r) for r in ROWS]
    rows[2][7] = "部分开工"
    content = to_bytes(ledger_book(rows=rows))
    before = ledger_counts()
    result = run(content, office)
    assert [r.action for r in result.rows] == ["create", "create", "error"]
    (error,) = result.errors
    assert str(error).startswith("工作表“2024年重点项目”，第9行，H列（是否开工），值“部分开工”")
    assert ledger_counts() == before
    assert result.record.outcome == LedgerImport.Outcome.FAILED
    # the error workbook marks H9 with the reason
    book = load_workbook(BytesIO(import_error_workbook(result)))
    cell = book["2024年重点项目"]["H9"]
    assert "应为“是”或“否”" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert book.sheetnames[0] == "错误清单"


def test_closed_month_imports_ledger_fields_and_skips_figures(office, units):
    # given March is closed
    MonthClose.objects.create(year=2024, month=3, closed_by=office)
    # when a ledger "截至3月底" is imported
    result = run(to_bytes(ledger_book()), office)
    # then the items import, March's figures don't, one warning per row says so
    assert result.ok and result.applied
    assert WorkItem.objects.count() == len(ROWS)
    assert MonthlyReport.objects.count() == 0
    closed = [w for w in result.warnings if "已关账" in w.reason]
    assert sorted(w.row for w in closed) == sorted({w.row for w in closed})
    assert len(closed) == len(ROWS)
    assert WorkItem.objects.get(title="智能制造产业园").annual_plan == Decimal("30000")


def test_closed_month_never_changes_a_stored_report(office, units):
    # given March's figures were imported, then March closed
    run(to_bytes(ledger_book()), office)
    report = MonthlyReport.objects.get(work_item__title="智能制造产业园", month=3)
    MonthClose.objects.create(year=2024, month=3, closed_by=office)
    rows = [list(r) for r in ROWS]
    rows[0][5], rows[0][6] = 32000, 9999  # a new annual plan and new March figure
    # when
    result = run(to_bytes(ledger_book(rows=rows)), office)
    # then the plan changes, March's report does not
    assert result.ok
    item = WorkItem.objects.get(title="智能制造产业园")
    assert item.annual_plan == Decimal("32000")
    report.refresh_from_db()
    assert report.investment_month == Decimal("8200.5")
    assert any(w.row == 7 and "已关账" in w.reason for w in result.warnings)


def test_reserve_list_creates_reserve_projects(office):
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年储备项目清单"])
    ws.append(["序号", "项目名称", "责任单位", "计划总投资（亿元）", "项目阶段"])
    ws.append([1, "储备甲", "区发改局", 1.5, ""])
    ws.append([2, "储备乙", "区发改局", "0.8", "可研编制"])
    result = run(to_bytes(wb), office)
    assert result.ok
    first, second = Project.objects.get(name="储备甲"), Project.objects.get(name="储备乙")
    assert (first.stage, first.total_investment) == (Project.Stage.RESERVE, Decimal("15000.0"))
    assert second.stage == Project.Stage.PREPARATION
    item = first.work_items.get()
    assert (item.status, item.category) == (WorkItem.Status.DRAFT, WorkItem.Category.PRELIMINARY)


def test_task_ledger_imports_tasks(office, units):
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年重点工作督办台账（截至3月底）"])
    ws.append(
        [
            "序号",
            "督办事项",
            "事项来源",
            "交办时间",
            "牵头单位",
            "配合单位",
            "完成时限",
            "工作目标",
            "办理进展",
            "办结情况",
        ]
    )
    ws.append(
        [
            1,
            "优化营商环境",
            "会议",
            "2024年1月5日",
            "区发改局",
            "区商务局、新华街道",
            "2024年6月底",
            "新增市场主体100户",
            "已新增45户",
            "正在办理",
        ]
    )
    ws.append(
        [
            2,
            "清理拖欠账款",
            "批示",
            "2024.02",
            "区商务局",
            "",
            "2024年一季度",
            "清零",
            "已全部清零",
            "已办结",
        ]
    )
    result = run(to_bytes(wb), office)
    assert result.ok, result.summary_lines()
    task = WorkItem.objects.get(title="优化营商环境")
    assert task.kind == WorkItem.Kind.TASK and task.project is None
    assert (task.source, task.assigned_on, task.planned_finish) == (
        "会议",
        date(2024, 1, 5),
        date(2024, 6, 30),
    )
    assert task.content_scale == "新增市场主体100户"
    assert sorted(u.name for u in task.co_units.all()) == ["区商务局", "新华街道"]
    assert task.reports.get(month=3).progress_text == "已新增45户"
    done = WorkItem.objects.get(title="清理拖欠账款")
    assert (done.status, done.planned_finish) == (WorkItem.Status.DONE, date(2024, 3, 31))
    # and again: nothing changes
    again = run(to_bytes(wb), office)
    assert again.counts()["unchanged"] == 2


def test_file_errors_are_recorded_with_a_message(office):
    result = run(b"not a spreadsheet", office, file_name="x.xlsx")
    assert [str(e) for e in result.errors] == [
        "这不是电子表格文件。请上传 .xlsx、.xls 或 .ods 文件。"
    ]
    assert import_error_workbook(result) is None
    assert result.record.outcome == LedgerImport.Outcome.FAILED


def test_year_from_argument_when_the_title_has_none(office):
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "项目名称", "责任单位", "年度计划投资"])
    ws.append([1, "项目甲", "区发改局", 100])
    assert "年度" in str(run(to_bytes(wb), office).errors[0])
    result = run(to_bytes(wb), office, year=2025)
    assert result.ok
    assert WorkItem.objects.get(title="项目甲").year == 2025


def test_queries_do_not_grow_with_rows(office, django_assert_max_num_queries):
    # given ledgers of 3 and of 30 rows
    def book(n, start):
        rows = [
            (
                i,
                f"2024-230103-78-01-{i:06d}",
                f"项目{i}",
                "区发改局",
                100,
                50,
                10,
                "是",
                "2024年3月",
                "施工",
            )
            for i in range(start, start + n)
        ]
        return to_bytes(ledger_book(rows=rows, total="none"))

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        run(book(3, 1), office)
    with CaptureQueriesContext(connection) as large:
        run(book(30, 100), office)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_what_the_database_would_refuse_is_an_error_on_the_cell(office):
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年重点项目台账（截至3月底）"])
    ws.append(["序号", "项目名称", "责任单位", "总投资", "年度计划投资", "形象进度(%)"])
    ws.append([1, "长" * 201, "区发改局", 100, 10, 50])
    ws.append([2, "项目乙", "区发改局", 10**9, 10, 50])
    ws.append([3, "项目丙", "区发改局", 100, 10, 150])
    result = run(to_bytes(wb), office)
    assert [e.cell_ref for e in result.errors] == ["B3", "D4", "F5"]
    assert "超过200个字" in result.errors[0].reason
    assert "大得不合理" in result.errors[1].reason
    assert "0到100" in result.errors[2].reason
    assert Project.objects.count() == 0


def test_a_file_openpyxl_cannot_open_still_gets_an_error_workbook(office):
    # given a ledger with a bad cell whose docProps/core.xml entry is damaged: python-calamine
    # reads the sheets, openpyxl refuses the file (found by the fuzz test)
    rows = [list(r) for r in ROWS]
    rows[2][7] = "部分开工"
    content = bytearray(to_bytes(ledger_book(rows=rows)))
    entry = zipfile.ZipFile(BytesIO(bytes(content))).getinfo("docProps/core.xml")
    content[entry.header_offset : entry.header_offset + 4] = b"\0\0\0\0"
    result = run(bytes(content), office)
    assert result.errors and not result.applied
    # when / then: the marked copy holds the values read and the list of issues
    book = load_workbook(BytesIO(import_error_workbook(result)))
    assert book.sheetnames == ["错误清单", "2024年重点项目"]
    cell = book["2024年重点项目"]["H9"]
    assert cell.value == "部分开工" and "应为“是”或“否”" in cell.comment.text

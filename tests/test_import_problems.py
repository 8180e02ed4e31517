"""An office's 问题清单 / 销号清单 from Excel: problems in their state, all or nothing."""

from __future__ import annotations

from datetime import date
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from duban.problems.models import Problem, ProblemEvent
from duban.transfer.imports.problems import problems_import
from duban.transfer.imports.service import import_error_workbook
from tests.layout_fixtures import FORMATS, problem_list, write

pytestmark = pytest.mark.django_db
S = Problem.State


def rows(district):
    return [
        [
            1,
            "学府路施工红线内树木移植审批未办结",
            "发改项目甲",
            "区发改局",
            "区住建局",
            "审批手续",
            "2024年2月5日",
            "2024年4月30日",
            "已对接园林部门",
            "否",
            "",
            "二级",
        ],
        [
            2,
            "供热管网改造资金拨付滞后",
            "住建项目乙",
            "住建局",
            "",
            "资金",
            "2024-01-10",
            "2024-02-10",
            "资金已拨付到位",
            "是",
            "2024年2月8日",
            "区领导",
        ],
    ]


def run(content, name, user, **kwargs):
    return problems_import(content=content, file_name=name, by=user, **kwargs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_problem_list_becomes_problems_in_their_state(fmt, district, tmp_path):
    content, name = write(problem_list(rows(district)), fmt, tmp_path)
    # when the office imports its list
    result = run(content, name, district.office)
    # then one open problem assigned with its due date, one closed in February
    assert result.ok and result.applied, [str(e) for e in result.errors]
    open_, closed = Problem.objects.order_by("reported_on").reverse()
    assert (open_.state, open_.work_item, open_.lead_unit) == (
        S.ASSIGNED,
        district.item_a,
        district.unit_a,
    )
    assert open_.due_date == open_.original_due_date == date(2024, 4, 30)
    assert open_.reported_on == date(2024, 2, 5)
    assert list(open_.co_units.all()) == [district.unit_b]
    assert open_.level == 2 and open_.category == Problem.Category.APPROVAL
    assert (closed.state, closed.close_year, closed.close_month) == (S.CLOSED, 2024, 2)
    assert closed.resolution == "资金已拨付到位" and closed.level == 3
    assert closed.category == Problem.Category.FUNDING
    actions = list(closed.events.order_by("pk").values_list("action", flat=True))
    assert actions == [
        ProblemEvent.Action.REPORT,
        ProblemEvent.Action.ASSIGN,
        ProblemEvent.Action.CLOSE,
    ]
    # and importing it again changes nothing
    again = run(content, name, district.office)
    assert again.ok and again.counts() == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    assert Problem.objects.count() == 2


def test_close_before_report_is_refused_naming_row_and_column(district, tmp_path):
    bad = rows(district)
    bad[1][10] = "2023年12月1日"
    content, name = write(problem_list(bad), "xlsx", tmp_path)
    result = run(content, name, district.office)
    assert not result.ok and Problem.objects.count() == 0
    [error] = result.errors
    assert (error.row, error.header) == (4, "销号时间")
    assert "早于提出时间" in error.reason
    # the file comes back with the cell marked
    book = load_workbook(BytesIO(import_error_workbook(result)))
    assert "早于提出时间" in book["Sheet1"]["K4"].comment.text


def test_solved_without_close_date_and_unknown_project_are_errors(district, tmp_path):
    bad = rows(district)
    bad[1][10] = ""
    bad[0][2] = "不存在的项目"
    content, name = write(problem_list(bad), "xlsx", tmp_path)
    result = run(content, name, district.office)
    reasons = {(e.row, e.header): e.reason for e in result.errors}
    assert "销号时间" in reasons[(4, "销号时间")]
    assert "没有项目" in reasons[(3, "所属项目")]
    assert Problem.objects.count() == 0


def test_unit_user_imports_only_their_units_problems(district, tmp_path):
    content, name = write(problem_list(rows(district)), "xlsx", tmp_path)
    # the reporter of 发改局 sees 住建项目乙 (a co-unit) but its problem is 住建局's
    result = run(content, name, district.reporter_a)
    assert not result.ok and Problem.objects.count() == 0
    assert any(e.row == 4 and "本单位" in e.reason for e in result.errors)
    own = run(*write(problem_list(rows(district)[:1]), "xlsx", tmp_path), district.reporter_a)
    assert own.ok and own.applied
    assert Problem.objects.get().reporting_unit == district.unit_a


def test_unit_user_cannot_reach_items_out_of_scope(district, tmp_path):
    row = rows(district)[0]
    row[2], row[3], row[4] = "住建项目丙", "区发改局", ""
    result = run(*write(problem_list([row]), "xlsx", tmp_path), district.reporter_a)
    assert not result.ok and "范围" in result.errors[0].reason


def test_cli_imports_problems(district, tmp_path):
    content, name = write(problem_list(rows(district)), "xlsx", tmp_path)
    path = tmp_path / name
    path.write_bytes(content)
    out = StringIO()
    call_command("import", "problems", str(path), "--user", "office", "--dry-run", stdout=out)
    assert "预览完成" in out.getvalue() and Problem.objects.count() == 0
    call_command("import", "problems", str(path), "--user", "office", stdout=StringIO())
    assert Problem.objects.count() == 2
    with pytest.raises(CommandError) as e:
        call_command("import", "problems", str(path), "--user", "nobody", stdout=StringIO())
    assert e.value.returncode == 2


def test_problems_page_preview_confirm_and_scope(district, login, tmp_path):
    content, name = write(problem_list(rows(district)), "xlsx", tmp_path)
    client = login(district.office)
    response = client.post("/ledger/import/problems/", {"file": SimpleUploadedFile(name, content)})
    body = response.content.decode()
    assert response.status_code == 200 and "确认导入" in body and Problem.objects.count() == 0
    confirm = response.context["confirm"]
    fields = {k: v for k, v in confirm.initial.items() if v not in (None, False)}
    response = client.post("/ledger/import/problems/confirm/", fields)
    assert response.status_code == 302 and Problem.objects.count() == 2
    assert login(district.viewer).get("/ledger/import/problems/").status_code == 403


def test_problems_page_asks_for_an_unknown_unit_and_remembers(district, login, tmp_path):
    from duban.org.models import NameAlias

    row = rows(district)[0]
    row[3] = "发改委"  # close to 区发改局
    content, name = write(problem_list([row]), "xlsx", tmp_path)
    client = login(district.office)
    response = client.post("/ledger/import/problems/", {"file": SimpleUploadedFile(name, content)})
    body = response.content.decode()
    assert 'name="unit__发改委"' in body and "确认导入" not in body
    fields = {k: v for k, v in response.context["confirm"].initial.items() if v}
    response = client.post("/ledger/import/problems/choose/", {**fields, "unit__发改委": "a"})
    assert "确认导入" in response.content.decode()
    fields = {k: v for k, v in response.context["confirm"].initial.items() if v}
    assert client.post("/ledger/import/problems/confirm/", fields).status_code == 302
    assert Problem.objects.get().lead_unit == district.unit_a
    assert NameAlias.objects.get().alias == "发改委"


@pytest.mark.parametrize("fmt", FORMATS)
def test_closeout_list_with_its_own_headings(fmt, district, tmp_path):
    from tests.layout_fixtures import Layout

    layout = Layout(
        [
            ["2024年3月重点项目问题销号清单", "", "", "", "", ""],
            ["序号", "问题", "项目", "责任部门", "上报时间", "办理结果", "销号日期"],
            [
                1,
                "施工用电增容未批复",
                "住建项目乙",
                "区住建局",
                "2024.2",
                "已完成增容",
                "2024年3月",
            ],
        ]
    )
    content, name = write(layout, fmt, tmp_path)
    result = problems_import(content=content, file_name=name, by=district.office)
    assert result.ok and result.applied, [str(e) for e in result.errors]
    problem = Problem.objects.get()
    assert (problem.state, problem.close_month, problem.category) == (
        S.CLOSED,
        3,
        Problem.Category.OTHER,
    )
    assert problem.reported_on == date(2024, 2, 1) and problem.resolution == "已完成增容"


def test_closeout_in_the_current_month_is_today_at_the_latest(district, tmp_path):
    row = rows(district)[1]
    row[10] = "2024年4月"  # the clock is at 3 April 2024
    result = run(*write(problem_list([row]), "xlsx", tmp_path), district.office)
    assert result.ok and result.applied
    problem = Problem.objects.get()
    assert (problem.close_year, problem.close_month) == (2024, 4)
    assert problem.closed_at.date() == date(2024, 4, 3)


@pytest.mark.parametrize(
    ("text", "solved"),
    [
        ("是", True),
        ("×", False),
        ("已解决", True),
        ("未解决", False),
        ("正在办理", False),
        ("已于2024年3月解决", True),
        ("待定", None),
    ],
)
def test_solved_words(text, solved):
    from duban.transfer.imports.problem_columns import solved_read

    assert solved_read(text) is solved


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("", 1),
        ("二级", 2),
        ("3", 3),
        ("单位主要负责人", 2),
        ("区领导", 3),
        ("区主要领导", 4),
        ("调度会", 4),
        ("L9", None),
    ],
)
def test_level_words(text, level):
    from duban.transfer.imports.problem_columns import level_read

    assert level_read(text) == level

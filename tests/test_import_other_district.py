"""Lists laid out by another district: a title merged across the sheet, a notes row, a two-row
header with full-width spacing, a key heading no list of ours has used, a 合计 row and a
footer. The header is found by its most matched columns; the office maps the unknown heading
once; the error workbook's marks replay the preview's name choices."""

from __future__ import annotations

from io import BytesIO
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from duban.ledger.models import LedgerImport
from duban.problems.models import Problem
from duban.sheets.aliases import alias_table, column_guess
from duban.sheets.headers import header_find
from duban.sheets.models import ColumnAlias
from duban.sheets.tables import workbook_load
from duban.transfer.imports.problem_columns import PROBLEMS
from duban.transfer.imports.problems import problems_import
from tests.layout_fixtures import FORMATS, Layout, write
from tests.sheets_fixtures import to_bytes
from tests.test_api_imports import api

UNKNOWN = "卡点堵点情况"  # what this district calls 问题描述


def other_district(rows: list[list[Any]] | None = None, *, heading: str = UNKNOWN) -> Layout:
    """Title and notes rows merged across; 序号, the description, 责任单位 and 协调层级 span the
    two header rows; 项目情况, 时间节点 and 办理情况 are parents of two or three columns."""
    width = 11
    blank = [""] * (width - 1)
    top = [
        "序　号",
        "项目情况",
        "",
        heading,
        "责　任　单　位",
        "时间节点",
        "",
        "办理情况",
        "",
        "",
        "协调层级",
    ]
    sub = ["", "项目名称", "项目代码", "", "", "提出时间", "办理时限", "办理进展", "是否销号"]
    sub += ["销号时间", ""]
    data = rows or [
        [
            1,
            "发改项目甲",
            "",
            "树木移植审批未办结",
            "区发改局",
            "2024年2月5日",
            "2024年4月30日",
            "已对接园林部门",
            "否",
            "",
            "二级",
        ],
        [
            2,
            "住建项目乙",
            "",
            "供热管网资金拨付滞后",
            "区住建局",
            "2024-01-10",
            "2024-02-10",
            "资金已拨付到位",
            "是",
            "2024年2月8日",
            "区领导",
        ],
    ]
    table = [
        ["某某县2024年重点项目卡点堵点问题台账", *blank],
        ["注：本表由各责任单位每月25日前更新，时间填到日", *blank],
        top,
        sub,
        *data,
        [f"合计：{len(data)}个问题", *blank],
        ["填表人：张三　　联系电话：1234567", *blank],
    ]
    last = 4 + len(data)
    merged = [
        ((0, 0), (0, width - 1)),
        ((1, 0), (1, width - 1)),
        ((2, 0), (3, 0)),
        ((2, 1), (2, 2)),
        ((2, 3), (3, 3)),
        ((2, 4), (3, 4)),
        ((2, 5), (2, 6)),
        ((2, 7), (2, 9)),
        ((2, 10), (3, 10)),
        ((last, 0), (last, width - 1)),
        ((last + 1, 0), (last + 1, width - 1)),
    ]
    return Layout(table, merged=merged)


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_heading_is_named_then_mapped_once(fmt, district, tmp_path):
    content, name = write(other_district(), fmt, tmp_path)
    # when the office previews the list: the header is found, but it has no 问题描述
    result = problems_import(content=content, file_name=name, by=district.office, dry_run=True)
    assert not result.ok and Problem.objects.count() == 0
    [error] = result.errors
    assert error.row == 4 and "问题描述" in error.reason
    assert f"D列“{UNKNOWN}”" in error.reason
    table = result.book.tables[0]
    assert (table.header.first_row, table.header.depth) == (2, 2)
    assert {f: c.index for f, c in table.columns.items()} == {
        "seq": 0,
        "project": 1,
        "code": 2,
        "lead_unit": 4,
        "reported_on": 5,
        "due": 6,
        "progress": 7,
        "solved": 8,
        "closed_on": 9,
        "level": 10,
    }
    # and once the unknown heading is mapped to 问题描述, the list imports in full
    ColumnAlias.objects.create(schema=PROBLEMS.name, alias=UNKNOWN, field="description")
    result = problems_import(content=content, file_name=name, by=district.office)
    assert result.ok and result.applied, [str(e) for e in result.errors]
    assert result.counts()["create"] == 2
    closed = Problem.objects.get(work_item=district.item_b)
    assert (closed.state, closed.close_month, closed.level) == (Problem.State.CLOSED, 2, 3)
    assert Problem.objects.get(work_item=district.item_a).state == Problem.State.ASSIGNED


def test_common_description_headings_need_no_mapping(district, tmp_path):
    content, name = write(other_district(heading="主要问题及困难"), "xlsx", tmp_path)
    result = problems_import(content=content, file_name=name, by=district.office)
    assert result.ok and result.applied, [str(e) for e in result.errors]


def test_the_preview_maps_the_unknown_heading(district, login, tmp_path):
    content, name = write(other_district(), "xlsx", tmp_path)
    client = login(district.office)
    response = client.post("/ledger/import/problems/", {"file": SimpleUploadedFile(name, content)})
    body = response.content.decode()
    # the preview names the unmapped column and offers it for mapping
    assert UNKNOWN in body and 'name="map__0__3"' in body and "确认导入" not in body
    fields = {k: v for k, v in response.context["confirm"].initial.items() if v}
    response = client.post(
        "/ledger/import/problems/mapping/", {**fields, "map__0__3": "description"}
    )
    assert not response.context["mapping_error"]
    assert "确认导入" in response.content.decode()
    response = client.post("/ledger/import/problems/confirm/", fields)
    assert response.status_code == 302 and Problem.objects.count() == 2


def test_a_summary_sheet_beside_the_ledger_is_only_a_warning(db):
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["2024年示例区重点项目台账"])
    ws.append(["序号", "项目名称", "责任单位", "总投资", "年度计划投资"])
    ws.append([1, "示例甲", "区发改局", 5000, 1000])
    summary = wb.create_sheet("分单位汇总")
    summary.append(["2024年分单位汇总"])
    summary.append(["责任单位", "项目个数", "总投资", "年度计划投资", "1-3月完成投资"])
    summary.append(["区发改局", 1, 5000, 1000, 300])
    book = workbook_load(to_bytes(wb), file_name="台账.xlsx", aliases={})
    assert [len(t.rows) for t in book.tables] == [1, 0]
    [issue] = book.issues
    assert issue.level == "warning" and issue.sheet == "分单位汇总" and "项目名称" in issue.reason
    assert "B列“项目个数”" in issue.reason


def test_a_sheet_of_names_and_phones_has_no_header_still(db):
    wb = Workbook()
    wb.active.append(["姓名", "电话", "备注"])
    wb.active.append(["张三", "123", ""])
    with pytest.raises(Exception, match="找不到表头"):
        workbook_load(to_bytes(wb), file_name="a.xlsx", aliases={}, schema=PROBLEMS)


def test_the_parent_row_of_a_two_row_header_is_part_of_it():
    # 序号 merged down beside a parent over the name columns: the header starts above them
    rows = [
        ["2024年台账", "", "", ""],
        ["序号", "项目基本情况", "", "投资情况"],
        ["", "项目名称", "责任单位", "年度计划投资"],
        [1, "示例甲", "区发改局", 100],
    ]
    merged = [((0, 0), (0, 3)), ((1, 0), (2, 0)), ((1, 1), (1, 2))]
    header = header_find(rows, merged, alias_table({}))
    assert (header.first_row, header.depth) == (1, 2)
    assert {f: c.index for f, c in header.by_field().items()} == {
        "seq": 0,
        "name": 1,
        "lead_unit": 2,
        "annual_plan": 3,
    }


def test_the_header_is_scanned_only_so_far():
    rows: list[list[Any]] = [["说明文字"] for _ in range(25)]
    rows.append(["序号", "卡点", "项目名称", "责任单位", "提出时间"])
    assert header_find(rows, [], alias_table({}, PROBLEMS), PROBLEMS.key_fields) is None


def _unknown_unit_list(district, tmp_path):
    rows = [
        [
            1,
            "发改项目甲",
            "",
            "树木移植审批未办结",
            "发改委",
            "2024年2月5日",
            "2024年4月30日",
            "已对接",
            "否",
            "",
            "二级",
        ],
        # closed before it was reported: an error whatever the names
        [
            2,
            "住建项目乙",
            "",
            "资金拨付滞后",
            "区住建局",
            "2024-01-10",
            "2024-02-10",
            "已拨付",
            "是",
            "2024年1月8日",
            "区领导",
        ],
    ]
    return write(other_district(rows, heading="问题描述"), "xlsx", tmp_path)


def test_problem_error_workbook_replays_the_name_choices(district, login, tmp_path):
    content, name = _unknown_unit_list(district, tmp_path)
    client = login(district.office)
    response = client.post("/ledger/import/problems/", {"file": SimpleUploadedFile(name, content)})
    fields = {k: v for k, v in response.context["confirm"].initial.items() if v}
    # the office answers 发改委 = 区发改局; one row still has an error
    response = client.post("/ledger/import/problems/choose/", {**fields, "unit__发改委": "a"})
    [error] = response.context["result"].errors
    assert error.row == 6
    link = next(
        line.split('href="')[1].split('"')[0].replace("&amp;", "&")
        for line in response.content.decode().splitlines()
        if "errors.xlsx" in line
    )
    assert "choices=" in link
    # then the marked workbook marks only that row: 发改委 is no error there
    book = load_workbook(BytesIO(client.get(link).content))
    listing = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert [row[2] for row in listing if row[0] == "错误"] == [6]
    # without the choices (an old link) the unknown name is marked too
    path = urlsplit(link)
    plain = f"{path.path}?name={parse_qs(path.query)['name'][0]}"
    book = load_workbook(BytesIO(client.get(plain).content))
    errors = [
        r for r in book.worksheets[0].iter_rows(min_row=2, values_only=True) if r[0] == "错误"
    ]
    assert sorted(r[2] for r in errors) == [5, 6]


def test_problem_api_error_workbook_path_carries_the_aliases(district, tmp_path):
    content, name = _unknown_unit_list(district, tmp_path)
    client = api(district.office)
    response = client.post(
        "/api/v1/problem-imports",
        {"file": SimpleUploadedFile(name, content), "alias": ["发改委=a"]},
    )
    assert response.status_code == 422
    path = response.json()["error_workbook"]
    book = load_workbook(BytesIO(client.get(path).content))
    errors = [
        r for r in book.worksheets[0].iter_rows(min_row=2, values_only=True) if r[0] == "错误"
    ]
    assert [r[2] for r in errors] == [6]


def test_ledger_error_workbook_replays_the_name_choices(district, login):
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年示例区重点项目台账"])
    ws.append(["序号", "项目名称", "责任单位", "总投资", "年度计划投资"])
    ws.append([1, "示例甲", "发改委", 5000, 1000])
    ws.append([2, "示例乙", "区住建局", 5000, "一千"])
    content = to_bytes(wb)
    client = login(district.office)
    response = client.post("/ledger/import/", {"file": SimpleUploadedFile("台账.xlsx", content)})
    fields = {k: v for k, v in response.context["confirm"].initial.items() if v not in (None, "")}
    response = client.post("/ledger/import/choose/", {**fields, "unit__发改委": "a"})
    assert [e.row for e in response.context["result"].errors] == [4]
    record = LedgerImport.objects.order_by("-created_at", "-pk").first()
    assert record.summary["replay"]["choices"]
    body = client.get(f"/ledger/import/{record.sha256}/errors.xlsx").content
    listing = load_workbook(BytesIO(body)).worksheets[0]
    errors = [r for r in listing.iter_rows(min_row=2, values_only=True) if r[0] == "错误"]
    assert [r[2] for r in errors] == [4]


def test_a_heading_holding_a_known_name_is_hinted(district, tmp_path):
    heading = "企业反映的困难问题汇总"
    content, name = write(other_district(heading=heading), "xlsx", tmp_path)
    result = problems_import(content=content, file_name=name, by=district.office, dry_run=True)
    [error] = result.errors
    assert f"D列“{heading}”（可能是“问题描述”）" in error.reason


def test_guesses_are_hints_and_only_when_one_field_fits():
    ledger = alias_table({})
    assert column_guess("项目单位联系人", ledger, set()) == "owner"
    assert column_guess("项目单位联系人", ledger, {"owner"}) is None  # another column has it
    assert column_guess("项目名称及建设内容", ledger, set()) is None  # 项目名称 or 建设内容
    assert column_guess("联系电话", ledger, set()) is None


def test_choices_round_trip_and_malformed_ones_are_left_out(district):
    from duban.transfer.imports.choices import name_choices_dump, name_choices_load

    choices = name_choices_load(
        '{"units": {"发改委": "a", "新单位": "new", "x": [], "y": "nope"},'
        ' "leaders": {"张伟": "leader", "z": {}}, "unit": "b"}'
    )
    assert choices.units == {"发改委": district.unit_a, "新单位": None}
    assert choices.leaders == {"张伟": district.leader}
    assert choices.unit_for_file == district.unit_b
    again = name_choices_load(name_choices_dump(choices))
    assert (again.units, again.leaders, again.unit_for_file) == (
        choices.units,
        choices.leaders,
        choices.unit_for_file,
    )
    assert name_choices_dump(None) == "" and name_choices_load("[1]").units == {}

"""The mapping page: an unmatched column mapped to a field once, saved as a column alias."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from duban.core.errors import ApplicationError
from duban.ledger.models import WorkItem
from duban.org.models import User
from duban.sheets.models import ColumnAlias
from duban.sheets.services import ColumnMapping, column_mappings_save
from duban.sheets.tables import workbook_load
from tests import factories as f
from tests.sheets_fixtures import to_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(db):
    unit = f.UnitFactory(code="fgj", name="示例区发展和改革局", short_name="发改局")
    return f.UserFactory(role=User.Role.OFFICE, unit=unit, username="office")


def odd_book():
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年示例区重点项目台账"])
    ws.append(["序号", "项目名称", "责任单位", "本年度投资任务（万元）", "推进打算"])
    ws.append([1, "示例甲", "发改局", 1200, "加快施工"])
    return to_bytes(wb)


def preview(client):
    return client.post("/ledger/import/", {"file": SimpleUploadedFile("台账.xlsx", odd_book())})


def fields_of(response):
    confirm = response.context["confirm"]
    return {k: v for k, v in confirm.initial.items() if v not in (None, False)}


def test_unmatched_column_is_mapped_once_and_remembered(office, login):
    client = login(office)
    # the preview shows each column with its field, D and E unmatched
    response = preview(client)
    body = response.content.decode()
    assert 'name="map__0__3"' in body and 'name="map__0__4"' in body
    assert 'name="map__0__1"' not in body  # 项目名称 is matched
    # when the office maps D to 年度计划投资 and E to 下步计划
    response = client.post(
        "/ledger/import/mapping/",
        {**fields_of(response), "map__0__3": "annual_plan", "map__0__4": "next_steps"},
    )
    assert response.status_code == 200 and not response.context["mapping_error"]
    assert dict(ColumnAlias.objects.filter(note="导入时对应").values_list("alias", "field")) == {
        "本年度投资任务": "annual_plan",
        "推进打算": "next_steps",
    }
    # then the next upload of that layout needs nothing
    response = client.post("/ledger/import/confirm/", fields_of(preview(client)))
    assert response.status_code == 302
    assert str(WorkItem.objects.get().annual_plan) == "1200.0000"


def test_two_columns_to_one_field_are_refused_naming_row_and_column(office, login):
    client = login(office)
    response = preview(client)
    response = client.post(
        "/ledger/import/mapping/",
        {**fields_of(response), "map__0__3": "annual_plan", "map__0__4": "annual_plan"},
    )
    error = response.context["mapping_error"]
    assert "第2行E列" in error and "D列" in error
    assert not ColumnAlias.objects.filter(note="导入时对应").exists()


def test_mapping_to_a_field_another_column_has_is_refused(office):
    book = workbook_load(odd_book(), file_name="a.xlsx")
    table = book.tables[0]
    column = next(c for c in table.header.columns if c.index == 4)
    with pytest.raises(ApplicationError, match="已对应B列"):
        column_mappings_save(
            mappings=[ColumnMapping(table.sheet, 2, column, "name")],
            matched={(table.sheet, 2): table.columns},
        )
    assert not ColumnAlias.objects.filter(note="导入时对应").exists()


def test_mapping_page_is_for_the_office(office, login):
    reporter = f.UserFactory(role=User.Role.REPORTER, unit=office.unit)
    assert login(reporter).post("/ledger/import/mapping/", {}).status_code == 403


# other kinds of list: a problem list's columns, and a plan's month columns


def odd_problem_list() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年示例区重点项目问题清单"])
    ws.append(["序号", "问题描述", "所属项目", "责任单位", "提出时间", "诉求归类", "督办进展"])
    ws.append([1, "用地指标未落实", "示例甲", "发改局", "2024年3月1日", "要素保障", "已协调"])
    return to_bytes(wb)


def test_problem_list_column_is_mapped_once_as_a_problem_list_alias(office, login):
    from duban.problems.models import Problem

    f.WorkItemFactory(lead_unit=office.unit, title="示例甲")
    client = login(office)
    upload = client.post(
        "/ledger/import/problems/",
        {"file": SimpleUploadedFile("问题清单.xlsx", odd_problem_list())},
    )
    body = upload.content.decode()
    # the preview shows the unmatched columns with the problem list's fields to choose from
    assert 'name="map__0__5"' in body and 'name="map__0__6"' in body
    assert 'name="map__0__1"' not in body  # 问题描述 is matched
    assert '<option value="category">问题类别</option>' in body
    fields = {k: v for k, v in upload.context["confirm"].initial.items() if v}
    # when the office maps F to 问题类别 and G to 办理进展
    response = client.post(
        "/ledger/import/problems/mapping/",
        {**fields, "map__0__5": "category", "map__0__6": "progress"},
    )
    assert response.status_code == 200 and not response.context["mapping_error"]
    # then they are the problem list's aliases, not the ledger's (办理进展 ≠ 形象进度)
    saved = ColumnAlias.objects.filter(schema="problems")
    assert dict(saved.values_list("alias", "field")) == {
        "诉求归类": "category",
        "督办进展": "progress",
    }
    assert not ColumnAlias.objects.filter(schema="ledger", alias="督办进展").exists()
    assert "确认导入" in response.content.decode()
    # and the list imports with them
    response = client.post("/ledger/import/problems/confirm/", fields)
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert problem.description == "用地指标未落实"


def test_a_unit_user_sees_no_column_mapping(office, login):
    reporter = f.UserFactory(role=User.Role.REPORTER, unit=office.unit)
    client = login(reporter)
    upload = client.post(
        "/ledger/import/problems/",
        {"file": SimpleUploadedFile("问题清单.xlsx", odd_problem_list())},
    )
    assert 'name="map__0__5"' not in upload.content.decode()
    fields = {k: v for k, v in upload.context["confirm"].initial.items() if v}
    response = client.post("/ledger/import/problems/mapping/", {**fields, "map__0__5": "category"})
    assert response.status_code == 403
    assert not ColumnAlias.objects.filter(schema="problems").exists()


def test_a_plan_month_column_can_be_mapped_too(office):
    # given a plan sheet whose April column is written 四月份
    header = ["序号", "项目名称", "责任单位", "年度计划投资"]
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年示例区重点项目月度计划"])
    ws.append([*header, "四月份安排"])
    ws.append([1, "示例甲", "发改局", 1200, 100])
    book = workbook_load(to_bytes(wb), file_name="计划.xlsx")
    table = book.tables[0]
    column = next(c for c in table.header.columns if c.header == "四月份安排")
    assert column.field is None
    # when the office maps it to 计划/4月
    column_mappings_save(
        mappings=[ColumnMapping(table.sheet, 2, column, "plan_m4")],
        matched={(table.sheet, 2): table.columns},
    )
    # then the next file of that layout reads it as April's plan
    again = workbook_load(to_bytes(wb), file_name="计划.xlsx").tables[0]
    assert again.columns["plan_m4"].header == "四月份安排"

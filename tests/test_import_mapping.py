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

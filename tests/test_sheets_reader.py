"""Reading office ledgers: layouts, units, rows, totals, formats and file-level errors."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from duban.sheets.errors import SheetFileError
from duban.sheets.tables import workbook_load
from tests.sheets_fixtures import convert, ledger_book, sample_path, save, to_bytes, write_ledger

NO_DB = {}  # read with the built-in aliases only


def load(wb: Workbook, **kwargs):
    return workbook_load(to_bytes(wb), file_name="t.xlsx", aliases=kwargs.pop("aliases", NO_DB))


def test_sample_ledger_reads_ten_projects_with_month_three():
    # given the shared sample
    path = sample_path()
    # when
    book = workbook_load(path, aliases=NO_DB)
    # then
    (table,) = book.tables
    assert (table.year, table.as_of_month, table.reporter) == (2024, 3, "示例区重点项目推进办公室")
    assert len(table.rows) == 10
    first = table.rows[0]
    assert first.row == 7
    assert first.values["total_investment"] == Decimal("92890")
    assert first.values["ytd_investment"] == Decimal("6054.8")
    assert table.columns["ytd_investment"].header == "2024年度/1-3月完成投资"
    assert table.month_of("ytd_investment") == 3
    assert [g for _r, g in table.groups] == ["产业项目(6个)", "民生及基础设施项目(4个)"]
    # the 合计 row holds formulas without values: a warning per money column, no error
    assert {i.level for i in table.issues} == {"warning"}
    assert sum(s.values["ytd_investment"] for s in table.rows) == Decimal("69514.3")


def test_typical_sheet_values_units_and_dates():
    book = load(ledger_book())
    (table,) = book.tables
    assert [r.values["name"] for r in table.rows] == [
        "智能制造产业园",
        "冷链物流园",
        "老旧小区改造",
    ]
    third = table.rows[2].values
    assert third["ytd_investment"] == Decimal("1200.25")
    assert third["started"] is True
    assert third["planned_start"].first == date(2024, 3, 5)
    assert third["progress"] == ""
    assert table.columns["lead_unit"].header == "责任单位"  # line break inside the cell
    assert table.issues == []  # the 合计 row agrees


def test_total_that_disagrees_is_a_warning():
    book = load(ledger_book(total="wrong", total_first=False))
    issues = book.tables[0].issues
    assert len(issues) == 1
    assert issues[0].level == "warning"
    assert "不一致" in issues[0].reason
    assert issues[0].cell_ref.startswith("E")


def test_yi_column_beside_wan_columns():
    book = load(ledger_book(money_header="总投资（亿元）", total="none"))
    rows = book.tables[0].rows
    assert rows[0].values["total_investment"] == Decimal("1250000000")
    assert rows[0].values["annual_plan"] == Decimal("30000")


def test_unit_row_in_yi_applies_to_columns_without_their_own_unit():
    book = load(ledger_book(unit_text="单位：亿元", total="none"))
    rows = book.tables[0].rows
    assert rows[0].values["annual_plan"] == Decimal("300000000")


def test_one_row_header_and_synonyms():
    wb = Workbook()
    ws = wb.active
    ws.append(["2023年重点工作督办台账"])
    ws.append(
        [
            "序号",
            "项目名",
            "牵头单位",
            "包抓领导",
            "计划总投资(万元)",
            "本年计划投资",
            "本年累计完成投资",
            "是否新开工",
            "实际开工时间",
        ]
    )
    ws.append([1, "某项目", "区工信局", "王五", "12,000", 3000, 800, "已开工", 45356])
    table = load(wb).tables[0]
    assert table.header.depth == 1
    assert set(table.columns) >= {
        "name",
        "lead_unit",
        "leader",
        "total_investment",
        "annual_plan",
        "ytd_investment",
        "started",
        "actual_start",
    }
    assert table.year == 2023
    values = table.rows[0].values
    assert values["actual_start"].first == date(2024, 3, 5)
    assert values["total_investment"] == Decimal("12000")


def test_three_row_header_flattens_parent_child():
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年重点项目台账"])
    ws.append(["序号", "项目名称", "责任单位", "2024年度", "", ""])
    ws.append(["", "", "", "计划投资", "1-5月", ""])
    ws.append(["", "", "", "", "完成投资", "完成率(%)"])
    for col in "ABC":
        ws.merge_cells(f"{col}2:{col}4")
    ws.merge_cells("D2:F2")
    ws.merge_cells("D3:D4")
    ws.merge_cells("E3:F3")
    ws.append([1, "项目甲", "区发改局", 100, 40, 40])
    table = load(wb).tables[0]
    assert table.header.depth == 3
    headers = [c.header for c in table.header.columns]
    assert headers[4] == "2024年度/1-5月/完成投资"
    assert table.month_of("ytd_investment") == 5
    assert table.rows[0].values["completion_rate"] == Decimal("40")


def test_percent_formatted_cell_holds_a_fraction():
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "项目名称", "责任单位", "完成率"])
    ws.append([1, "项目甲", "区发改局", 0.273])
    ws["D2"].number_format = "0.0%"
    ws.append([2, "项目乙", "区发改局", 27.3])
    rows = load(wb).tables[0].rows
    assert rows[0].values["completion_rate"] == Decimal("27.3")
    assert rows[1].values["completion_rate"] == Decimal("27.3")


def test_rows_group_total_subtotal_footer_are_skipped():
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "项目名称", "责任单位", "总投资"])
    ws.append(["", "总计", "", 300])
    ws.append(["（一）", "省重点项目", "", ""])
    ws.append(["1-1", "项目甲", "区发改局", 100])
    ws.append(["", "小计", "", 100])
    ws.append(["二", "市重点项目", "", ""])
    ws.append([1, "项目乙", "区发改局", 200])
    ws.append(["注：金额单位为万元"])
    ws.append([9, "不该读到", "区发改局", 1])
    table = load(wb).tables[0]
    assert [r.values["name"] for r in table.rows] == ["项目甲", "项目乙"]
    assert [r.group for r in table.rows] == ["省重点项目", "市重点项目"]
    assert table.issues == []


def test_several_sheets_and_a_blank_one():
    wb = ledger_book()
    write_ledger(wb.create_sheet("新开工"), title="2024年新开工项目（截至3月底）")
    wb.create_sheet("空白")
    book = load(wb)
    assert [t.sheet for t in book.tables] == ["2024年重点项目", "新开工"]


def test_bad_values_are_errors_naming_the_cell():
    rows = [(1, "", "项目甲", "区发改局", "十万", 100, 50, "也许", "长期", "")]
    book = load(ledger_book(rows=rows, total="none"))
    errors = [i for i in book.issues if i.is_error]
    assert [e.cell_ref for e in errors] == ["E6", "H6", "I6"]
    assert str(errors[0]) == "工作表“2024年重点项目”，第6行，E列（总投资），值“十万”：不是数字"


def test_mangled_month_is_a_warning():
    rows = [(1, "", "项目甲", "区发改局", 100, 100, 50, "是", 2024.1, "")]
    book = load(ledger_book(rows=rows, total="none", group=None))
    (warning,) = book.issues
    assert warning.level == "warning"
    assert "2024.10" in warning.reason


def test_office_alias_extends_the_table():
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "项目名称", "责任单位", "帮扶领导"])
    ws.append([1, "项目甲", "区发改局", "赵六"])
    assert "leader" not in load(wb).tables[0].columns
    assert load(wb, aliases={"帮扶领导": "leader"}).tables[0].rows[0].values["leader"] == "赵六"


@pytest.mark.django_db
def test_column_alias_rows_are_seeded_and_used():
    from duban.sheets.aliases import alias_table
    from duban.sheets.models import ColumnAlias

    assert ColumnAlias.objects.filter(alias="包抓领导", field="leader").exists()
    ColumnAlias.objects.create(alias="帮扶领导", field="leader")
    ColumnAlias.objects.filter(alias="行业").update(is_active=False)
    table = alias_table()
    assert table["帮扶领导"] == "leader"
    assert "行业" not in table


# File-level errors ---------------------------------------------------------------------


def test_not_a_spreadsheet():
    with pytest.raises(SheetFileError, match="不是电子表格"):
        workbook_load(b"hello, world", file_name="a.xlsx", aliases=NO_DB)


def test_encrypted_file():
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512 + "EncryptionInfo".encode("utf-16-le")
    with pytest.raises(SheetFileError, match="密码") as e:
        workbook_load(fake, file_name="a.xlsx", aliases=NO_DB)
    assert e.value.code == "encrypted"


def test_too_large(settings):
    settings.DUBAN_IMPORT_MAX_BYTES = 1000
    with pytest.raises(SheetFileError, match="太大"):
        workbook_load(to_bytes(ledger_book()), file_name="a.xlsx", aliases=NO_DB)


def test_no_header():
    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    with pytest.raises(SheetFileError, match="找不到表头") as e:
        load(wb)
    assert e.value.code == "no_header"


def test_empty_workbook():
    with pytest.raises(SheetFileError, match="空的"):
        load(Workbook())


def test_wps_et_file_asks_for_xlsx():
    with pytest.raises(SheetFileError, match="另存为"):
        workbook_load(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", file_name="台账.et", aliases=NO_DB)


# Other formats ------------------------------------------------------------------------


DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """ledger_book() as .xls/.ods: the committed copies (made by LibreOffice), else fresh ones."""
    if all((DATA / f"ledger.{fmt}").exists() for fmt in ("xls", "ods")):
        return {fmt: DATA / f"ledger.{fmt}" for fmt in ("xls", "ods")}
    out = tmp_path_factory.mktemp("converted")
    src = save(ledger_book(), out / "ledger.xlsx")
    return {fmt: convert(src, fmt, out) for fmt in ("xls", "ods")}


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_xls_and_ods_read_like_xlsx(converted, fmt):
    # given the typical sheet saved by LibreOffice as .xls / .ods
    path = converted[fmt]
    # when
    book = workbook_load(path, aliases=NO_DB)
    # then
    table = book.tables[0]
    assert book.raw.kind == fmt
    assert table.header.depth == 2
    assert table.columns["ytd_investment"].header == "2024年度/1-3月完成投资"
    assert [r.values["ytd_investment"] for r in table.rows] == [
        Decimal("8200.5"),
        Decimal("1500"),
        Decimal("1200.25"),
    ]
    assert table.rows[0].values["planned_start"].first == date(2024, 3, 1)


def test_repeated_values_read_once_still_give_every_row_its_value_and_its_error():
    # given rows repeating a bad amount, a mangled date, a 是/否 and a long text
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年重点项目台账"])
    ws.append(["序号", "项目名称", "责任单位", "总投资", "是否开工", "计划开工时间", "形象进度"])
    long_text = "  主体结构施工完成百分之八十，正在进行二次结构和机电安装  "
    for n in range(1, 4):
        ws.append([n, f"项目{n}", "区发改局", "一百万", "是", 2024.1, long_text])
    ws.append([4, "项目4", "区发改局", "1,000", "否", 2024.1, "—"])
    ws.append([5, "项目5", "区发改局", 10, "否", "–", "—"])  # a dash in a date column: no date
    # when
    (table,) = load(wb).tables
    # then: each row has its own error, warning and values
    errors = [(i.row, i.column) for i in table.issues if i.level == "error"]
    assert errors == [(3, 3), (4, 3), (5, 3)]
    mangled = [i.row for i in table.issues if "Excel可能已把" in i.reason]
    assert mangled == [3, 4, 5, 6]
    assert [r.values.get("total_investment") for r in table.rows] == [
        None,
        None,
        None,
        Decimal(1000),
        Decimal(10),
    ]
    assert [r.values["started"] for r in table.rows] == [True, True, True, False, False]
    assert [r.values["progress"] for r in table.rows] == [long_text.strip()] * 3 + ["", ""]
    assert table.rows[4].values["planned_start"] is None
    assert table.rows[0].values["planned_start"] is table.rows[1].values["planned_start"]
    assert table.rows[3].cell("total_investment") == (3, "1,000")
    assert table.rows[3].cell("nonsense") == (None, "")


def test_a_zip_needing_an_unknown_version_is_a_damaged_file_not_a_crash():
    # given an .xlsx whose central directory asks for zip version 6.4 (found by the fuzz test)
    content = bytearray(to_bytes(ledger_book()))
    at = content.index(b"PK\x01\x02")
    content[at + 6 : at + 8] = (64).to_bytes(2, "little")
    # when / then
    with pytest.raises(SheetFileError):
        workbook_load(bytes(content), file_name="t.xlsx", aliases=NO_DB)

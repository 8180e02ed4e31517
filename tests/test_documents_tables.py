"""Tables in GB/T 9704 documents: each column as wide as its longest cell needs, in the largest
of 四号, 小四 and 五号 at which the columns fit, so that a figure never wraps in its cell."""

from __future__ import annotations

from io import BytesIO

import pytest
from docx import Document
from docx.shared import Mm, Pt

from duban.documents.gbt9704 import (
    CELL_MARGINS_MM,
    TYPE_WIDTH_MM,
    OfficialDocument,
    table_layout,
    text_width,
)

HEADER = ["排名", "牵头单位", "项目数", "年度计划投资", "累计完成投资", "投资完成率", "本月亮牌"]
ROW = ["10", "示例区城市建设投资集团有限公司", "12个", "1500万元", "1495.4万元", "118.8%", "绿牌"]


def _mm(length: int) -> float:
    return length / Mm(1)


def _needed_mm(text: str, size: Pt) -> float:
    return text_width(text) * size.pt / 2 * 25.4 / 72 + CELL_MARGINS_MM


def test_a_chinese_character_counts_two_half_widths_and_a_digit_a_little_more_than_one():
    assert text_width("示例") == pytest.approx(4)
    assert 1 < text_width("1") < 2
    assert text_width("118.8%") < text_width("示例区城")


def test_a_narrow_table_keeps_si_hao_and_fills_the_type_area():
    size, widths = table_layout(["行业", "项目数"], [["产业", "14个"], ["基础设施", "9个"]])
    assert size == Pt(14)
    assert abs(sum(_mm(w) for w in widths) - TYPE_WIDTH_MM) < 0.01
    # the space left is shared in proportion: the wider column stays the wider
    assert widths[0] > widths[1]


def test_a_wide_table_gets_a_smaller_size_and_wraps_only_its_widest_column():
    size, widths = table_layout(HEADER, [ROW] * 3)
    assert size < Pt(14)
    assert abs(sum(_mm(w) for w in widths) - TYPE_WIDTH_MM) < 0.01
    # every figure column is at least as wide as its longest cell needs, on one line
    for i in (0, 2, 3, 4, 5, 6):
        assert _mm(widths[i]) >= _needed_mm(ROW[i], size) - 0.01, HEADER[i]
    # the long name is the one narrowed below what it needs
    assert _mm(widths[1]) < _needed_mm(ROW[1], size)


def test_a_long_heading_may_wrap_onto_two_lines_but_a_short_one_stays_whole():
    size, widths = table_layout(["排名", "累计完成投资金额合计"], [["1", "2"]])
    short, long = _needed_mm("排名", size), _needed_mm("累计完成投资金额合计", size)
    half = _needed_mm("累计完成投资", size)
    # the leftover space is shared in proportion to the needs: the long heading counts about
    # half its width (two lines), the short one all of it
    assert _mm(widths[1]) / _mm(widths[0]) < half / short
    assert _mm(widths[1]) / _mm(widths[0]) < long / short


def test_the_word_table_carries_the_layouts_widths_and_size():
    doc = OfficialDocument()
    doc.table(HEADER, [ROW, [None, "教育局", "1个", "", "", "", ""]])
    table = Document(BytesIO(doc.to_bytes())).tables[0]
    size, widths = table_layout(HEADER, [ROW, ["", "教育局", "1个", "", "", "", ""]])
    grid = table._tbl.tblGrid.gridCol_lst
    twip = 635  # Word keeps widths in twips
    assert all(abs(c.w - w) <= twip for c, w in zip(grid, widths, strict=True))
    assert table.autofit is False
    for row in table.rows:
        assert all(abs(c.width - w) <= twip for c, w in zip(row.cells, widths, strict=True))
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                assert run.font.size == size
    assert [c.text for c in table.rows[1].cells] == ROW
    assert table.rows[2].cells[0].text == ""

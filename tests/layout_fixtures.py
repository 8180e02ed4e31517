"""Real files' layouts as grids, written in code as .xlsx, .ods, HTML-as-.xls (and .xls).

A layout is rows of values plus merged ranges ((r0, c0), (r1, c1), 0-based). `write(layout,
fmt, tmp_path)` gives the file's bytes and name: .xlsx by openpyxl, .ods as a minimal
OpenDocument zip, "html.xls" as the HTML table that government systems export under an .xls
name, and .xls (BIFF8, what older Excel and WPS save) by xlwt, pure Python: no LibreOffice is
needed, so every format runs everywhere.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from html import escape
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import xlwt  # type: ignore[import-untyped]
from openpyxl import Workbook

FORMATS = ["xlsx", "ods", "html.xls", "xls"]
Merged = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class Layout:
    rows: list[list[Any]]
    merged: list[Merged] = field(default_factory=list)
    sheet: str = "Sheet1"


def write(layout: Layout, fmt: str, tmp_path: Path) -> tuple[bytes, str]:
    if fmt == "xlsx":
        return _xlsx(layout), "台账.xlsx"
    if fmt == "ods":
        return _ods(layout), "台账.ods"
    if fmt == "html.xls":
        return _html(layout).encode("gb18030"), "台账.xls"
    return _xls(layout), "台账.xls"


def _xls(layout: Layout) -> bytes:
    """The layout as a BIFF8 .xls: values in the top-left cell of each merged range."""
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(layout.sheet)
    starts, covered = _spans(layout)
    for r, row in enumerate(layout.rows):
        for c, value in enumerate(row):
            if (r, c) in covered or (r, c) in starts or value in (None, ""):
                continue
            ws.write(r, c, value)
    for (r0, c0), (r1, c1) in layout.merged:
        value = layout.rows[r0][c0] if c0 < len(layout.rows[r0]) else None
        ws.write_merge(r0, r1, c0, c1, "" if value is None else value)
    buf = BytesIO()
    book.save(buf)
    return buf.getvalue()


def _xlsx(layout: Layout) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = layout.sheet
    for row in layout.rows:
        ws.append(list(row))
    for (r0, c0), (r1, c1) in layout.merged:
        ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _spans(layout: Layout) -> tuple[dict[tuple[int, int], tuple[int, int]], set[tuple[int, int]]]:
    starts, covered = {}, set()
    for (r0, c0), (r1, c1) in layout.merged:
        starts[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
    return starts, covered


def _html(layout: Layout) -> str:
    starts, covered = _spans(layout)
    out = [
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "</head><body><table border=1>"
    ]
    for r, row in enumerate(layout.rows):
        out.append("<tr>")
        for c, value in enumerate(row):
            if (r, c) in covered:
                continue
            rows, cols = starts.get((r, c), (1, 1))
            span = (f' rowspan="{rows}"' if rows > 1 else "") + (
                f' colspan="{cols}"' if cols > 1 else ""
            )
            text = "" if value is None else escape(str(value))
            out.append(f"<td{span}>{text}</td>")
        out.append("</tr>\n")
    out.append("</table></body></html>")
    return "".join(out)


_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""


def _ods(layout: Layout) -> bytes:
    starts, covered = _spans(layout)
    cells = []
    for r, row in enumerate(layout.rows):
        cells.append("<table:table-row>")
        for c, value in enumerate(row):
            if (r, c) in covered:
                cells.append("<table:covered-table-cell/>")
                continue
            rows, cols = starts.get((r, c), (1, 1))
            span = (f' table:number-rows-spanned="{rows}"' if rows > 1 else "") + (
                f' table:number-columns-spanned="{cols}"' if cols > 1 else ""
            )
            if isinstance(value, int | float) and not isinstance(value, bool):
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{value}"{span}>'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
            elif value in (None, ""):
                cells.append(f"<table:table-cell{span}/>")
            else:
                cells.append(
                    f'<table:table-cell office:value-type="string"{span}>'
                    f"<text:p>{xml_escape(str(value))}</text:p></table:table-cell>"
                )
        cells.append("</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{xml_escape(layout.sheet)}">'
        + "".join(cells)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


# The layouts -----------------------------------------------------------------------------

HEADER = ["序号", "项目名称", "责任单位", "总投资", "年度计划投资", "1-3月完成投资", "形象进度"]


def grouped() -> Layout:
    """Group labels in 序号 (with the group's count in another column) and spanning columns,
    a 小计 with a count, a notes row between the title and the header."""
    rows: list[list[Any]] = [
        ["2024年示例区重点项目推进情况表（截至3月底）", "", "", "", "", "", ""],
        ["注：本表由各责任单位填报，金额单位为万元", "", "", "", "", "", ""],
        HEADER,
        ["在建一批", "", "", 2, "", "", ""],
        [1, "示例甲厂房", "区发改局", 5000, 1000, 300, "主体施工"],
        [2, "示例乙道路", "区住建局", 8000, 2000, 500, "路基施工"],
        ["小计", "", "", 2, "", "", ""],
        ["一 农林水利", "", "", "", "", "", ""],
        [3, "示例丙水库", "区住建局", 3000, 600, 100, "前期"],
    ]
    return Layout(rows, merged=[((0, 0), (0, 6)), ((1, 0), (1, 6)), ((7, 0), (7, 1))])


def stacked() -> Layout:
    """Two tables on one sheet: projects, then a reserve list with its own title and header."""
    rows: list[list[Any]] = [
        ["2024年示例区重点项目台账", "", "", "", "", "", ""],
        HEADER,
        [1, "示例甲厂房", "区发改局", 5000, 1000, 300, "主体施工"],
        [2, "示例乙道路", "区住建局", 8000, 2000, 500, "路基施工"],
        ["", "", "", "", "", "", ""],
        ["2024年示例区储备项目清单", "", "", "", "", "", ""],
        ["单位：亿元", "", "", "", "", "", ""],
        ["序号", "项目名称", "责任单位", "总投资", "", "", ""],
        [1, "示例储备丁", "区发改局", 1.5, "", "", ""],
    ]
    return Layout(rows)


def cumulative(*, total: Any = 5000) -> Layout:
    """累计完成投资 without a month (since the start), 项目类别 holding the industry."""
    rows: list[list[Any]] = [
        ["2024年示例区重点项目台账", "", "", "", "", ""],
        ["序号", "项目名称", "责任单位", "总投资", "累计完成投资", "项目类别"],
        [1, "示例甲厂房", "区发改局", total, 1800, "产业项目"],
        [2, "示例乙道路", "区住建局", 8000, 900, "基础设施"],
        [3, "示例丙学校", "区住建局", 6000, 100, "社会民生"],
    ]
    return Layout(rows)


def reserve_without_units() -> Layout:
    rows: list[list[Any]] = [
        ["2024年示例区谋划储备项目清单", "", "", ""],
        ["序号", "项目名称", "计划总投资", "建设内容"],
        [1, "示例储备甲", 12000, "新建厂房"],
        [2, "示例储备乙", 3000, "道路"],
    ]
    return Layout(rows)


PROBLEM_HEADER = [
    "序号",
    "问题描述",
    "所属项目",
    "责任单位",
    "配合单位",
    "问题类别",
    "提出时间",
    "办理时限",
    "办理进展",
    "是否解决",
    "销号时间",
    "协调层级",
]


def problem_list(rows: list[list[Any]]) -> Layout:
    """A 问题清单: title, header, one row per problem (PROBLEM_HEADER's columns)."""
    title = ["2024年示例区重点项目问题清单", *[""] * (len(PROBLEM_HEADER) - 1)]
    return Layout([title, PROBLEM_HEADER, *rows], merged=[((0, 0), (0, len(PROBLEM_HEADER) - 1))])


def monthly_plan(*, quarters: bool = False, plans: list[list[Any]] | None = None) -> Layout:
    """A plan sheet: 年度计划投资, then 1月…12月 (or 一季度…四季度) under 计划 and 1月…3月 under
    完成, in a two-row merged header."""
    periods = (
        ["一季度", "二季度", "三季度", "四季度"] if quarters else [f"{m}月" for m in range(1, 13)]
    )
    done = ["1月", "2月", "3月"]
    top = [
        "序号",
        "项目名称",
        "责任单位",
        "年度计划投资",
        "2024年月度计划",
        *[""] * (len(periods) - 1),
    ]
    top += ["完成投资", "", ""]
    sub = ["", "", "", "", *periods, *done]
    default_plans = [
        [1, "示例甲厂房", "区发改局", 1200, *([300] * 4 if quarters else [100] * 12), 90, 110, 100],
        [2, "示例乙道路", "区住建局", 2400, *([600] * 4 if quarters else [200] * 12), 150, 0, 250],
    ]
    rows = [["2024年示例区重点项目月度计划（截至3月底）", *[""] * (len(sub) - 1)], top, sub]
    rows += plans if plans is not None else default_plans
    width = len(sub)
    merged = [((0, 0), (0, width - 1))]
    merged += [((1, c), (2, c)) for c in range(4)]
    merged += [((1, 4), (1, 3 + len(periods))), ((1, 4 + len(periods)), (1, width - 1))]
    return Layout(rows, merged=merged)

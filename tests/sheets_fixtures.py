"""Office ledgers generated in code (openpyxl), laid out as CONVENTIONS §1 describes.

`ledger_book()` gives the typical sheet; keyword arguments switch on the variations that real
files carry. `convert()` turns a fixture into .xls or .ods through LibreOffice when present.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

# ../shared/samples beside the checkout; DUBAN_TEST_SAMPLES names it for a checkout elsewhere.
SAMPLES = Path(
    os.environ.get("DUBAN_TEST_SAMPLES")
    or Path(__file__).resolve().parents[2] / "shared" / "samples"
)
SAMPLE = SAMPLES / "ledger-2024-example.xlsx"

# (序号, 项目代码, 项目名称, 责任单位, 总投资, 计划投资, 1-3月完成投资, 是否开工, 计划开工时间, 形象进度)
ROWS: list[tuple[Any, ...]] = [
    (
        1,
        "2024-230103-78-01-000101",
        "智能制造产业园",
        "区发改局",
        125000,
        30000,
        8200.5,
        "是",
        "2024年3月",
        "主体结构完成60%",
    ),
    (
        2,
        "2024-230103-78-01-000102",
        "冷链物流园",
        "区商务局",
        50000,
        12000,
        1500,
        "否",
        "2024.06",
        "前期手续办理中",
    ),
    (3, "", "老旧小区改造", "新华街道", 8000, 3000, "1,200.25", "√", "2024/3/5", "—"),
]


def sample_path() -> Path:
    if not SAMPLE.exists():
        pytest.skip("../shared/samples/ledger-2024-example.xlsx is not present")
    return SAMPLE


def write_ledger(
    ws: Worksheet,
    rows: Sequence[Sequence[Any]] = ROWS,
    *,
    title: str = "2024年XX区重点项目推进情况台账（截至3月底）",
    unit_text: str = "单位：万元",
    total: str = "values",  # values | formulas | wrong | none
    total_first: bool = True,
    group: str | None = "一、",
    footer: bool = True,
    money_header: str = "总投资",
    plan_header: str = "计划投资",
    ytd_header: str = "1-3月完成投资",
) -> Worksheet:
    """The typical sheet: title, unit row, a two-row merged header, 合计, a group, footer."""
    ws.append([title])
    ws.merge_cells("A1:J1")
    ws.append(["填报单位：XX区发改局", "", "", "", "", "", "", "", "", unit_text])
    ws.append(
        [
            "序号",
            "项目代码",
            "项目名称",
            "责任\n单位",
            money_header,
            "2024年度",
            "",
            "是否开工",
            "计划开工时间",
            "形象进度",
        ]
    )
    ws.append(["", "", "", "", "", plan_header, ytd_header, "", "", ""])
    for col in "ABCDEHIJ":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("F3:G3")
    first_data = (
        6 + (1 if group else 0) if total_first and total != "none" else 5 + (1 if group else 0)
    )
    last_data = first_data + len(rows) - 1
    total_row = _total_row(rows, total, first_data, last_data)
    if total_first and total_row:
        ws.append(total_row)
    if group:
        ws.append([group, "", "产业项目（3个）"])
    for row in rows:
        ws.append(list(row))
    if not total_first and total_row:
        ws.append(total_row)
    if footer:
        ws.append([])
        ws.append(["填表人：张三        审核人：李四        联系电话：12345678"])
    return ws


def _total_row(
    rows: Sequence[Sequence[Any]], total: str, first: int, last: int
) -> list[Any] | None:
    if total == "none":
        return None
    if total == "formulas":
        return [
            "",
            "",
            "合计",
            "",
            f"=SUM(E{first}:E{last})",
            f"=SUM(F{first}:F{last})",
            f"=SUM(G{first}:G{last})",
        ]
    sums = []
    for i in (4, 5, 6):
        s = 0.0
        for row in rows:
            v = row[i]
            s += float(str(v).replace(",", "")) if v not in ("", None, "—") else 0
        sums.append(s + (1000 if total == "wrong" and i == 4 else 0))
    return ["", "", "合计", "", *sums]


def ledger_book(**kwargs: Any) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = kwargs.pop("sheet_title", "2024年重点项目")
    write_ledger(ws, **kwargs)
    return wb


def to_bytes(wb: Workbook) -> bytes:
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def save(wb: Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def convert(src: Path, fmt: str, out_dir: Path) -> Path:
    """Convert with LibreOffice (skips the test when it can't)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed: .xls/.ods fixtures can't be made")
    profile = out_dir / "lo-profile"
    subprocess.run(  # noqa: S603
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(out_dir),
            str(src),
        ],
        check=False,
        capture_output=True,
        timeout=120,
    )
    out = out_dir / (src.stem + "." + fmt)
    if not out.exists():
        pytest.skip(f"LibreOffice could not convert to .{fmt} (is libreoffice-calc installed?)")
    return out

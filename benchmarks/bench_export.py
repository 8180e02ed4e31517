"""The office's Excel exports on the province-sized data set: the year's ledger (导出台账, every
item in the office layout: title, unit row, merged two-row header, groups, borders) and the
problem list (问题清单 导出Excel, through its page as the office downloads it), each beside a
lower bound measured in the same run: the same cells' values written by openpyxl's write-only
workbook, without styles, merges or the database (the values are read back from the export
first, not timed).

    .venv/bin/python benchmarks/bench_export.py [--units 2000 --items 20000 --problems 60000]
                                                [--repeat 3] [--reuse FILE.sqlite3]

Builds the data set (`duban demo --scale province`) in a throw-away database, or, with
`--reuse FILE`, starts from a copy of a SQLite copy of it (saved there when FILE does not
exist; FILE itself is never written to afterwards). No aim is set by an issue: the figures say
what an office waits for, and where the time goes beyond writing the cells.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import province_arguments, reuse_save, reuse_start  # noqa: E402
from benchmarks.bench_progress import _best, _setup  # noqa: E402


def _cells(content: bytes) -> list[list[list[Any]]]:
    """Every sheet's values, row by row, read back from a workbook."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return [[list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets]


def _plain(sheets: list[list[list[Any]]]) -> Callable[[], int]:
    """The lower bound: the same values written by a write-only workbook."""
    from openpyxl import Workbook

    def write() -> int:
        book = Workbook(write_only=True)
        for rows in sheets:
            ws = book.create_sheet()
            for row in rows:
                ws.append(row)
        out = io.BytesIO()
        book.save(out)
        return len(out.getvalue())

    return write


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    province_arguments(parser)
    parser.add_argument("--reuse", type=Path, help="a SQLite copy of the data set (see above)")
    args = parser.parse_args()
    args.postgres = None
    _setup(args)
    reuse_start(args.reuse)

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from benchmarks import migrate
    from duban.demo.province import MARKER, ProvinceSize, build_province
    from duban.ledger.models import WorkItem
    from duban.org.models import User
    from duban.transfer.exports import ledger_export

    migrate()
    built = build_province(
        size=ProvinceSize(units=args.units, items=args.items, problems=args.problems)
    )
    print(f"database: {connection.vendor}; data set built in {built.seconds:.1f} s: {built.counts}")
    reuse_save(args.reuse)
    year = WorkItem.objects.order_by("-year").values_list("year", flat=True).first()
    settings.ALLOWED_HOSTS = ["*"]
    office = Client()
    office.force_login(User.objects.get(username=MARKER))

    def problems() -> bytes:
        response = office.get(f"/problems/?format=xlsx&year={year}")
        assert response.status_code == 200, response.status_code
        return response.content

    rows = []
    for label, export in (
        (f"the {year} ledger (导出台账), every item", lambda: ledger_export(year=year)),
        (f"the {year} problem list (问题清单 导出Excel), as downloaded", problems),
    ):
        took, content = _best(export, args.repeat)
        sheets = _cells(content)
        bound, _size = _best(_plain(sheets), args.repeat)
        cells = sum(len(row) for rows_ in sheets for row in rows_)
        rows.append((label, took, bound, len(content), sum(len(s) for s in sheets), cells))

    print()
    print(
        f"| measured (sqlite, best of {args.repeat}) | seconds | lower bound s | × bound | "
        "KB | rows | cells |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, took, bound, size, n_rows, cells in rows:
        print(
            f"| {label} | {took:.2f} | {bound:.2f} | {took / bound:.1f} | {size // 1024:,} | "
            f"{n_rows:,} | {cells:,} |"
        )
    print()
    print("lower bound: the same cells' values written by openpyxl's write-only workbook (no")
    print("styles, merges or database), measured in the same run")
    return 0


if __name__ == "__main__":
    sys.exit(main())

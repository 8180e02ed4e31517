"""The monthly report (月报) for a province-sized ledger generated end to end: the figures of
its template, the HTML page and the Word document, beside a lower bound measured in the same
run: the figures' SQL aggregates alone (counts by kind and level, planned investment, 本年累计,
starts, problems), without rows, text or documents.

    .venv/bin/python benchmarks/bench_bulletin.py [--units 2000 --items 20000 --problems 60000]
                                                  [--repeat 3] [--postgres URL]
                                                  [--reuse FILE.sqlite3]

Builds the data set (`duban demo --scale province`: 12 months of reports, no month closed, so
every figure is computed, not read from a snapshot) in a throw-away database. With `--reuse
FILE`, a SQLite copy of the data set: when FILE exists the run starts from a copy of it (no
build; FILE itself is never written to), otherwise the data set built is copied to FILE; the
run's working copy is deleted at the end. Aim (issue 11):
within 3× the lower bound and under 10 s; the catalogue in a fixed number of queries.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_progress import _setup  # noqa: E402

if TYPE_CHECKING:
    from django.db.models import QuerySet

# {scan} is "+" on SQLite in a second form of each query: the column is then not looked up in
# its index (a year's rows are most of a table, and SQLite's planner takes the index whatever
# the share); the bound keeps each query's faster form, so that it stays a lower bound.
AGGREGATES = (
    "SELECT kind, level, COUNT(*), SUM(annual_plan) FROM ledger_workitem WHERE {scan}year = "
    "{year} GROUP BY kind, level",
    "SELECT SUM(investment_month) FROM reporting_monthlyreport WHERE {scan}year = {year} "
    "AND month <= {month} AND state IN ('submitted', 'accepted')",
    "SELECT COUNT(*), SUM(CASE WHEN actual_start IS NOT NULL THEN 1 ELSE 0 END) "
    "FROM ledger_workitem WHERE {scan}year = {year} AND planned_start BETWEEN '{start}' "
    "AND '{end}'",
    "SELECT COUNT(*), SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN source = 'demand' THEN 1 ELSE 0 END) FROM problems_problem "
    "WHERE {scan}reported_on BETWEEN '{start}' AND '{end}' "
    "AND state NOT IN ('rejected', 'merged')",
)


def _best(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """The best wall-clock and the best CPU seconds of `repeat` runs, and the last result.
    On a machine others load, the CPU seconds (SQLite runs in this process) move less."""
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu, result


# At most this many queries for the whole catalogue, whatever the data (the same ceiling as
# tests/test_bulletin_figures.py; tests/test_bulletin_more.py holds each figure's own count
# fixed as the data grows).
CATALOGUE_QUERIES = 45


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--problems", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is made on it)")
    parser.add_argument(
        "--reuse",
        type=Path,
        help="a SQLite copy of the data set: start from it when it exists, else save one there",
    )
    args = parser.parse_args()
    if args.reuse and args.postgres:
        parser.error("--reuse is for SQLite only")
    _setup(args)
    data_dir = Path(os.environ["DUBAN_DATA_DIR"])
    sqlite_file = data_dir / "duban.sqlite3"
    if args.reuse:
        # The working copy is thrown away (a province's database is ~280 MB a run).
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
        if args.reuse.is_file():
            shutil.copyfile(args.reuse, sqlite_file)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks import migrate
    from duban.bulletins import figures
    from duban.bulletins.catalogue import FigureQuery, compute_many, figure_keys
    from duban.bulletins.models import Kind
    from duban.bulletins.output import to_docx, to_html
    from duban.bulletins.services import bulletin_generate
    from duban.core.periods import Period
    from duban.demo.province import MARKER, ProvinceSize, build_province
    from duban.ledger.models import WorkItem
    from duban.org.models import User
    from duban.reporting.selectors.progress import progress_for_items

    migrate()
    built = build_province(
        size=ProvinceSize(units=args.units, items=args.items, problems=args.problems)
    )
    office = User.objects.get(username=MARKER)
    year = WorkItem.objects.order_by("-year").values_list("year", flat=True).first()
    assert year is not None
    print(f"database: {connection.vendor}; data set built in {built.seconds:.1f} s: {built.counts}")
    if args.reuse and not args.reuse.is_file():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(sqlite_file, args.reuse)
        print(f"data set saved to {args.reuse} (reuse it: --reuse {args.reuse})")

    scans = ("", "+") if connection.vendor == "sqlite" else ("",)

    def aggregate(sql: str, scan: str) -> Callable[[], object]:
        text = sql.format(
            year=year, month=12, start=f"{year}-01-01", end=f"{year}-12-31", scan=scan
        )

        def run() -> object:
            with connection.cursor() as cursor:
                cursor.execute(text)
                return cursor.fetchall()

        return run

    def generate() -> tuple[int, int, int]:
        b = bulletin_generate(kind=Kind.MONTHLY, year=year, month=12, by=office)
        return len(to_html(b)), len(to_docx(b)), len(b.figures)

    def progress_core() -> int:
        return len(progress_for_items(WorkItem.objects.filter(year=year), Period(year, 12)))

    bound = bound_cpu = 0.0
    for sql in AGGREGATES:
        forms = [_best(aggregate(sql, scan), args.repeat) for scan in scans]
        bound += min(w for w, _c, _r in forms)
        bound_cpu += min(c for _w, c, _r in forms)
    took, took_cpu, sizes = _best(generate, args.repeat)
    core, core_cpu, _ = _best(progress_core, args.repeat)

    # The rest without the progress core: the same generation, the core's answer for the
    # 口径 made beforehand (what reading stored progress would cost next to nothing).
    answers: dict[tuple[str, Period], Any] = {}

    def given(items: QuerySet[WorkItem], period: Period) -> Any:
        key = (str(items.query), period)
        if key not in answers:
            answers[key] = progress_for_items(items, period)
        return answers[key]

    figures.progress_for_items = given  # type: ignore[assignment]
    try:
        generate()
        rest, rest_cpu, _ = _best(generate, args.repeat)
    finally:
        figures.progress_for_items = progress_for_items

    with CaptureQueriesContext(connection) as ctx:
        compute_many(None, FigureQuery(year, 12))
    n = len(figure_keys())
    assert len(ctx.captured_queries) <= CATALOGUE_QUERIES, len(ctx.captured_queries)

    print()
    print(
        f"| measured ({connection.vendor}, best of {args.repeat}, load average "
        f"{os.getloadavg()[0]:.1f}) | seconds | lower bound s | × bound | CPU s | "
        "bound CPU s | × bound (CPU) |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, wall, cpu, with_bound in (
        (
            "monthly report end to end (figures, tables with charts, HTML, Word)",
            took,
            took_cpu,
            True,
        ),
        (
            "of which the progress core (every item's figures and light, open month)",
            core,
            core_cpu,
            False,
        ),
        ("the same without the progress core (its answer given)", rest, rest_cpu, True),
    ):
        if with_bound:
            print(
                f"| {label} | {wall:.2f} | {bound:.2f} | {wall / bound:.1f} | {cpu:.2f} | "
                f"{bound_cpu:.2f} | {cpu / bound_cpu:.1f} |"
            )
        else:
            print(f"| {label} | {wall:.2f} | | | {cpu:.2f} | | |")
    print()
    print(f"documents: HTML {sizes[0]:,} bytes, Word {sizes[1]:,} bytes")  # type: ignore[index]
    print(f"figures stored with the bulletin: {sizes[2]:,}")  # type: ignore[index]
    print(f"queries: every figure of the catalogue ({n} figures): {len(ctx.captured_queries)}")
    with CaptureQueriesContext(connection) as gen_queries:
        generate()
    print(f"queries: the monthly report end to end: {len(gen_queries.captured_queries)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The monthly report (月报) for a province-sized ledger generated end to end: the figures of
its template, the HTML page and the Word document, beside a lower bound measured in the same
run: the figures' SQL aggregates alone (counts by kind and level, planned investment, 本年累计,
starts, problems), without rows, text or documents.

    .venv/bin/python benchmarks/bench_bulletin.py [--units 2000 --items 20000 --problems 60000]
                                                  [--repeat 3] [--postgres URL]

Builds the data set (`duban demo --scale province`: 12 months of reports, no month closed, so
every figure is computed, not read from a snapshot) in a throw-away database. Aim (issue 11):
within 3× the lower bound and under 10 s; the catalogue in a fixed number of queries.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_progress import _best, _setup  # noqa: E402

AGGREGATES = (
    "SELECT kind, level, COUNT(*), SUM(annual_plan) FROM ledger_workitem WHERE year = {year} "
    "GROUP BY kind, level",
    "SELECT SUM(investment_month) FROM reporting_monthlyreport WHERE year = {year} "
    "AND month <= {month} AND state IN ('submitted', 'accepted')",
    "SELECT COUNT(*), SUM(CASE WHEN actual_start IS NOT NULL THEN 1 ELSE 0 END) "
    "FROM ledger_workitem WHERE year = {year} AND planned_start BETWEEN '{start}' AND '{end}'",
    "SELECT COUNT(*), SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN source = 'demand' THEN 1 ELSE 0 END) FROM problems_problem "
    "WHERE reported_on BETWEEN '{start}' AND '{end}' AND state NOT IN ('rejected', 'merged')",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--problems", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is made on it)")
    args = parser.parse_args()
    _setup(args)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks import migrate
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

    def aggregates() -> list[object]:
        out = []
        with connection.cursor() as cursor:
            for sql in AGGREGATES:
                cursor.execute(
                    sql.format(year=year, month=12, start=f"{year}-01-01", end=f"{year}-12-31")
                )
                out.append(cursor.fetchall())
        return out

    def generate() -> tuple[int, int, int]:
        b = bulletin_generate(kind=Kind.MONTHLY, year=year, month=12, by=office)
        return len(to_html(b)), len(to_docx(b)), len(b.figures)

    def progress_core() -> int:
        return len(progress_for_items(WorkItem.objects.filter(year=year), Period(year, 12)))

    bound, _ = _best(aggregates, args.repeat)
    took, sizes = _best(generate, args.repeat)
    core, _ = _best(progress_core, args.repeat)
    with CaptureQueriesContext(connection) as ctx:
        compute_many(None, FigureQuery(year, 12))
    n = len(figure_keys())

    print()
    print(
        f"| measured ({connection.vendor}, best of {args.repeat}) | seconds | lower bound s | × bound |"
    )
    print("|---|---|---|---|")
    print(
        f"| monthly report end to end (figures, HTML, Word) | {took:.2f} | {bound:.2f} | "
        f"{took / bound:.1f} |"
    )
    print(
        f"| of which the progress core (every item's figures and light, open month) | "
        f"{core:.2f} | | |"
    )
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

"""The progress core on the province-sized data set: lights and figures of every item for one
month, the month close with its snapshot, and the first page of the ledger list and of
`/api/v1/work-items?light=red`; each beside a lower bound measured in the same run.

    .venv/bin/python benchmarks/bench_progress.py [--units 2000 --items 20000 --problems 60000]
                                                  [--repeat 3] [--postgres URL]

Builds the data set (`duban demo --scale province`) in a throw-away SQLite database under a
temporary DUBAN_DATA_DIR (or a throw-away PostgreSQL database with --postgres), then measures.
The lower bound is one hand-written SQL aggregate that produces the same figures (本年累计,
累计计划, 完成率, 序时, gap, overdue nodes, a light from them) for every item; for the close, the
same aggregate written into a table. Aim (issue 8): the close within 2× its lower bound and
under 10 s on SQLite; list pages in a fixed number of queries whatever the number of items.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import province_arguments  # noqa: E402

AGGREGATE = """
SELECT w.id, w.annual_plan, w.prior_cumulative, COALESCE(r.ytd, 0) AS ytd, p.cum_plan,
       COALESCE(r.ytd, 0) * 100.0 / NULLIF(w.annual_plan, 0) AS completion,
       CASE WHEN p.cum_plan IS NOT NULL AND w.annual_plan > 0
            THEN p.cum_plan * 100.0 / w.annual_plan ELSE {month} * 100.0 / 12 END AS progress,
       COALESCE(m.overdue, 0) AS overdue,
       CASE WHEN w.status = 'done' THEN 'green'
            WHEN COALESCE(m.overdue, 0) > 0 THEN 'red'
            WHEN w.annual_plan > 0 AND (CASE WHEN p.cum_plan IS NOT NULL
                 THEN p.cum_plan * 100.0 / w.annual_plan ELSE {month} * 100.0 / 12 END)
                 - COALESCE(r.ytd, 0) * 100.0 / w.annual_plan > 30 THEN 'red'
            WHEN w.annual_plan > 0 AND (CASE WHEN p.cum_plan IS NOT NULL
                 THEN p.cum_plan * 100.0 / w.annual_plan ELSE {month} * 100.0 / 12 END)
                 - COALESCE(r.ytd, 0) * 100.0 / w.annual_plan >= 10 THEN 'yellow'
            ELSE 'green' END AS light
FROM ledger_workitem w
LEFT JOIN (SELECT work_item_id, SUM(investment_month) AS ytd FROM reporting_monthlyreport
           WHERE year = {year} AND month <= {month} AND state IN ('submitted', 'accepted')
           GROUP BY work_item_id) r ON r.work_item_id = w.id
LEFT JOIN (SELECT work_item_id, SUM(amount) AS cum_plan FROM ledger_planmonth
           WHERE month <= {month} GROUP BY work_item_id) p ON p.work_item_id = w.id
LEFT JOIN (SELECT work_item_id, COUNT(*) AS overdue FROM ledger_milestone
           WHERE actual_date IS NULL AND planned_date < '{day}' GROUP BY work_item_id) m
       ON m.work_item_id = w.id
WHERE w.year = {year} AND w.status <> 'draft'
"""


def _best(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def _setup(args: argparse.Namespace, *, keep_sqlite: bool = False) -> None:
    """A throw-away data directory (and, with --postgres, a throw-away database), removed when
    the run ends; `keep_sqlite` keeps the SQLite directory for a later run to reuse."""
    data = Path(tempfile.mkdtemp(prefix="duban-bench-progress-"))
    os.environ["DUBAN_DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.config.settings")
    if args.postgres:
        parts = urlsplit(args.postgres)
        name = f"duban_bench_progress_{os.getpid()}"
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        atexit.register(_drop_database, args.postgres, name)
    else:
        os.environ.pop("DATABASE_URL", None)
    if not (keep_sqlite and not args.postgres):
        atexit.register(shutil.rmtree, data, ignore_errors=True)
    import django

    django.setup()


def _drop_database(server_url: str, name: str) -> None:
    """Drop the run's PostgreSQL database (its connections closed first)."""
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    province_arguments(parser)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is made on it)")
    parser.add_argument(
        "--data-dir",
        help="start from a copy of the SQLite province data set an earlier run built there "
        "(bench_homes.py prints it); the copy is closed month by month, the original is kept",
    )
    args = parser.parse_args()
    _setup(args)
    if args.data_dir:
        from django.db import connection as conn

        conn.close()
        shutil.copyfile(
            Path(args.data_dir) / "duban.sqlite3",
            Path(os.environ["DUBAN_DATA_DIR"]) / "duban.sqlite3",
        )

    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from benchmarks import migrate
    from duban.core import clock
    from duban.core.periods import Period
    from duban.demo.province import MARKER, ProvinceSize, build_province
    from duban.ledger.models import WorkItem
    from duban.ledger.services import work_item_update
    from duban.org.models import User
    from duban.org.services import api_token_create
    from duban.reporting.models import LiveProgressState
    from duban.reporting.selectors import (
        compute_progress,
        ids_with_light,
        progress_for_items,
    )
    from duban.reporting.selectors.live_progress import last_recomputed
    from duban.reporting.services import month_close

    migrate()
    engine = connection.vendor
    if args.data_dir:
        print(f"database: {engine}; a copy of the data set in {args.data_dir}")
    else:
        built = build_province(
            size=ProvinceSize(units=args.units, items=args.items, problems=args.problems)
        )
        print(f"database: {engine}; data set built in {built.seconds:.1f} s: {built.counts}")
    office = User.objects.get(username=MARKER)
    year = WorkItem.objects.order_by("-year").values_list("year", flat=True).first()
    items = WorkItem.objects.filter(year=year).exclude(status=WorkItem.Status.DRAFT)
    n_items = items.count()
    rows: list[tuple[str, float, float, str]] = []

    def aggregate(month: int):
        sql = AGGREGATE.format(year=year, month=month, day=clock.today().isoformat())
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def aggregate_into_table(month: int):
        sql = AGGREGATE.format(year=year, month=month, day=clock.today().isoformat())
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_snapshot")
            cursor.execute(f"CREATE TABLE bench_snapshot AS {sql}")

    # 1. lights and figures of every item for one month (December: twelve months to add up)
    december = Period(year, 12)
    bound, agg = _best(lambda: aggregate(12), args.repeat)
    took, progress = _best(lambda: compute_progress(items, december), args.repeat)
    assert len(agg) == len(progress) == n_items  # type: ignore[arg-type]
    rows.append((f"lights and figures, {n_items:,} items, one month", took, bound, "SQL aggregate"))

    # 1b. the same month read as the pages read it: the rows kept for an open month
    # (LiveProgress). A full refresh (a new day, a rule version: every item judged and stored),
    # a read with nothing changed, and a read after one write (one item judged again).
    def full_refresh():
        LiveProgressState.objects.filter(year=year, month=12).delete()
        return progress_for_items(items, december)

    took, kept = _best(full_refresh, args.repeat)
    assert kept == progress  # what is kept is what the core computes
    rows.append(("open month kept: a full refresh (judge and store all)", took, bound, "SQL"))
    with CaptureQueriesContext(connection) as ctx:
        progress_for_items(items, december)
    fresh_queries = len(ctx.captured_queries)
    took, _ = _best(lambda: progress_for_items(items, december), args.repeat)
    rows.append(("open month kept: read, nothing changed", took, bound, "SQL aggregate"))
    took, _ = _best(lambda: ids_with_light(items, december, ["red"]), args.repeat)
    rows.append(("open month kept: ids of the red items, nothing changed", took, bound, "SQL"))
    movable = list(items.order_by("pk")[: args.repeat * 2])
    after_write = []
    for n, item in enumerate(movable[: args.repeat]):
        item.refresh_from_db()
        work_item_update(
            item=item,
            version=item.version,
            data={"planned_finish": date(year + 1, 1, 1) + timedelta(days=n + 1)},
        )
        started = time.perf_counter()
        progress_for_items(items, december)
        after_write.append(time.perf_counter() - started)
        assert last_recomputed == [1]
    rows.append(("open month kept: read after one item edited", min(after_write), bound, "SQL"))
    movable[-1].refresh_from_db()
    work_item_update(
        item=movable[-1], version=movable[-1].version, data={"planned_finish": date(year + 1, 3, 1)}
    )
    with CaptureQueriesContext(connection) as ctx:
        progress_for_items(items, december)
    refresh_queries = len(ctx.captured_queries)

    # 2. the month close with its snapshot: months 1…repeat, each a full close
    bound, _ = _best(lambda: aggregate_into_table(12), args.repeat)
    closes = []
    for month in range(1, args.repeat + 1):
        started = time.perf_counter()
        month_close(period=Period(year, month), by=office)
        closes.append(time.perf_counter() - started)
    rows.append(("month close with snapshot", min(closes), bound, "the aggregate into a table"))
    frozen, _ = _best(lambda: progress_for_items(items, Period(year, 1)), args.repeat)
    rows.append(("read a closed month back (all items)", frozen, bound, "SQL aggregate"))

    # 3. list pages: the first page, as the office
    client = Client()
    client.force_login(office)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=office)}")
    pages = [
        ("ledger list page, first page", lambda: client.get(f"/ledger/?year={year}")),
        (
            "ledger list page filtered by light (red)",
            lambda: client.get(f"/ledger/?year={year}&light=red"),
        ),
        (
            "/api/v1/work-items?light=red, first page",
            lambda: api.get(f"/api/v1/work-items?year={year}&period={year}-12&light=red"),
        ),
        (
            "/api/v1/work-items, first page",
            lambda: api.get(f"/api/v1/work-items?year={year}&period={year}-12"),
        ),
    ]
    queries = {}
    for label, call in pages:
        response = call()
        assert response.status_code == 200, (label, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            call()
        queries[label] = len(ctx.captured_queries)
        took, _ = _best(call, args.repeat)
        rows.append((label, took, bound, "SQL aggregate"))

    print()
    print(f"| measured ({engine}, best of {args.repeat}) | seconds | lower bound s | × bound |")
    print("|---|---|---|---|")
    for label, took, low, _what in rows:
        print(f"| {label} | {took:.2f} | {low:.2f} | {took / low:.1f} |")
    print()
    print("lower bound: one SQL aggregate of the same figures for every item (for the close: the")
    print("same aggregate written into a table), measured in the same run")
    print(f"queries: open month kept, nothing changed: {fresh_queries}")
    print(f"queries: open month kept, after one write: {refresh_queries}")
    for label, count in queries.items():
        print(f"queries: {label}: {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The 1+N assessment on the province-sized data set: a year (12 closed months, every item's
report scored, every assessed unit ranked in its group) scored and ranked, each step beside a
lower bound measured in the same run.

    .venv/bin/python benchmarks/bench_assessment.py [--units 2000 --items 20000 --problems 60000]
                                                    [--repeat 3] [--postgres URL]
                                                    [--keep PATH | --reuse PATH]

Builds the data set (`duban demo --scale province`) in a throw-away database (as
bench_progress.py does), closes the twelve months (each close scores its month through the
`month_closed` signal), then measures the steps below. The build and the closes take most of
the run (half an hour on a loaded machine): `--keep PATH` copies the closed SQLite database to
PATH, and `--reuse PATH` starts a later run from a copy of it (migrated, not rebuilt); the kept
file itself is never written.

- ranking the year: the twelve monthly rankings (four quarters and the year graded) from the
  stored events, in one pass (lines written, then again with nothing to write) and month by
  month as the closes do; lower bound: one SQL aggregate of the same points (valid events
  summed by unit and month);
- scoring a month from its facts: the month's events deleted, then derived again (facts read,
  events inserted with their history, the month ranked); lower bound: one SQL aggregate of the
  month's report points straight from its snapshots;
- recomputing a scored month (the idempotent path the `duban assess` command takes).

Aim (issue 10): within 3× the bound, in a fixed number of queries (printed for two months:
the same whatever the number of units and items).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

EVENTS_AGGREGATE = """
SELECT unit_id, month, SUM(points) FROM assessment_scoreevent
WHERE year = {year} AND state = 'approved' GROUP BY unit_id, month
"""

SNAPSHOT_AGGREGATE = """
SELECT lead_unit_id,
       SUM(CASE report WHEN 'on_time' THEN 1 WHEN 'late' THEN -1 WHEN 'missing' THEN -1
           ELSE 0 END)
FROM reporting_itemsnapshot WHERE year = {year} AND month = {month} GROUP BY lead_unit_id
"""


def _copy_database(source: Path, target: Path) -> None:
    """Copy a SQLite database file whole (its write-ahead log checkpointed first)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        raise SystemExit("--keep and --reuse copy a SQLite database file")
    if source.resolve() == Path(str(connection.settings_dict["NAME"])).resolve():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--problems", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is made on it)")
    parser.add_argument(
        "--keep",
        metavar="PATH",
        help="SQLite: after the twelve closes, copy the closed database to PATH (for --reuse)",
    )
    parser.add_argument(
        "--reuse",
        metavar="PATH",
        help="SQLite: start from a copy of a database kept by --keep (no build, no closes)",
    )
    args = parser.parse_args()
    if args.postgres and (args.keep or args.reuse):
        parser.error("--keep and --reuse copy a SQLite file; not with --postgres")
    from bench_progress import _setup

    _setup(args)

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from benchmarks import migrate
    from duban.assessment.models import ScoreEvent, Standing
    from duban.assessment.services.ranking import ranking_compute, rankings_compute
    from duban.assessment.services.scoring import automatic_events_delete, events_compute
    from duban.core.periods import Period
    from duban.demo.province import MARKER, ProvinceSize, build_province
    from duban.ledger.models import WorkItem
    from duban.org.models import Unit, User
    from duban.reporting.services import month_close

    engine = connection.vendor
    database = Path(str(connection.settings_dict["NAME"]))
    if args.reuse:
        _copy_database(Path(args.reuse), database)
        migrate()
        print(f"database: {engine}; the closed data set copied from {args.reuse}")
    else:
        migrate()
        built = build_province(
            size=ProvinceSize(units=args.units, items=args.items, problems=args.problems)
        )
        print(f"database: {engine}; data set built in {built.seconds:.1f} s: {built.counts}")
    office = User.objects.get(username=MARKER)
    year = WorkItem.objects.order_by("-year").values_list("year", flat=True).first()
    started = time.perf_counter()
    if not args.reuse:
        for month in range(1, 13):
            month_close(period=Period(year, month), by=office)
    closed = time.perf_counter() - started
    if args.keep:
        _copy_database(database, Path(args.keep))
    events = ScoreEvent.objects.filter(year=year).count()
    ranked = Standing.objects.filter(ranking__year=year, span="month", ranking__month=12).count()
    assessed = Unit.objects.filter(assessed=True).count()
    how = (
        f"closed before, kept in {args.reuse}"
        if args.reuse
        else f"each scored inside its close, in {closed:.1f} s"
    )
    print(
        f"twelve months closed ({how}): "
        f"{events:,} events, {ranked:,} of {assessed:,} assessed units ranked"
    )
    print("load average before measuring: " + " / ".join(f"{x:.1f}" for x in os.getloadavg()))
    rows: list[tuple[str, float, float]] = []

    def sql(text: str) -> list:
        with connection.cursor() as cursor:
            cursor.execute(text)
            return cursor.fetchall()

    # Each step is timed beside its bound in the same repeat (bound, step, bound, step, …): on
    # a machine whose load swings, the best of each is then taken under the same conditions.
    def paired(step: Callable[[], float | None], bound_sql: str) -> tuple[float, float]:
        steps, bounds = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            sql(bound_sql)
            bounds.append(time.perf_counter() - started)
            started = time.perf_counter()
            inner = step()
            steps.append(inner if inner is not None else time.perf_counter() - started)
        return min(steps), min(bounds)

    # 1. the year's rankings from the stored events
    year_bound = EVENTS_AGGREGATE.format(year=year)
    months = list(range(1, 13))

    def rank_year_written() -> float:
        with transaction.atomic():
            Standing.objects.filter(ranking__year=year)._raw_delete(connection.alias)
            started = time.perf_counter()
            rankings_compute(year=year, months=months)
            return time.perf_counter() - started

    took, bound = paired(rank_year_written, year_bound)
    lines = Standing.objects.filter(ranking__year=year).count()
    rows.append(
        (
            "rank the year: 12 months, 4 quarters and the year graded, in one pass "
            f"({lines:,} lines written)",
            took,
            bound,
        )
    )

    def rank_year_again() -> None:
        rankings_compute(year=year, months=months)

    took, bound = paired(rank_year_again, year_bound)
    rows.append(
        ("rank the year again, in one pass (nothing changed: nothing written)", took, bound)
    )

    def rank_each_month() -> None:
        with transaction.atomic():
            for month in months:
                ranking_compute(period=Period(year, month))

    took, bound = paired(rank_each_month, year_bound)
    rows.append(("rank the year month by month (12 rankings, as the closes do)", took, bound))
    # 2. one month scored from its facts (events deleted first) and ranked
    june = Period(year, 6)
    month_bound = SNAPSHOT_AGGREGATE.format(year=year, month=6)

    def score_from_scratch() -> None:
        with transaction.atomic():
            automatic_events_delete(period=june, by=office)
            events_compute(period=june, by=office)

    took, bound = paired(score_from_scratch, month_bound)
    written = ScoreEvent.objects.filter(year=year, month=6).exclude(origin="manual").count()
    rows.append(
        (
            "score a month from its facts (events deleted, written with history: "
            f"{written:,} events; ranked)",
            took,
            bound,
        )
    )

    def recompute() -> None:
        events_compute(period=june, by=office)

    took, bound = paired(recompute, month_bound)
    rows.append(("recompute a scored month (idempotent, nothing written)", took, bound))

    queries = {}

    def count(label: str, fn: Callable[[], object]) -> None:
        with CaptureQueriesContext(connection) as ctx:
            fn()
        queries[label] = len(ctx.captured_queries)

    for month in (6, 11):
        count(
            f"recompute {year}-{month:02d}",
            lambda m=month: events_compute(period=Period(year, m), by=office),
        )
        count(f"rank {year}-{month:02d}", lambda m=month: ranking_compute(period=Period(year, m)))

    def from_scratch(month: int) -> None:
        automatic_events_delete(period=Period(year, month), by=office)
        events_compute(period=Period(year, month), by=office)

    with transaction.atomic():
        for month in (6, 11):
            count(f"score from scratch {year}-{month:02d}", lambda m=month: from_scratch(m))
        count("rank the year in one pass", lambda: rankings_compute(year=year, months=months))

    print()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end: {load} (1, 5, 15 min)")
    print(f"| measured ({engine}, best of {args.repeat}) | seconds | lower bound s | × bound |")
    print("|---|---|---|---|")
    for label, took_s, low in rows:
        print(f"| {label} | {took_s:.2f} | {low:.3f} | {took_s / low:.1f} |")
    print()
    print("lower bound: one SQL aggregate of the same points, measured in the same run beside")
    print("each step (the year: valid events summed by unit and month; a month: its report")
    print("points from the snapshots)")
    for label, count in queries.items():
        print(f"queries: {label}: {count}")
    # The throw-away data directory `_setup` made (a province database is half a gigabyte).
    connection.close()
    if engine == "sqlite" and database.parent.name.startswith("duban-bench-progress-"):
        shutil.rmtree(database.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

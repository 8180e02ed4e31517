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
- scoring a month from its facts: the month's automatic events deleted, then derived again
  (facts compared with the events, events inserted, the run recorded, the month ranked), and
  recomputing a scored month (the idempotent path the `duban assess` command takes); lower
  bound: the same points from the same facts in one SQL aggregate — the SELECT of the facts
  scoring reads (`scoring.points_by_unit_select`: the derivations' `UNION ALL`, restricted to
  assessed units and the scheme's rules) summed by unit. The run checks that its per-unit
  totals are those of the events written. The previous bound (the month's report points
  from its snapshots alone, one source of nine) is printed beside it for continuity;
- (not a step) the month's events written alone: the one `INSERT … SELECT` of the same facts
  into the events table, beside the same bound — what any step that writes them pays (rolled
  back after each measure);
- scoring the year from its facts and ranking it: the twelve months' automatic events
  deleted (not timed), derived again and the year ranked in one pass (`months_rescore`), then
  the same again with everything in place (nothing written); lower bound: the year's facts
  summed by unit and month in one aggregate (checked against the events too).

Each time is the best of `--repeat`, wall-clock and CPU (`time.process_time`: SQLite runs in
the process, so it counts the database's work too).

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

from benchmarks import province_arguments  # noqa: E402

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
    province_arguments(parser)
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
    from django.db.models import Sum
    from django.test.utils import CaptureQueriesContext

    from benchmarks import migrate
    from duban.assessment.models import ScoreEvent, ScoringRun, Standing
    from duban.assessment.services.ranking import ranking_compute, rankings_compute
    from duban.assessment.services.schemes import scheme_for
    from duban.assessment.services.scoring import (  # _events_insert: the write alone
        _events_insert,
        automatic_events_delete,
        events_compute,
        facts_select,
        months_rescore,
        points_by_unit_and_month_select,
        points_by_unit_select,
    )
    from duban.core import clock
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
    # A step's row: its label, then (wall s, CPU s) of the step and of its bound, and the old
    # bound's wall seconds (the month steps' snapshot aggregate, kept for continuity).
    rows: list[tuple[str, tuple[float, float], tuple[float, float], float | None]] = []

    def sql(text: str, params: list | None = None) -> list:
        with connection.cursor() as cursor:
            cursor.execute(text, params or [])
            return cursor.fetchall()

    def timed(fn: Callable[[], object]) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - wall, time.process_time() - cpu

    # Each step is timed beside its bound in the same repeat (bound, step, bound, step, …): on
    # a machine whose load swings, the best of each is then taken under the same conditions.
    def paired(
        step: Callable[[], tuple[float, float] | None],
        bound_sql: tuple[str, list],
        old_bound_sql: str | None = None,
    ) -> tuple[tuple[float, float], tuple[float, float], float | None]:
        steps, bounds, old = [], [], []
        for _ in range(args.repeat):
            bounds.append(timed(lambda: sql(*bound_sql)))
            if old_bound_sql is not None:
                old.append(timed(lambda: sql(old_bound_sql))[0])
            wall, cpu = time.perf_counter(), time.process_time()
            inner = step()
            steps.append(
                inner
                if inner is not None
                else (time.perf_counter() - wall, time.process_time() - cpu)
            )
        return min(steps), min(bounds), (min(old) if old else None)

    # 1. the year's rankings from the stored events
    year_bound = (EVENTS_AGGREGATE.format(year=year), [])
    months = list(range(1, 13))

    def rank_year_written() -> tuple[float, float]:
        with transaction.atomic():
            Standing.objects.filter(ranking__year=year)._raw_delete(connection.alias)
            return timed(lambda: rankings_compute(year=year, months=months))

    took, bound, _old = paired(rank_year_written, year_bound)
    lines = Standing.objects.filter(ranking__year=year).count()
    rows.append(
        (
            "rank the year: 12 months, 4 quarters and the year graded, in one pass "
            f"({lines:,} lines written)",
            took,
            bound,
            None,
        )
    )

    def rank_year_again() -> None:
        rankings_compute(year=year, months=months)

    took, bound, _old = paired(rank_year_again, year_bound)
    rows.append(
        ("rank the year again, in one pass (nothing changed: nothing written)", took, bound, None)
    )

    def rank_each_month() -> None:
        with transaction.atomic():
            for month in months:
                # As each close does: no later month is ranked yet when a month closes.
                rankings_compute(year=year, months=[month], later=False)

    took, bound, _old = paired(rank_each_month, year_bound)
    rows.append(("rank the year month by month (12 rankings, as the closes do)", took, bound, None))
    # 2. one month scored from its facts (events deleted first) and ranked; its bound: the
    # same facts (the SELECT the computation reads) summed by unit in one aggregate.
    june = Period(year, 6)
    month_bound = points_by_unit_select(june)
    snapshots = SNAPSHOT_AGGREGATE.format(year=year, month=6)

    def score_from_scratch() -> None:
        with transaction.atomic():
            automatic_events_delete(period=june, by=office)
            events_compute(period=june, by=office)

    took, bound, old = paired(score_from_scratch, month_bound, snapshots)
    written = ScoreEvent.objects.filter(year=year, month=6).exclude(origin="manual").count()
    rows.append(
        (
            f"score a month from its facts (events deleted, {written:,} written; ranked)",
            took,
            bound,
            old,
        )
    )
    # The bound is the same points: its per-unit totals are those of the events written.
    bound_totals = {unit: round(total * 100) for unit, total in sql(*month_bound)}
    written_totals = {
        unit: round(total * 100)
        for unit, total in ScoreEvent.objects.filter(year=year, month=6)
        .exclude(origin="manual")
        .values("unit_id")
        .annotate(total=Sum("points"))
        .values_list("unit_id", "total")
    }
    if bound_totals != written_totals:
        raise SystemExit("the month's bound does not sum the points its events hold")
    print(
        f"check: the month's bound = the events written, unit by unit "
        f"({len(bound_totals):,} units, {sum(bound_totals.values()) / 100:,.0f} points)"
    )

    # What any step that writes the month's events pays, not a step of its own: the one
    # INSERT … SELECT of the same facts the bound reads into the events table (the previous
    # events deleted and a run recorded first, neither timed; everything rolled back after).
    def write_alone() -> tuple[float, float]:
        with transaction.atomic():
            automatic_events_delete(period=june, by=office)
            run = ScoringRun.objects.create(
                year=year, month=6, at=clock.now(), added=0, changed=0, removed=0
            )
            stamp = ScoreEvent._meta.get_field("updated_at").get_db_prep_save(
                clock.now(), connection
            )
            facts, params = facts_select(june, scheme_for(june))
            took = timed(
                lambda: _events_insert(june, run.pk, stamp, facts, params, missing_only=False)
            )
            transaction.set_rollback(True)
        return took

    took, bound, _old = paired(write_alone, month_bound)
    rows.append(
        (
            f"(not a step) the month's {written:,} events written alone: the one INSERT … SELECT "
            "of the same facts, what any step that writes them pays",
            took,
            bound,
            None,
        )
    )

    def recompute() -> None:
        events_compute(period=june, by=office)

    took, bound, old = paired(recompute, month_bound, snapshots)
    rows.append(("recompute a scored month (idempotent, nothing written)", took, bound, old))
    # 3. the year scored from its facts (every month's automatic events deleted, derived
    # again) and ranked in one pass; its bound: the year's facts summed by unit and month.
    year_facts = points_by_unit_and_month_select(year, months)

    def score_year() -> tuple[float, float]:
        with transaction.atomic():
            for month in months:
                automatic_events_delete(period=Period(year, month), by=office)
            return timed(lambda: months_rescore(year=year, months=months, by=office))

    took, bound, _old = paired(score_year, year_facts)
    written = ScoreEvent.objects.filter(year=year).exclude(origin="manual").count()
    rows.append(
        (
            f"score the year from its facts and rank it ({written:,} events derived into "
            "the emptied months, not counting their deletion; the year ranked in one pass)",
            took,
            bound,
            None,
        )
    )

    def recompute_year() -> None:
        months_rescore(year=year, months=months, by=office)

    took, bound, _old = paired(recompute_year, year_facts)
    rows.append(
        (
            "recompute the scored year and rank it (idempotent, nothing written)",
            took,
            bound,
            None,
        )
    )
    bound_totals = {(u, m): round(t * 100) for u, m, t in sql(*year_facts)}
    written_totals = {
        (u, m): round(t * 100)
        for u, m, t in ScoreEvent.objects.filter(year=year)
        .exclude(origin="manual")
        .values("unit_id", "month")
        .annotate(total=Sum("points"))
        .values_list("unit_id", "month", "total")
    }
    if bound_totals != written_totals:
        raise SystemExit("the year's bound does not sum the points its events hold")
    print("check: the year's bound = the events written, unit by unit and month by month")

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
    print(
        f"| measured ({engine}, best of {args.repeat}) | wall s | CPU s | bound wall s "
        "| bound CPU s | × bound (wall) | × bound (CPU) | old bound s (snapshots) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, (wall, cpu), (low, low_cpu), old in rows:
        before = f"{old:.3f} ({wall / old:.0f}×)" if old is not None else "—"
        print(
            f"| {label} | {wall:.2f} | {cpu:.2f} | {low:.3f} | {low_cpu:.3f} "
            f"| {wall / low:.1f} | {cpu / low_cpu:.1f} | {before} |"
        )
    print()
    print("lower bound: one SQL aggregate of the same points, measured in the same run beside")
    print("each step (the year: valid events summed by unit and month; a month: its facts, the")
    print("SELECT scoring reads, summed by unit; the old month bound: its report points from")
    print("the snapshots alone)")
    for label, count in queries.items():
        print(f"queries: {label}: {count}")
    # The throw-away data directory `_setup` made (a province database is half a gigabyte).
    connection.close()
    if engine == "sqlite" and database.parent.name.startswith("duban-bench-progress-"):
        shutil.rmtree(database.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

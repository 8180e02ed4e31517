"""The monthly report (月报) for a province-sized ledger generated end to end: the figures of
its template, the HTML page and the Word document, beside a lower bound measured in the same
run: the figures' SQL aggregates alone — one aggregate per group of figures the 月报 prints
(the text's ledger and investment figures, the tables by level, industry and unit with each
unit's card, the red and yellow items counted, the starts, the problems, the assessment
ranking), reading the stored sources the code reads (the open month's kept progress rows, a
closed month's snapshot), without rows, text or documents. The bound's values are checked
against the figures the generated bulletin stored (the text's and every table cell). The
earlier bound (four aggregates: counts by kind and level, one sum of reports, starts,
problems) is printed beside it.

    .venv/bin/python benchmarks/bench_bulletin.py [--units 2000 --items 20000 --problems 60000]
                                                  [--repeat 3] [--postgres URL]
                                                  [--reuse FILE.sqlite3] [--closed]

Builds the data set (`duban demo --scale province`: 12 months of reports, no month closed, so
every figure is computed, not read from a snapshot) in a throw-away database. With `--closed`,
the year's twelve months are closed first, and the report is the one an office publishes
(a report of a month not closed is a draft), its figures read from December's snapshot. With
`--reuse FILE`, a SQLite copy of the data set: when FILE exists the run starts from a copy of
it (no build; FILE itself is never written to; months it holds closed stay closed), otherwise
the data set built (and closed, with `--closed`) is copied to FILE; the run's working copy is
deleted at the end. Aim (issue 11):
within 3× the lower bound and under 10 s; the catalogue in a fixed number of queries.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import province_arguments, reuse_save, reuse_start  # noqa: E402
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


# The full bound: one aggregate per group of figures the 月报 prints, over the stored sources
# the code reads ({progress}: the open month's kept rows, or a closed month's snapshot). Each
# returns the values only. {due} is the amount due by 序时进度 (the plan curve, else m/12).
_PROJECTS = (
    "FROM {workitem} w LEFT JOIN {progress} p ON p.work_item_id = w.id AND p.year = {year} "
    "AND p.month = {month} {join} WHERE {scan}w.year = {year} AND w.kind = 'project'"
)
_INVEST = (
    "COUNT(*), SUM(w.annual_plan), SUM(p.ytd_investment), SUM(p.investment_month), "
    "SUM(CASE WHEN p.annual_plan <> 0 THEN p.annual_plan END), "
    "SUM(CASE WHEN p.annual_plan <> 0 THEN p.ytd_investment END), "
    "SUM(CASE WHEN p.annual_plan <> 0 THEN COALESCE(p.cumulative_plan, "
    "p.annual_plan * {month} / 12.0) END)"
)
FULL_BOUND = {
    # 重点项目, 年度计划投资, 累计/本月完成投资, 投资完成率, 序时进度 and the gap.
    "text": "SELECT " + _INVEST + " " + _PROJECTS,
    "by_level": "SELECT w.level, " + _INVEST + " " + _PROJECTS + " GROUP BY w.level",
    "by_industry": "SELECT COALESCE(pr.industry, ''), "
    + _INVEST
    + " "
    + _PROJECTS.replace("{join}", "LEFT JOIN {project} pr ON pr.id = w.project_id")
    + " GROUP BY COALESCE(pr.industry, '')",
    # Each unit's line and its card of the month.
    "by_unit": "SELECT w.lead_unit_id, MAX(c.colour), "
    + _INVEST
    + " "
    + _PROJECTS.replace(
        "{join}",
        "LEFT JOIN {card} c ON c.unit_id = w.lead_unit_id AND c.year = {year} "
        "AND c.month = {month}",
    )
    + " AND w.lead_unit_id IS NOT NULL GROUP BY w.lead_unit_id",
    # The red and yellow items (counted: the lists name them).
    "lights": "SELECT p.light, COUNT(*) FROM {workitem} w JOIN {progress} p "
    "ON p.work_item_id = w.id AND p.year = {year} AND p.month = {month} "
    "WHERE {scan}w.year = {year} GROUP BY p.light",
    "starts": "SELECT SUM(CASE WHEN planned_start BETWEEN '{start}' AND '{end}' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN actual_start BETWEEN '{start}' AND '{end}' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN planned_start BETWEEN '{start}' AND '{end}' AND actual_start <= '{end}' "
    "THEN 1 ELSE 0 END) FROM {workitem} WHERE {scan}year = {year} AND kind = 'project'",
    # 收集问题, 本月新增, 销号 (办结率), 本月销号, 超期未办结: one pass over the problems.
    "problems": "SELECT SUM(CASE WHEN reported_on BETWEEN '{start}' AND '{end}' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN reported_on BETWEEN '{month_start}' AND '{end}' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN reported_on BETWEEN '{start}' AND '{end}' AND state = 'closed' AND "
    "(close_year < {year} OR (close_year = {year} AND close_month <= {month})) THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN state = 'closed' AND close_year = {year} AND close_month = {month} "
    "THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN state IN ({open}) AND due_date < '{today}' THEN 1 ELSE 0 END) "
    "FROM {problem} WHERE {scan}state NOT IN ('rejected', 'merged')",
    # The month's published ranking by group ([[ranking]]).
    "ranking": "SELECT s.{group}, COUNT(*), AVG(s.score), MAX(s.score), MIN(s.score) "
    "FROM {standing} s JOIN {ranking} r ON r.id = s.ranking_id WHERE r.year = {year} "
    "AND r.month = {month} AND r.published_at IS NOT NULL AND s.span = 'month' "
    "GROUP BY s.{group}",
}


def _dec(v: Any) -> Any:
    from decimal import Decimal

    return None if v is None else Decimal(str(v))


def _ratio(a: Any, b: Any) -> Any:
    from decimal import Decimal

    if a is None or b is None or not b:
        return None
    return Decimal(str(a)) * 100 / Decimal(str(b))


def _invest(values: tuple[Any, ...]) -> dict[str, Any]:
    """A group's figures from the aggregate's `_INVEST` columns."""
    count, plan, ytd, month, p_plan, p_ytd, p_due = values
    done, due = _ratio(p_ytd, p_plan), _ratio(p_due, p_plan)
    return {
        "ledger.projects": count,
        "ledger.annual_plan": _dec(plan or 0),
        "investment.ytd": _dec(ytd or 0),
        "investment.month": _dec(month or 0),
        "investment.completion_pct": done,
        "investment.time_progress_pct": due,
        "investment.gap_pp": None if done is None or due is None else done - due,
    }


def bound_values(results: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
    """The figures the bound's aggregates give, under the keys the bulletin stores them by."""
    out: dict[str, Any] = {}
    text = _invest(results["text"][0])
    out.update(text)
    for level, *values in results["by_level"]:
        group = _invest(tuple(values))
        out[f"ledger.projects.level.{level}"] = group["ledger.projects"]
        for k in ("ledger.projects", "ledger.annual_plan", "investment.ytd"):
            out[f"by_level.{level}.{k}"] = group[k]
        out[f"by_level.{level}.investment.completion_pct"] = group["investment.completion_pct"]
    for industry, *values in results["by_industry"]:
        group = _invest(tuple(values))
        for k in (
            "ledger.projects",
            "ledger.annual_plan",
            "investment.ytd",
            "investment.completion_pct",
        ):
            out[f"by_industry.{industry or '-'}.{k}"] = group[k]
    for unit, colour, *values in results["by_unit"]:
        group = _invest(tuple(values))
        for k in (
            "ledger.projects",
            "ledger.annual_plan",
            "investment.ytd",
            "investment.completion_pct",
        ):
            out[f"by_unit.{unit}.{k}"] = group[k]
        out[f"by_unit.{unit}.card"] = colour
    lights = dict(results["lights"])
    out["lights.red"], out["lights.yellow"] = lights.get("red", 0), lights.get("yellow", 0)
    planned, actual, started = results["starts"][0]
    out["starts.planned"], out["starts.actual"] = planned or 0, actual or 0
    out["starts.rate"] = _ratio(started or 0, planned or 0)
    total, new, closed, closed_month, overdue = results["problems"][0]
    out["problems.total"], out["problems.new"] = total or 0, new or 0
    out["problems.closed_month"], out["problems.overdue"] = closed_month or 0, overdue or 0
    out["problems.completion_pct"] = _ratio(closed or 0, total or 0)
    out["ranking.groups"] = len(results["ranking"])
    return out


def bulletin_values(b: Any) -> dict[str, Any]:
    """The same figures as the generated bulletin stored them (text, table cells, the whole
    ranking by unit kept with it), and its red and yellow items counted."""
    from decimal import Decimal

    out: dict[str, Any] = {}
    for key, fig in b.figures.items():
        v = fig["value"]
        out[key] = None if v is None else Decimal(v)
    for block in b.blocks:
        full = block.get("full")
        if full:
            for line in full["lines"]:
                for k, v in zip(full["keys"], line["values"], strict=True):
                    out.setdefault(
                        f"{block['name']}.{line['code']}.{k}", None if v is None else Decimal(v)
                    )
    # [[red_items]] and [[yellow_items]] end the 月报's lists (each "无" when empty).
    lights = [len(b_["row_ids"]) for b_ in b.blocks if b_["type"] == "items"]
    out["lights.red"], out["lights.yellow"] = lights[-2], lights[-1]
    return out


def check_bound(bound: dict[str, Any], stored: dict[str, Any]) -> tuple[int, list[str]]:
    """The keys both give, and those whose values differ (SQLite adds amounts as floats: equal
    within 1e-9 relative, 1e-6 absolute)."""
    from decimal import Decimal

    shared = [k for k in bound if k in stored]
    bad = []
    for k in shared:
        a, b = bound[k], stored[k]
        if a is None or b is None:
            if a is not b:
                bad.append(f"{k}: bound {a} stored {b}")
            continue
        a, b = Decimal(a), Decimal(b)
        if abs(a - b) > max(Decimal("1e-6"), abs(b) * Decimal("1e-9")):
            bad.append(f"{k}: bound {a} stored {b}")
    return len(shared), bad


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
    province_arguments(parser)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is made on it)")
    parser.add_argument(
        "--reuse",
        type=Path,
        help="a SQLite copy of the data set: start from it when it exists, else save one there",
    )
    parser.add_argument(
        "--closed",
        action="store_true",
        help="close the year's twelve months first (those a reused copy has not closed): the "
        "report is then the one published, its figures read from December's snapshot",
    )
    args = parser.parse_args()
    if args.reuse and args.postgres:
        parser.error("--reuse is for SQLite only")
    _setup(args)
    reuse_start(args.reuse)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks import migrate
    from duban.assessment.models import Ranking, Standing
    from duban.bulletins import figures
    from duban.bulletins.catalogue import FigureQuery, compute_many, figure_keys
    from duban.bulletins.models import Bulletin, Kind
    from duban.bulletins.output import to_docx, to_html
    from duban.bulletins.services import bulletin_generate
    from duban.core import clock
    from duban.core.periods import Period
    from duban.demo.province import MARKER, ProvinceSize, build_province
    from duban.ledger.models import Project, WorkItem
    from duban.org.models import User
    from duban.problems.models import OPEN_STATES, Problem
    from duban.reporting.models import ItemSnapshot, LiveProgress, MonthClose
    from duban.reporting.selectors.progress import progress_summaries
    from duban.supervision.models import Card

    migrate()
    built = build_province(
        size=ProvinceSize(units=args.units, items=args.items, problems=args.problems)
    )
    office = User.objects.get(username=MARKER)
    year = WorkItem.objects.order_by("-year").values_list("year", flat=True).first()
    assert year is not None
    print(f"database: {connection.vendor}; data set built in {built.seconds:.1f} s: {built.counts}")
    if args.closed:
        from duban.reporting.services import month_close

        started = time.perf_counter()
        for month in range(1, 13):
            if not MonthClose.objects.filter(year=year, month=month).exists():
                month_close(period=Period(year, month), by=office)
        print(f"the year's months closed in {time.perf_counter() - started:.1f} s")
    reuse_save(args.reuse)

    state = (
        "closed month: its snapshot"
        if MonthClose.objects.filter(year=year, month=12).exists()
        else "open month: its kept rows"
    )

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
        return len(progress_summaries(WorkItem.objects.filter(year=year), Period(year, 12)))

    # A first run judges and keeps the open month's progress (once a day in production, by
    # `duban keep_progress` after midnight); the runs measured read the kept rows.
    generate()
    took, took_cpu, sizes = _best(generate, args.repeat)
    bulletin = Bulletin.objects.order_by("-pk").first()
    qn = connection.ops.quote_name
    closed = MonthClose.objects.filter(year=year, month=12).exists()
    names = {
        "workitem": qn(WorkItem._meta.db_table),
        "project": qn(Project._meta.db_table),
        "progress": qn((ItemSnapshot if closed else LiveProgress)._meta.db_table),
        "card": qn(Card._meta.db_table),
        "problem": qn(Problem._meta.db_table),
        "standing": qn(Standing._meta.db_table),
        "ranking": qn(Ranking._meta.db_table),
        "group": qn("group"),
        "open": ", ".join(f"'{s}'" for s in OPEN_STATES),
        "today": clock.today().isoformat(),
        "month_start": f"{year}-12-01",
        "join": "",
    }

    def full_aggregate(sql: str, scan: str) -> Callable[[], object]:
        text = sql.format(
            year=year,
            month=12,
            start=f"{year}-01-01",
            end=f"{year}-12-31",
            scan=scan,
            **names,
        )

        def run() -> object:
            with connection.cursor() as cursor:
                cursor.execute(text)
                return cursor.fetchall()

        return run

    bound = bound_cpu = 0.0
    results: dict[str, Any] = {}
    for name, sql in FULL_BOUND.items():
        forms = [_best(full_aggregate(sql, scan), args.repeat) for scan in scans]
        bound += min(w for w, _c, _r in forms)
        bound_cpu += min(c for _w, c, _r in forms)
        results[name] = forms[0][2]
    compared, wrong = check_bound(bound_values(results), bulletin_values(bulletin))
    assert compared >= 40, compared  # the text's figures and the tables' cells
    assert not wrong, wrong[:10]

    old = old_cpu = 0.0
    for sql in AGGREGATES:
        forms = [_best(aggregate(sql, scan), args.repeat) for scan in scans]
        old += min(w for w, _c, _r in forms)
        old_cpu += min(c for _w, c, _r in forms)
    core, core_cpu, _ = _best(progress_core, args.repeat)

    # The rest without the progress core: the same generation, the core's answer for the
    # 口径 made beforehand (what reading stored progress would cost next to nothing).
    answers: dict[tuple[str, Period], Any] = {}

    def given(items: QuerySet[WorkItem], period: Period) -> Any:
        key = (str(items.query), period)
        if key not in answers:
            answers[key] = progress_summaries(items, period)
        return answers[key]

    figures.progress_summaries = given  # type: ignore[assignment]
    try:
        generate()
        rest, rest_cpu, _ = _best(generate, args.repeat)
    finally:
        figures.progress_summaries = progress_summaries

    with CaptureQueriesContext(connection) as ctx:
        compute_many(None, FigureQuery(year, 12))
    n = len(figure_keys())
    assert len(ctx.captured_queries) <= CATALOGUE_QUERIES, len(ctx.captured_queries)

    print()
    print(
        f"| measured ({connection.vendor}, best of {args.repeat}, load average "
        f"{os.getloadavg()[0]:.1f}) | seconds | lower bound s | × bound | CPU s | "
        "bound CPU s | × bound (CPU) | earlier bound (four aggregates) s | CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, wall, cpu, with_bound in (
        (
            "monthly report end to end (figures, tables with charts, HTML, Word)",
            took,
            took_cpu,
            True,
        ),
        (
            f"of which the progress core's read (every item's light and figures, {state})",
            core,
            core_cpu,
            False,
        ),
        ("the same without the progress core (its answer given)", rest, rest_cpu, True),
    ):
        if with_bound:
            print(
                f"| {label} | {wall:.2f} | {bound:.2f} | {wall / bound:.1f} | {cpu:.2f} | "
                f"{bound_cpu:.2f} | {cpu / bound_cpu:.1f} | {old:.2f} | {old_cpu:.2f} |"
            )
        else:
            print(f"| {label} | {wall:.2f} | | | {cpu:.2f} | | | | |")
    print()
    print(
        f"bound: {len(FULL_BOUND)} aggregates; their values equal the bulletin's stored "
        f"figures for the {compared} keys both give"
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

"""Import a 20,000-row × 40-column ledger; print its time and peak memory beside the time
python-calamine alone needs to read the same file (the lower bound measured in the same run).

    .venv/bin/python benchmarks/bench_import.py [--rows 20000] [--repeat 3] [--postgres URL]

Runs against a throw-away SQLite database under a temporary DUBAN_DATA_DIR (or throw-away
PostgreSQL databases with --postgres) and shows the best of --repeat runs, each starting from
the same database. Aim (issue 3): import within 3× the bare read, peak memory under 500 MB,
a fixed number of queries.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

UNITS = [f"测试{n}局" for n in range(40)] + [f"第{n}街道" for n in range(10)]
EXTRA = [f"自定义列{n}" for n in range(17)]


def make_ledger(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("2024年重点项目")
    ws.append(["2024年XX区重点项目推进情况台账（截至3月底）"])
    ws.append(["填报单位：XX区推进办", *[""] * 38, "单位：万元"])
    header = [
        "序号",
        "项目代码",
        "项目名称",
        "责任单位",
        "建设地点",
        "建设规模及内容",
        "建设起止年限",
        "项目类型",
        "建设性质",
        "总投资",
        "年度计划投资",
        "1-3月完成投资",
        "完成率(%)",
        "是否开工",
        "计划开工时间",
        "实际开工时间",
        "计划竣工时间",
        "是否入统",
        "形象进度",
        "存在问题",
        "下步计划",
        "备注",
        "开工以来累计完成投资",
    ]
    ws.append(header + EXTRA)
    ws.append(["", "", "合计"])
    for i in range(1, rows + 1):
        ws.append(
            [
                i,
                f"2024-230103-78-01-{i:06d}",
                f"基准项目{i}",
                UNITS[i % len(UNITS)],
                "某街道",
                "建设厂房及配套设施",
                "2024-2026",
                "产业",
                "新建",
                100000 + i,
                20000,
                f"{1000 + i % 997:,}.5",
                5.0,
                "是" if i % 3 else "否",
                "2024年3月",
                "2024-03-15" if i % 3 else "",
                "2026年底",
                "是" if i % 2 else "否",
                "主体施工",
                "" if i % 5 else "用地指标未到位",
                "加快推进",
                "",
                5000 + i,
                *[f"附加{i}"] * len(EXTRA),
            ]
        )
    ws.append(["填表人：        审核人：        联系电话："])
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best of each is shown")
    parser.add_argument("--keep", action="store_true", help="keep the generated file and database")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="run on PostgreSQL: a server URL such as postgres://postgres@127.0.0.1:5432/postgres "
        "(the benchmark creates and drops databases duban_bench and duban_bench_template)",
    )
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bare-read", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_read:
        from python_calamine import CalamineWorkbook

        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            book = CalamineWorkbook.from_path(str(args.bare_read))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            best = min(best, time.perf_counter() - t)
            del book
        print(f"{best:.4f}")
        return
    if args.generate:
        make_ledger(args.generate, args.rows)
        return
    work = Path(tempfile.mkdtemp(prefix="duban-bench-"))
    os.environ["DUBAN_DATA_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.config.settings")
    if args.postgres:
        _pg_admin(args.postgres, "DROP DATABASE IF EXISTS duban_bench_template")
        _pg_admin(args.postgres, "CREATE DATABASE duban_bench_template")
        os.environ["DATABASE_URL"] = _pg_url(args.postgres, "duban_bench_template")
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks import migrate
    from duban.org.models import Unit
    from duban.transfer.imports.service import ledger_import

    migrate()
    Unit.objects.bulk_create(
        Unit(code=f"b{n}", name=name, kind="department") for n, name in enumerate(UNITS)
    )
    # Each run starts from a copy of this database: the same work every time.
    database = Path(connection.settings_dict["NAME"])
    connection.close()
    template = work / "before-import.sqlite3"
    if not args.postgres:
        shutil.copyfile(database, template)

    def fresh_database() -> None:
        connection.close()
        if args.postgres:
            _pg_admin(args.postgres, "DROP DATABASE IF EXISTS duban_bench")
            _pg_admin(args.postgres, "CREATE DATABASE duban_bench TEMPLATE duban_bench_template")
            connection.settings_dict["NAME"] = "duban_bench"
            return
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, database)

    path = work / "ledger-20000.xlsx"
    t = time.perf_counter()
    # In a child process, so that openpyxl's memory doesn't count in the peak below.
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--rows", str(args.rows), "--generate", str(path)], check=True
    )
    print(
        f"generated {args.rows} rows × 40 columns: {path.stat().st_size / 1048576:.1f} MB in {time.perf_counter() - t:.1f} s"
    )

    # The bare read in a child process too, so the peak memory below is the import's own.
    out = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--bare-read", str(path), "--repeat", str(args.repeat + 2)],
        check=True,
        capture_output=True,
        text=True,
    )
    bare = float(out.stdout.split()[-1])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    content = path.read_bytes()
    best = {"preview": float("inf"), "write": float("inf"), "again": float("inf")}
    queries = 0
    for _ in range(args.repeat):
        fresh_database()
        t = time.perf_counter()
        dry = ledger_import(content=content, file_name=path.name, by=None, dry_run=True)
        best["preview"] = min(best["preview"], time.perf_counter() - t)
        assert dry.ok, dry.summary_lines()[-5:]
        del dry  # one import's memory at a time, as in the application
        t = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            result = ledger_import(content=content, file_name=path.name, by=None)
        best["write"] = min(best["write"], time.perf_counter() - t)
        queries = len(captured.captured_queries)
        assert result.ok and result.applied, result.summary_lines()[-5:]
        assert result.counts()["create"] == args.rows
        del result, captured
        t = time.perf_counter()
        again = ledger_import(content=content, file_name=path.name, by=None)
        best["again"] = min(best["again"], time.perf_counter() - t)
        assert again.counts()["unchanged"] == args.rows
        del again
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    preview, full, second = best["preview"], best["write"], best["again"]

    print(f"{connection.vendor}, best of {args.repeat} runs, each on the same database:")
    print(f"calamine bare read (lower bound): {bare:6.2f} s")
    print(f"import, dry run (preview):        {preview:6.2f} s  ({preview / bare:.1f}× bare read)")
    print(
        f"import, writing {args.rows} items+reports: {full:6.2f} s  ({full / bare:.1f}× bare read), {queries} queries"
    )
    print(f"import again (all unchanged):     {second:6.2f} s  ({second / bare:.1f}× bare read)")
    print(
        f"peak RSS of the importing process: {peak:.0f} MB (Django and the test data before importing: {rss_before:.0f} MB)"
    )
    if not args.keep:
        shutil.rmtree(work)
        if args.postgres:
            connection.close()
            for name in ("duban_bench", "duban_bench_template"):
                _pg_admin(args.postgres, f"DROP DATABASE IF EXISTS {name}")


def _pg_url(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def _pg_admin(url: str, sql: str) -> None:
    """CREATE/DROP DATABASE, which can't run inside a transaction."""
    import psycopg

    with psycopg.connect(_pg_url(url, "postgres"), autocommit=True) as admin:
        admin.execute(sql)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()

"""The month-end burst: one month's reports for every unit of the province-sized set, sent
through the API at once, in batches and singly, with retries and conflicting edits; then an
exact reconciliation of what was stored against what was accepted.

    .venv/bin/python benchmarks/bench_burst.py [--units 2000] [--concurrency 32]
        [--postgres URL --servers 2 --workers 1] [--redis redis://127.0.0.1:6379/0]
        [--base-url http://127.0.0.1:8000 --database-url URL]   # against servers already up

The province set (`duban demo --scale province`) is LAST year's ledger with all twelve months
reported and no month closed. The burst's month is that year's December: its reports are
deleted first (plain SQL), so every item has December to report, as on the 5th of a month.
The client is bounded: loopback only, `--concurrency` requests in flight, `--time-limit`
seconds in all. Half the units (`--batch-share`) send their month as one batch request, the
others one `PUT … submit` per item; a share of requests is sent again with the same
`Idempotency-Key` (`--retry-share`, as a client does after a timeout), and a share of single
reports is then edited again with the version read before (`--conflict-share`), which must be
refused. Printed: reports per second, p50/p95/p99 latency, the CPU spent per accepted report
by the app servers, PostgreSQL's backends and the client (from /proc: less distorted by a
busy machine than reports per second), answers by kind, the reconciliation (stored =
accepted, none lost, none doubled, no retry written twice), and beside it the lower bound:
the same inserts as plain SQL in one connection.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Job:
    kind: str  # batch or single
    unit_id: int
    method: str
    path: str
    body: dict[str, Any]
    key: str
    items: list[int]
    retry: bool = False
    conflict: bool = False
    encoded: bytes = b""

    def __post_init__(self) -> None:
        # Encoded once: the client shares the machine's cores with the servers it measures.
        self.encoded = json.dumps(self.body, ensure_ascii=False).encode()


@dataclass
class Answer:
    kind: str
    status: int
    seconds: float
    body: Any = None
    replayed: bool = False
    error: str = ""


@dataclass
class Run:
    answers: list[Answer] = field(default_factory=list)
    accepted: dict[int, tuple[int, int]] = field(default_factory=dict)  # item → (report, version)
    first: dict[str, Any] = field(default_factory=dict)  # key → first answer body
    retry_mismatch: int = 0
    conflict_written: int = 0
    # Items of requests still in flight when the time limit stopped the client: the server
    # may have written them, and nobody read the answer.
    unanswered: set[int] = field(default_factory=set)


class CpuMeter:
    """CPU seconds (user + system) spent during the burst by the app servers (each started
    process and its children: gunicorn's workers) and by PostgreSQL's backends serving the
    benchmark's database, read from /proc (Linux) every `every` seconds: a process is counted
    from its first reading (from zero when it started during the burst) to its last. A backend
    that exits between two readings loses at most that interval's CPU."""

    def __init__(self, server_pids: list[int], database_url: str | None, every: float = 0.25):
        self.server_pids = server_pids
        self.database_url = database_url
        self.every = every
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.first: dict[tuple[str, int], int] = {}
        self.last: dict[tuple[str, int], int] = {}
        self.started = False
        self.own = 0.0  # this thread's CPU, taken off the client's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._conn: Any = None
        self.database_measured = False

    @staticmethod
    def available() -> bool:
        return Path("/proc/self/stat").exists()

    @staticmethod
    def _ticks(pid: int) -> int | None:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        fields = text.rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime

    @staticmethod
    def _tree(pid: int) -> list[int]:
        found, todo = [], [pid]
        while todo:
            p = todo.pop()
            found.append(p)
            for task in Path(f"/proc/{p}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    todo.extend(int(c) for c in task.read_text().split())
        return found

    def _backends(self) -> list[int]:
        if self._conn is None:
            return []
        rows = self._conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
        return [r[0] for r in rows]

    def _sample(self) -> None:
        groups = [("app servers", p) for root in self.server_pids for p in self._tree(root)]
        groups += [("PostgreSQL", p) for p in self._backends()]
        for key in groups:
            ticks = self._ticks(key[1])
            if ticks is None:
                continue
            self.first.setdefault(key, ticks if not self.started else 0)
            self.last[key] = ticks

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()
        self.own = time.thread_time()

    def start(self) -> None:
        if self.database_url and urlsplit(self.database_url).scheme.startswith("postgres"):
            import psycopg

            self._conn = psycopg.connect(self.database_url, autocommit=True)
            self.database_measured = True
        self._sample()
        self.started = True
        self._thread.start()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join()
        self._sample()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        seconds: dict[str, float] = {"app servers": 0.0, "PostgreSQL": 0.0}
        for key, last in self.last.items():
            seconds[key[0]] += (last - self.first[key]) / self.tick
        return seconds


@dataclass
class Reply:
    status_code: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


class LoopbackClient:
    """A lean HTTP/1.1 client with keep-alive connections, for the burst: it shares the
    machine's two cores with the servers it measures, and a general client (httpx) spent
    about twice its CPU per request. It speaks what `duban serve` answers: Content-Length or
    chunked bodies; a connection the server closed while idle is replaced once."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.idle: dict[tuple[str, int], list[tuple[Any, Any]]] = {}

    async def request(
        self, method: str, url: str, *, content: bytes, headers: dict[str, str]
    ) -> Reply:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        message = (
            f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Length: {len(content)}\r\n{head}\r\n"
        ).encode() + content
        for attempt in (1, 2):
            pool = self.idle.setdefault((host, port), [])
            reused = attempt == 1 and bool(pool)  # the second attempt on a new connection
            reader, writer = pool.pop() if reused else await asyncio.open_connection(host, port)
            try:
                writer.write(message)
                reply, keep = await asyncio.wait_for(self._read(reader), self.timeout)
            except (ConnectionError, asyncio.IncompleteReadError) as e:
                writer.close()
                if reused and attempt == 1 and not getattr(e, "partial", b""):
                    continue  # closed by the server while idle: nothing was read
                raise
            except BaseException:
                writer.close()
                raise
            if keep:
                pool.append((reader, writer))
            else:
                writer.close()
            return reply
        raise ConnectionError("unreachable")

    @staticmethod
    async def _read(reader: Any) -> tuple[Reply, bool]:
        line = await reader.readline()
        if not line:
            raise asyncio.IncompleteReadError(b"", None)
        status = int(line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readline()).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readline()
            await reader.readline()
            body = b"".join(chunks)
        else:
            body = await reader.read()
            return Reply(status, headers, body), False
        return Reply(status, headers, body), headers.get("connection", "").lower() != "close"

    def close(self) -> None:
        for pool in self.idle.values():
            for _reader, writer in pool:
                writer.close()
        self.idle.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _setup(args: argparse.Namespace) -> str | None:
    """Point Django at a throw-away database; returns the PostgreSQL database made, if any."""
    data = Path(os.environ.get("DUBAN_DATA_DIR") or tempfile.mkdtemp(prefix="duban-burst-"))
    os.environ["DUBAN_DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.config.settings")
    os.environ.setdefault("DUBAN_SECRET_KEY", secrets.token_urlsafe(48))
    made = None
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    elif args.postgres:
        import psycopg

        made = args.database_name or f"duban_bench_burst_{os.getpid()}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{made}"')
            conn.execute(f'CREATE DATABASE "{made}"')
        os.environ["DATABASE_URL"] = urlunsplit(urlsplit(args.postgres)._replace(path=f"/{made}"))
    else:
        os.environ.pop("DATABASE_URL", None)
    if args.redis:
        os.environ["DUBAN_REDIS_URL"] = args.redis
    import django

    django.setup()
    return made


def _month_to_report(units: int) -> tuple[Any, dict[int, list[int]], dict[int, str], float]:
    """December of the set's year, emptied for the first `units` units that lead items:
    their items, a token of each unit's head, and the lower bound (seconds)."""
    from django.db import connection, transaction

    from duban.api.models import IdempotentRequest
    from duban.core.periods import Period
    from duban.ledger.models import WorkItem
    from duban.org.models import User
    from duban.org.services import api_token_create
    from duban.reporting.models import IndicatorValue, MonthlyReport, ReportMilestone

    year = WorkItem.objects.order_by("-year").values_list("year", flat=True).first()
    period = Period(year, 12)
    by_unit: dict[int, list[int]] = {}
    for item_id, unit_id in (
        WorkItem.objects.filter(year=year)
        .exclude(status=WorkItem.Status.DRAFT)
        .order_by("lead_unit_id", "pk")
        .values_list("pk", "lead_unit_id")
    ):
        if unit_id in by_unit or len(by_unit) < units:
            by_unit.setdefault(unit_id, []).append(item_id)
    items = [i for ids in by_unit.values() for i in ids]
    december = MonthlyReport.objects.filter(work_item_id__in=items, year=year, month=12)
    with transaction.atomic():
        IndicatorValue.objects.filter(report__in=december)._raw_delete(connection.alias)
        ReportMilestone.objects.filter(report__in=december)._raw_delete(connection.alias)
        december._raw_delete(connection.alias)
        # A database used again (--database-url): an earlier run's keys would replay its answers.
        IdempotentRequest.objects.filter(key__startswith="burst-")._raw_delete(connection.alias)
    heads = {
        u.unit_id: u
        for u in User.objects.filter(role=User.Role.UNIT_HEAD, unit_id__in=list(by_unit))
    }
    tokens = {unit_id: api_token_create(user=heads[unit_id]) for unit_id in by_unit}
    # The lower bound: the same rows inserted as plain SQL in one connection, rolled back.
    fields = [f for f in MonthlyReport._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(MonthlyReport._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 — our own names
    from decimal import Decimal

    from duban.core import clock

    now = clock.now()
    rows = []
    for item_id in items:
        r = MonthlyReport(
            work_item_id=item_id,
            year=year,
            month=12,
            state=MonthlyReport.State.SUBMITTED,
            investment_month=Decimal("1.5"),
            progress_text="本月按计划推进",
            submitted_at=now,
            first_submitted_at=now,
            created_at=now,
            updated_at=now,
        )
        rows.append([f.get_db_prep_save(getattr(r, f.attname), connection) for f in fields])
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        lower = time.perf_counter() - started
        transaction.set_rollback(True)
    connection.close()
    return period, by_unit, tokens, lower


def _plan(
    args: argparse.Namespace, period: Any, by_unit: dict[int, list[int]], rng: random.Random
) -> list[Job]:
    fill = {"investment_month": "1.5", "progress_text": "本月按计划推进", "submit": True}
    jobs: list[Job] = []
    for unit_id, items in by_unit.items():
        if rng.random() < args.batch_share:
            rows = [
                {"work_item": i, **{k: v for k, v in fill.items() if k != "submit"}} for i in items
            ]
            jobs.append(
                Job(
                    "batch",
                    unit_id,
                    "POST",
                    f"/api/v1/units/{unit_id}/reports/{period}",
                    {"submit": True, "rows": rows},
                    f"burst-{period}-unit-{unit_id}",
                    items,
                    retry=rng.random() < args.retry_share,
                )
            )
            continue
        jobs.extend(
            Job(
                "single",
                unit_id,
                "PUT",
                f"/api/v1/work-items/{i}/reports/{period}",
                fill,
                f"burst-{period}-item-{i}",
                [i],
                retry=rng.random() < args.retry_share,
                conflict=rng.random() < args.conflict_share,
            )
            for i in items
        )
    rng.shuffle(jobs)
    return jobs


async def _send(
    client: Any, base: str, token: str, job: Job, kind: str, body: bytes, key: str | None
) -> Answer:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    started = time.perf_counter()
    try:
        response = await client.request(job.method, base + job.path, content=body, headers=headers)
    except Exception as e:  # a transport error is one of the kinds counted
        return Answer(kind, 0, time.perf_counter() - started, error=type(e).__name__)
    seconds = time.perf_counter() - started
    try:
        parsed = response.json()
    except ValueError:
        parsed = None
    return Answer(
        kind,
        response.status_code,
        seconds,
        parsed,
        response.headers.get("idempotent-replayed") == "true",
    )


def _accept(run: Run, job: Job, answer: Answer) -> None:
    if answer.status not in (200, 201) or not isinstance(answer.body, dict):
        return
    if job.kind == "batch":
        for row in answer.body["rows"]:
            run.accepted[row["work_item"]] = (row["report_id"], row["version"])
    else:
        run.accepted[job.items[0]] = (answer.body["id"], answer.body["version"])


async def _burst(
    args: argparse.Namespace,
    bases: list[str],
    tokens: dict[int, str],
    jobs: list[Job],
    rng: random.Random,
) -> tuple[Run, float]:
    run = Run()
    gate = asyncio.Semaphore(args.concurrency)
    client = LoopbackClient(args.request_timeout)
    try:

        async def one(n: int, job: Job) -> None:
            base = bases[n % len(bases)]
            token = tokens[job.unit_id]

            async def send_first() -> Answer:
                async with gate:
                    return await _send(client, base, token, job, job.kind, job.encoded, job.key)

            async def send_retry() -> Answer:
                # The client gave up waiting and sends the same request again, same key,
                # to the other server, while the first may still be running.
                await asyncio.sleep(rng.random() * 0.05)
                async with gate:
                    other = bases[(n + 1) % len(bases)]
                    return await _send(client, other, token, job, "retry", job.encoded, job.key)

            if job.retry:
                first, again = await asyncio.gather(send_first(), send_retry())
            else:
                first = await send_first()
            for _attempt in range(3):
                # A server error or a broken connection: the client sends it again, same key.
                if first.status and first.status < 500:
                    break
                run.answers.append(first)
                async with gate:
                    first = await _send(
                        client, base, token, job, "after error", job.encoded, job.key
                    )
            run.answers.append(first)
            _accept(run, job, first)
            if job.retry:
                run.answers.append(again)
                if (
                    again.status != first.status
                    or again.body != first.body
                    or (again.status in (200, 201) and not (again.replayed or first.replayed))
                ):
                    run.retry_mismatch += 1
            if job.conflict and first.status in (200, 201):
                stale = max(1, int(first.body["version"]) - 1)
                body = json.dumps({"progress_text": "另一人的修改", "version": stale}).encode()
                async with gate:
                    clash = await _send(client, base, token, job, "conflict", body, None)
                run.answers.append(clash)
                if clash.status in (200, 201):
                    run.conflict_written += 1

        started = time.perf_counter()
        tasks = [asyncio.create_task(one(n, job)) for n, job in enumerate(jobs)]
        _done, pending = await asyncio.wait(tasks, timeout=args.time_limit)
        by_task = dict(zip(tasks, jobs, strict=True))
        for task in pending:
            run.unanswered.update(i for i in by_task[task].items if i not in run.accepted)
            task.cancel()
        seconds = time.perf_counter() - started
        if pending:
            print(f"time limit reached: {len(pending)} requests not finished")
    finally:
        client.close()
    return run, seconds


def _start_servers(args: argparse.Namespace) -> tuple[list[subprocess.Popen[bytes]], list[str]]:
    duban = Path(sys.executable).with_name("duban")
    env = {**os.environ}
    procs, bases = [], []
    logs = Path(os.environ["DUBAN_DATA_DIR"])
    for n in range(args.servers):
        port = _free_port()
        command = [str(duban), "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--threads", str(args.threads), "--workers", str(args.workers)]
        procs.append(
            subprocess.Popen(  # noqa: S603 — our own command on loopback
                command,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(logs / f"server{n}.log").open("wb"),
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    return procs, bases


def _wait_ready(bases: list[str], token: str, procs: list[Any]) -> None:
    import httpx

    logs = os.environ["DUBAN_DATA_DIR"]
    deadline = time.monotonic() + 90
    for base in bases:
        while True:
            for p in procs:
                if p.poll() is not None:
                    raise SystemExit(f"server exited ({p.returncode}): see its log in {logs}")
            try:
                r = httpx.get(
                    base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=5
                )
                if r.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"server at {base} did not answer in 90 s")
            time.sleep(0.3)


def _reconcile(period: Any, by_unit: dict[int, list[int]], run: Run, keys: int) -> dict[str, int]:
    from django.db import connection

    from duban.api.models import IdempotentRequest
    from duban.reporting.models import MonthlyReport

    connection.close()
    items = [i for ids in by_unit.values() for i in ids]
    stored = {
        (r.work_item_id): (r.pk, r.version, r.state)
        for r in MonthlyReport.objects.filter(
            work_item_id__in=items, year=period.year, month=period.month
        )
    }
    counts = Counter(
        MonthlyReport.objects.filter(
            work_item_id__in=items, year=period.year, month=period.month
        ).values_list("work_item_id", flat=True)
    )
    lost = sum(1 for i in run.accepted if i not in stored)
    unaccounted = sum(1 for i in stored if i not in run.accepted and i not in run.unanswered)
    in_flight = sum(1 for i in stored if i not in run.accepted and i in run.unanswered)
    doubled = sum(1 for c in counts.values() if c > 1)
    rewritten = sum(
        1
        for i, (pk, version) in run.accepted.items()
        if i in stored and stored[i][:2] != (pk, version)
    )
    return {
        "accepted": len(run.accepted),
        "stored": len(stored),
        "lost": lost,
        "stored but not accepted": unaccounted,
        "stored, answer not read (in flight at the time limit)": in_flight,
        "doubled": doubled,
        "written again after acceptance (retry or conflict)": rewritten,
        "retry answers differing from the first": run.retry_mismatch,
        "conflicting edits written": run.conflict_written,
        "idempotency keys stored": IdempotentRequest.objects.filter(
            key__startswith="burst-"
        ).count(),
        "idempotency keys sent": keys,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20000, help="items in the province set")
    parser.add_argument("--problems", type=int, default=0, help="problems in the province set")
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a database is made on it)")
    parser.add_argument("--database-url", help="use this database as is (built if empty)")
    parser.add_argument(
        "--database-name", help="with --postgres: the database to make (default: one per run)"
    )
    parser.add_argument("--redis", help="DUBAN_REDIS_URL for the servers")
    parser.add_argument("--base-url", action="append", help="servers already running (loopback)")
    parser.add_argument("--servers", type=int, default=1, help="app processes to start")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers per server")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch-share", type=float, default=0.5)
    parser.add_argument("--retry-share", type=float, default=0.05)
    parser.add_argument("--conflict-share", type=float, default=0.02)
    parser.add_argument("--request-timeout", type=float, default=120)
    parser.add_argument("--time-limit", type=float, default=1200, help="seconds for the burst")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 256 or not 1 <= args.servers <= 8 or args.units < 1:
        parser.error("concurrency 1–256, servers 1–8, units ≥ 1")
    for base in args.base_url or []:
        if urlsplit(base).hostname not in LOOPBACK:
            parser.error(f"loopback only: {base}")

    made = _setup(args)
    from django.db import connection

    from benchmarks import migrate
    from duban.demo.province import ProvinceSize, build_province

    migrate()
    units = max(10, args.units)
    built = build_province(
        size=ProvinceSize(units=units, items=max(args.items, 20), problems=args.problems)
    )
    engine = connection.vendor
    print(f"database: {engine}; province set built in {built.seconds:.1f} s: {built.counts}")
    period, by_unit, tokens, lower = _month_to_report(args.units)
    n_reports = sum(len(v) for v in by_unit.values())
    rng = random.Random(args.seed)  # noqa: S311 — a reproducible plan, not a secret
    jobs = _plan(args, period, by_unit, rng)
    procs: list[Any] = []
    try:
        if args.base_url:
            bases = list(args.base_url)
        else:
            procs, bases = _start_servers(args)
        _wait_ready(bases, next(iter(tokens.values())), procs)
        layout = (
            f"{len(bases)} server(s) given"
            if args.base_url
            else f"{args.servers} server(s) × {args.workers} worker(s) × {args.threads} threads"
        )
        print(
            f"burst: {period}, {len(by_unit)} units, {n_reports} reports, {len(jobs)} requests "
            f"({sum(j.kind == 'batch' for j in jobs)} batches, "
            f"{sum(j.kind == 'single' for j in jobs)} single, {sum(j.retry for j in jobs)} retried, "
            f"{sum(j.conflict for j in jobs)} conflicting edits); {layout}; "
            f"concurrency {args.concurrency}"
        )
        meter = CpuMeter([p.pid for p in procs], os.environ.get("DATABASE_URL"))
        measured = CpuMeter.available()
        load_before = os.getloadavg()
        if measured:
            meter.start()
        client_before = time.process_time()
        run, seconds = asyncio.run(_burst(args, bases, tokens, jobs, rng))
        client_cpu = time.process_time() - client_before
        cpu = meter.stop() if measured else {}
        load_after = os.getloadavg()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    figures = _reconcile(period, by_unit, run, len(jobs))
    latencies = [a.seconds * 1000 for a in run.answers]
    by_kind: dict[str, Counter[str]] = {}
    for a in run.answers:
        label = a.error or str(a.status) + (" replayed" if a.replayed else "")
        by_kind.setdefault(a.kind, Counter())[label] += 1
    print(
        f"accepted reports per second: {figures['accepted'] / seconds:.1f} "
        f"({figures['accepted']} in {seconds:.1f} s; {len(run.answers) / seconds:.1f} requests/s)"
    )
    print(
        f"latency ms, all requests: p50 {_pct(latencies, 50):.0f}, p95 {_pct(latencies, 95):.0f}, "
        f"p99 {_pct(latencies, 99):.0f}"
    )
    for kind in ("single", "batch", "retry", "conflict", "after error"):
        values = [a.seconds * 1000 for a in run.answers if a.kind == kind]
        if values:
            print(
                f"  {kind}: {len(values)} requests, p50 {_pct(values, 50):.0f}, "
                f"p95 {_pct(values, 95):.0f}, p99 {_pct(values, 99):.0f}"
            )
    if cpu and figures["accepted"]:
        cpu["client"] = max(0.0, client_cpu - meter.own)
        total = sum(cpu.values())
        per = {k: v * 1000 / figures["accepted"] for k, v in cpu.items()}
        servers = (
            f"app servers {per['app servers']:.1f}"
            if procs
            else "app servers not measured (servers given with --base-url)"
        )
        database = (
            f"PostgreSQL backends {per['PostgreSQL']:.1f}, " if meter.database_measured else ""
        )
        print(
            f"CPU ms per accepted report (user + system): {servers}, "
            f"{database}client {per['client']:.1f}; "
            f"total {total * 1000 / figures['accepted']:.1f} "
            f"({total:.1f} CPU s in {seconds:.1f} s on {os.cpu_count()} cores); "
            f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
        )
    print(
        "answers by kind: "
        + json.dumps({k: dict(v) for k, v in by_kind.items()}, ensure_ascii=False)
    )
    print("reconciliation: " + json.dumps(figures, ensure_ascii=False))
    print(
        f"lower bound: the same {n_reports} inserts as plain SQL in one connection: "
        f"{lower:.2f} s ({n_reports / lower:.0f} rows/s)"
    )
    ok = (
        figures["lost"] == 0
        and figures["doubled"] == 0
        and figures["stored but not accepted"] == 0
        and figures["written again after acceptance (retry or conflict)"] == 0
        and figures["retry answers differing from the first"] == 0
        and figures["conflicting edits written"] == 0
        and figures["accepted"] + len(run.unanswered) >= n_reports
    )
    if figures["accepted"] < n_reports:
        print(
            f"not all sent: {n_reports - figures['accepted']} reports unanswered when the time "
            f"limit ({args.time_limit:.0f} s) stopped the client; the figures above are for "
            "what was answered"
        )
    print("reconciliation: OK" if ok else "reconciliation: FAILED")
    if made and not args.keep:
        import psycopg

        connection.close()
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

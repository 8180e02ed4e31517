"""Benchmarks: each prints its figures beside a lower bound measured in the same run."""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
from pathlib import Path


def migrate() -> None:
    """`migrate` the benchmark's throw-away database.

    With DUBAN_BENCH_MIGRATED naming an already migrated SQLite file (the smoke tests make one
    per run), a new SQLite database starts as a copy of it, and `migrate` finds nothing to do:
    Django's migration planner costs about half a minute of CPU per fresh database, and the
    benchmarks measure what comes after it."""
    from django.core.management import call_command
    from django.db import connection

    template = os.environ.get("DUBAN_BENCH_MIGRATED")
    if template and Path(template).is_file() and connection.vendor == "sqlite":
        name = Path(str(connection.settings_dict["NAME"]))
        if "django_migrations" not in connection.introspection.table_names():
            connection.close()
            for stale in (name, Path(f"{name}-wal"), Path(f"{name}-shm")):
                stale.unlink(missing_ok=True)
            shutil.copyfile(template, name)
    call_command("migrate", verbosity=0)


def reuse_start(reuse: Path | None) -> None:
    """`--reuse FILE`: the run's working SQLite database (deleted when the run ends, a
    province's is ~280 MB) starts as a copy of FILE when FILE exists."""
    if reuse is None:
        return
    data_dir = Path(os.environ["DUBAN_DATA_DIR"])
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    if reuse.is_file():
        shutil.copyfile(reuse, data_dir / "duban.sqlite3")


def reuse_save(reuse: Path | None) -> None:
    """`--reuse FILE` when FILE did not exist: the data set just built is copied to FILE."""
    if reuse is None or reuse.is_file():
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(Path(os.environ["DUBAN_DATA_DIR"]) / "duban.sqlite3", reuse)
    print(f"data set saved to {reuse} (reuse it: --reuse {reuse})")


def province_arguments(parser: argparse.ArgumentParser) -> None:
    """The size of the province-sized data set and how many runs each measure takes."""
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--problems", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=3)

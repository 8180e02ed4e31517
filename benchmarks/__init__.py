"""Benchmarks: each prints its figures beside a lower bound measured in the same run."""

from __future__ import annotations

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

"""The notify benchmark still runs (a small burst): it is the issue's measurement, not a test
of speed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass")
def test_notify_benchmark_runs_and_prints_its_figures(bench_env):
    env = bench_env
    out = subprocess.run(  # noqa: S603 — our own script
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_notify.py"),
            *("--users", "20", "--groups", "2", "--per-user", "2", "--extra-per-robot", "25"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # most of it is `migrate` on a busy machine
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "40 notifications to 20 users and 2 groups" in out.stdout
    assert "20 emails + 2 robot messages" in out.stdout
    assert "at most 20 a minute went to one robot" in out.stdout

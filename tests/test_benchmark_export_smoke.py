"""The export benchmark still runs (a small province): a measurement, not a test of speed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass")
def test_export_benchmark_runs_and_prints_its_figures(bench_env):
    out = subprocess.run(  # noqa: S603 — our own script
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_export.py"),
            *("--units", "20", "--items", "100", "--problems", "50", "--repeat", "1"),
        ],
        capture_output=True,
        text=True,
        env=bench_env,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "ledger (导出台账), every item" in out.stdout
    assert "problem list (问题清单 导出Excel), as downloaded" in out.stdout
    assert "lower bound: the same cells' values" in out.stdout

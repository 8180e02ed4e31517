"""The bulletin benchmark still runs (a small province): the issue's measurement, not a test of
speed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass")
@pytest.mark.parametrize(
    ("options", "state"),
    [((), "open month: its kept rows"), (("--closed",), "closed month: its snapshot")],
)
def test_bulletin_benchmark_runs_and_prints_its_figures(bench_env, options, state):
    env = bench_env
    out = subprocess.run(  # noqa: S603 — our own script
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_bulletin.py"),
            *("--units", "20", "--items", "100", "--problems", "50", "--repeat", "1"),
            *options,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "monthly report end to end (figures, tables with charts, HTML, Word)" in out.stdout
    assert "queries: every figure of the catalogue" in out.stdout
    assert f"figures, {state})" in out.stdout
    # The bound computes the bulletin's figures: the bench stops when a value differs.
    assert "their values equal the bulletin's stored figures" in out.stdout

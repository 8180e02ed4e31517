"""The assessment benchmark still runs (a small province): it is the issue's measurement, not
a test of speed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(  # noqa: S603 — our own script
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_assessment.py"),
            *("--units", "20", "--items", "100", "--problems", "50", "--repeat", "1"),
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def _queries(stdout: str, what: str) -> list[str]:
    return [ln.split(": ")[-1] for ln in stdout.splitlines() if ln.startswith(f"queries: {what}")]


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass")
def test_assessment_benchmark_runs_and_prints_its_figures(bench_env, tmp_path):
    kept = tmp_path / "kept" / "closed.sqlite3"
    stdout = _run(bench_env, "--keep", str(kept))
    assert "twelve months closed (each scored inside its close" in stdout
    assert "rank the year: 12 months, 4 quarters and the year graded" in stdout
    assert "score a month from its facts" in stdout
    assert "events written alone: the one INSERT … SELECT" in stdout
    # The same number of queries for two months (a fixed number, whatever the data).
    for what in ("recompute", "rank 20", "score from scratch"):
        counts = _queries(stdout, what)
        assert len(counts) == 2 and counts[0] == counts[1], (what, counts)
    # A later run starts from the kept database: no build, no closes, the same queries.
    again = _run({**bench_env, "DUBAN_DATA_DIR": str(tmp_path / "again")}, "--reuse", str(kept))
    assert f"closed before, kept in {kept}" in again and "data set built" not in again
    assert _queries(again, "recompute") == _queries(stdout, "recompute")

"""`duban backup -o FILE` → `duban restore FILE` into an empty data directory (and database)
gives the same figures, on SQLite and on PostgreSQL; the files are owner-only."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from duban.problems import services as svc
from tests import factories as f
from tests.problem_factories import AssignedProblemFactory

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.7\n1 0 obj\n"


def _duban(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "duban.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def facts(transactional_db, district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    f.ReportFactory(work_item=district.item_a, month=3, investment_month=Decimal("1234.5678"))
    problem = AssignedProblemFactory(work_item=district.item_a, reported_by=district.reporter_a)
    svc.evidence_add(
        problem=problem, by=district.reporter_a, file=ContentFile(PDF, name="批复.pdf")
    )
    return district


def _backup(tmp_path: Path) -> Path:
    target = tmp_path / "out" / "duban.tar.gz"
    call_command("backup", "-o", str(target))
    assert _mode(target) == 0o600
    return target


def _env(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {**os.environ, "DUBAN_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _tampered(source: Path, target: Path) -> Path:
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read() if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.loads(data)
                next(iter(manifest["figures"].values()))["rows"] = "999"
                data = json.dumps(manifest).encode()
                member.size = len(data)
            new.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


def test_round_trip_on_sqlite(facts, tmp_path, on_postgres):
    if on_postgres:
        pytest.skip("the SQLite round trip; test_round_trip_on_postgresql runs on PostgreSQL")
    backup = _backup(tmp_path)
    restored = tmp_path / "restored"
    done = _duban(["restore", str(backup)], _env(restored))
    assert done.returncode == 0, done.stderr
    assert "一致" in done.stdout
    assert _mode(restored) == 0o700
    assert _mode(restored / "duban.sqlite3") == 0o600
    assert [p.read_bytes() for p in (restored / "media").rglob("*.pdf")] == [PDF]
    # a second restore into the now full directory is refused, nothing overwritten
    again = _duban(["restore", str(backup)], _env(restored))
    assert again.returncode != 0 and "不是空的" in again.stderr
    # the check can fail: figures that don't match the restored copy are reported
    bad = _duban(
        ["restore", str(_tampered(backup, tmp_path / "bad.tar.gz"))], _env(tmp_path / "r2")
    )
    assert bad.returncode != 0 and "不一致" in bad.stderr


def test_round_trip_on_postgresql(facts, tmp_path, on_postgres):
    if not on_postgres:
        pytest.skip("the PostgreSQL round trip; test_round_trip_on_sqlite runs on SQLite")
    backup = _backup(tmp_path)
    name = f"duban_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        settings_dict = connection.settings_dict
        url = (
            f"postgres://{settings_dict['USER']}:{settings_dict.get('PASSWORD') or ''}@"
            f"{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}/{name}"
        )
        restored = tmp_path / "restored"
        done = _duban(["restore", str(backup)], _env(restored, url))
        assert done.returncode == 0, done.stderr
        assert "一致" in done.stdout
        assert _mode(restored) == 0o700
        assert [p.read_bytes() for p in (restored / "media").rglob("*.pdf")] == [PDF]
        again = _duban(["restore", str(backup)], _env(tmp_path / "other", url))
        assert again.returncode != 0 and "不是空的" in again.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_new_data_directory_and_database_are_owner_only(tmp_path, on_postgres):
    if on_postgres:
        pytest.skip("the SQLite file's mode; PostgreSQL keeps its files in its own directory")
    data_dir = tmp_path / "fresh"
    # Any command that opens the database creates both (a full `migrate` costs half a minute
    # and changes nothing here: the modes are set when the directory and connection are made).
    done = _duban(["showmigrations", "core"], _env(data_dir))
    assert done.returncode == 0, done.stderr
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "duban.sqlite3") == 0o600

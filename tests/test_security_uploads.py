"""Upload limits: a zip bomb and a workbook of 200,000 formatted empty rows are refused with
a clear message before they are read, and the refusal costs little memory (peak RSS measured
in a fresh process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from duban.org.services import api_token_create
from tests.security_uploads import long_formatted_xlsx, zip_bomb_xlsx

ROOT = Path(__file__).resolve().parent.parent
# The attacks took the server to 1–8 GB. A refusal may cost at most this much more than
# reading a one-cell workbook in the same kind of fresh process.
EXTRA_RSS_LIMIT_MB = 100


def _read_in_subprocess(path: Path, tmp_path: Path) -> dict:
    env = {**os.environ, "DUBAN_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.security_uploads", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory) -> int:
    """Peak RSS of a fresh process reading a harmless one-cell workbook."""
    import openpyxl

    folder = tmp_path_factory.mktemp("base")
    book = openpyxl.Workbook()
    book.active["A1"] = "序号"
    book.save(folder / "small.xlsx")
    return _read_in_subprocess(folder / "small.xlsx", folder)["peak_rss_mb"]


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return zip_bomb_xlsx(tmp_path_factory.mktemp("up") / "bomb.xlsx")


@pytest.fixture(scope="module")
def long_rows(tmp_path_factory) -> Path:
    return long_formatted_xlsx(tmp_path_factory.mktemp("up") / "long.xlsx")


def test_zip_bomb_is_refused_from_its_directory_with_bounded_memory(bomb, tmp_path, baseline_mb):
    assert bomb.stat().st_size < 2 * 1024 * 1024
    outcome = _read_in_subprocess(bomb, tmp_path)
    assert outcome["refused"] is True
    assert "解压后超过" in outcome["message"]
    assert outcome["peak_rss_mb"] < baseline_mb + EXTRA_RSS_LIMIT_MB


def test_200000_formatted_rows_are_refused_with_bounded_memory(long_rows, tmp_path, baseline_mb):
    outcome = _read_in_subprocess(long_rows, tmp_path)
    assert outcome["refused"] is True
    assert "200,000行" in outcome["message"]
    assert "空白行列" in outcome["message"]
    assert outcome["peak_rss_mb"] < baseline_mb + EXTRA_RSS_LIMIT_MB


def test_rows_are_checked_again_when_the_dimension_is_missing(tmp_path, baseline_mb):
    path = long_formatted_xlsx(tmp_path / "nodim.xlsx", rows=120_000, dimension=False)
    outcome = _read_in_subprocess(path, tmp_path)
    assert outcome["refused"] is True
    assert "120,000行" in outcome["message"]
    assert outcome["peak_rss_mb"] < baseline_mb + EXTRA_RSS_LIMIT_MB


def test_ledger_import_api_and_monthly_workbook_refuse_the_bomb(district, bomb):
    office = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=district.office)}")
    with bomb.open("rb") as fh:
        response = office.post("/api/v1/ledger-imports", {"file": fh, "year": 2024})
    assert response.status_code == 422
    assert "解压后超过" in json.dumps(response.json(), ensure_ascii=False)
    reporter = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=district.reporter_a)}")
    with bomb.open("rb") as fh:
        response = reporter.post("/api/v1/monthly-workbook", {"file": fh})
    assert response.status_code == 422
    assert "解压后超过" in json.dumps(response.json(), ensure_ascii=False)


def test_a_zip_whose_directory_understates_its_size_is_refused(settings):
    import io
    import struct
    import zipfile

    from duban.core.uploads import UploadRefusedError, zip_check

    settings.DUBAN_UPLOAD_MAX_UNPACKED_BYTES = 1024 * 1024
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b" " * (5 * 1024 * 1024))
    data = bytearray(buf.getvalue())
    # declare 1,000 bytes in the local header (offset 22) and the central directory (offset 24)
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    data[local + 22 : local + 26] = struct.pack("<I", 1000)
    data[central + 24 : central + 28] = struct.pack("<I", 1000)
    with pytest.raises(UploadRefusedError, match=r"损坏|解压后超过"):
        zip_check(bytes(data))

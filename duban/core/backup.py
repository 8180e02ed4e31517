"""Backup and restore of one installation: the database and the uploaded files in one file.

`duban backup -o FILE` writes a gzip'd tar, owner-only (0600), holding:
- `manifest.json`: when, which database, and the *figures* — every duban table's row count
  and the sum of each of its decimal columns (万元 amounts), read in the same snapshot;
- the database: SQLite through its online backup API (consistent while the app runs), or
  PostgreSQL through `pg_dump --format=custom`;
- `media/` (evidence and other uploads) and the `secret_key` file when there is one.

`duban restore FILE` puts it back into an empty data directory (and, on PostgreSQL, an
empty database), then computes the figures again from the restored copy and fails unless
they are the same.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, models
from django.db.models import Sum

from duban.core import clock
from duban.core.errors import ApplicationError

FORMAT = 1
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"


def figures() -> dict[str, dict[str, str]]:
    """Per duban table: its row count and the sum of every decimal column, as strings."""
    out: dict[str, dict[str, str]] = {}
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if not model.__module__.startswith("duban.") or model._meta.proxy:
            continue
        decimals = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.DecimalField)
        ]
        qs = model._default_manager.all()
        row: dict[str, str] = {"rows": str(qs.count())}
        if decimals:
            sums = qs.aggregate(**{f"sum_{n}": Sum(n) for n in decimals})
            for name in decimals:
                value = sums[f"sum_{name}"]
                row[name] = str(Decimal(value).normalize()) if value is not None else "0"
        out[model._meta.label] = row
    return out


def _vendor() -> str:
    return connection.vendor


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump / pg_restore, the password in the environment."""
    db = connections["default"].settings_dict
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return [*args, "--dbname", str(db["NAME"])], env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ApplicationError(
            f"找不到 {name}：请安装与数据库服务器同一主版本的 PostgreSQL 客户端工具。"
        )
    return found


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(clock.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def backup_write(target: Path) -> dict[str, Any]:
    """Write a backup to `target` (created 0600); returns its manifest."""
    data_dir = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        vendor = _vendor()
        if vendor == "sqlite":
            db_file = Path(tmp) / SQLITE_NAME
            connection.ensure_connection()
            source = connection.connection
            # The online backup API copies a consistent snapshot while others keep writing;
            # the figures are read in the same transaction so they describe that snapshot.
            with connection.cursor():
                dest = sqlite3.connect(db_file)
                try:
                    source.backup(dest)
                finally:
                    dest.close()
            snapshot = figures()
        elif vendor == "postgresql":
            db_file = Path(tmp) / PG_NAME
            args, env = _pg_env()
            snapshot = figures()
            subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(db_file), *args],
                check=True,
                env=env,
                capture_output=True,
            )
        else:
            raise ApplicationError(f"不支持备份此数据库：{vendor}")
        manifest = {
            "format": FORMAT,
            "created_at": clock.now().isoformat(),
            "database": vendor,
            "figures": snapshot,
        }
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False).encode())
            tar.add(db_file, arcname=db_file.name)
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                tar.add(media, arcname="media")
            key = data_dir / "secret_key"
            if key.is_file():
                tar.add(key, arcname="secret_key")
        os.chmod(target, 0o600)
    return manifest


def _safe_members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    for member in tar.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise ApplicationError(f"备份文件中有不安全的路径：{member.name}")
        yield member


@contextmanager
def _opened(source: Path) -> Iterator[tuple[tarfile.TarFile, dict[str, Any]]]:
    try:
        tar = tarfile.open(source, mode="r:gz")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as e:
        raise ApplicationError(f"无法读取备份文件 {source}：{e}") from e
    with tar:
        try:
            manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        except (KeyError, AttributeError, ValueError) as e:
            raise ApplicationError("这不是督办的备份文件（缺少 manifest.json）。") from e
        if manifest.get("format") != FORMAT:
            raise ApplicationError(f"不认识的备份格式：{manifest.get('format')}")
        yield tar, manifest


def _data_dir_is_empty(data_dir: Path) -> bool:
    # The settings create the (empty) static folder on start; nothing else may be there.
    return not data_dir.exists() or all(p.name == "static" for p in data_dir.iterdir())


def backup_restore(source: Path) -> dict[str, Any]:
    """Restore `source` into the configured (empty) data directory and database, then check
    the restored copy gives the backup's figures. ApplicationError when it does not."""
    data_dir = Path(settings.DATA_DIR)
    with _opened(source) as (tar, manifest):
        vendor = _vendor()
        if manifest["database"] != vendor:
            raise ApplicationError(
                f"备份来自 {manifest['database']} 数据库，当前配置的是 {vendor}：请配置同类数据库后再恢复。"
            )
        if not _data_dir_is_empty(data_dir):
            raise ApplicationError(
                f"数据目录 {data_dir} 不是空的：恢复只写入空的数据目录（请设置 DUBAN_DATA_DIR 指向新目录）。"
            )
        if vendor == "postgresql" and connection.introspection.table_names():
            raise ApplicationError(
                "目标数据库不是空的：恢复只写入空数据库（请新建一个数据库并设置 DATABASE_URL）。"
            )
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(data_dir, 0o700)
        with tempfile.TemporaryDirectory() as tmp:
            tar.extractall(tmp, members=_safe_members(tar), filter="data")
            unpacked = Path(tmp)
            if (unpacked / "media").is_dir():
                shutil.copytree(unpacked / "media", Path(settings.MEDIA_ROOT), dirs_exist_ok=True)
            if (unpacked / "secret_key").is_file():
                shutil.copy2(unpacked / "secret_key", data_dir / "secret_key")
                os.chmod(data_dir / "secret_key", 0o600)
            if vendor == "sqlite":
                connection.close()
                target = Path(str(connections["default"].settings_dict["NAME"]))
                shutil.copyfile(unpacked / SQLITE_NAME, target)
                os.chmod(target, 0o600)
            else:
                args, env = _pg_env()
                connection.close()
                subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
                    [
                        _tool("pg_restore"),
                        "--no-owner",
                        "--exit-on-error",
                        *args,
                        str(unpacked / PG_NAME),
                    ],
                    check=True,
                    env=env,
                    capture_output=True,
                )
        restored = figures()
    if restored != manifest["figures"]:
        differing = sorted(
            k for k in manifest["figures"] if restored.get(k) != manifest["figures"][k]
        )
        raise ApplicationError(f"恢复后的数据与备份时不一致：{', '.join(differing[:10])}")
    return manifest

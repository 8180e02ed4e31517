"""`duban backup -o FILE`: the database and the uploaded files in one owner-only file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.backup import backup_write
from duban.core.errors import ApplicationError


class Command(BaseCommand):
    help = "备份数据库和上传的文件到一个文件（仅所有者可读写）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o", "--output", required=True, help="备份文件，如 duban-2024-04-03.tar.gz"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["output"])
        try:
            manifest = backup_write(target)
        except ApplicationError as e:
            raise CommandError(str(e)) from e
        rows = sum(int(t["rows"]) for t in manifest["figures"].values())
        self.stdout.write(
            self.style.SUCCESS(f"已备份到 {target}（{manifest['database']}，{rows}行数据）。")
        )

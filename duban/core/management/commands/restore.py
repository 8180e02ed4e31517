"""`duban restore FILE`: a backup back into an empty data directory, checked afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.backup import backup_restore
from duban.core.errors import ApplicationError


class Command(BaseCommand):
    help = "从备份文件恢复到空的数据目录（和空数据库），并核对恢复后的数据"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="duban backup 写出的备份文件")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_restore(Path(options["file"]))
        except ApplicationError as e:
            raise CommandError(str(e)) from e
        self.stdout.write(
            self.style.SUCCESS(
                f"已恢复 {manifest['created_at']} 的备份，{len(manifest['figures'])}张表的行数与金额合计与备份时一致。"
            )
        )

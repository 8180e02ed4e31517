"""`duban export ledger --year Y [--unit CODE] -o FILE.xlsx`: the office layout, ready to edit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.ledger.exports import ledger_export
from duban.ledger.imports.monthly import monthly_workbook
from duban.org.models import Unit


class Command(BaseCommand):
    help = "按办公室习惯的版式导出台账（标题、单位行、两行合并表头、合计行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        ledger = sub.add_parser("ledger", help="导出某年度的台账")
        ledger.add_argument("--year", type=int, required=True)
        ledger.add_argument("--unit", help="只导出该单位（单位代码）牵头或配合的事项")
        ledger.add_argument("-o", "--output", type=Path, required=True, help="输出的 .xlsx 文件")
        reports = sub.add_parser("reports", help="导出某单位某月的月报工作簿（供线下填写后导入）")
        reports.add_argument("--period", required=True, help="报告期 YYYY-MM")
        reports.add_argument("--unit", required=True, help="单位代码")
        reports.add_argument("-o", "--output", type=Path, required=True, help="输出的 .xlsx 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["output"]
        if out.suffix.lower() != ".xlsx":
            raise CommandError("只能导出为 .xlsx 文件（-o 台账.xlsx）", returncode=2)
        if not out.parent.exists():
            raise CommandError(f"目录不存在：{out.parent}", returncode=2)
        if options["what"] == "reports":
            try:
                period = Period.parse(options["period"])
            except ApplicationError as e:
                raise CommandError(str(e.message), returncode=2) from e
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"单位代码不存在：{options['unit']}", returncode=2)
            out.write_bytes(monthly_workbook(unit=unit, period=period))
            self.stdout.write(f"已导出 {unit.name} {period.label} 月报工作簿到 {out}")
            return
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"单位代码不存在：{options['unit']}", returncode=2)
        out.write_bytes(ledger_export(year=options["year"], unit=unit))
        self.stdout.write(f"已导出 {options['year']} 年台账到 {out}")

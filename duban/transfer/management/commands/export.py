"""`duban export ledger|reports …`: the office layout, ready to edit.

- `duban export ledger --year Y [--unit CODE] [--user NAME] -o FILE.xlsx`: a year's ledger,
  district-wide, one unit's, or what one user (a leader) may see.
- `duban export reports --period YYYY-MM --unit CODE -o FILE.xlsx`: the unit's fill-in workbook.
- `duban export reports --period YYYY-MM --layout office [--unit CODE] [--user NAME] -o FILE`:
  the month's reports in the office layout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.models import Unit, User
from duban.transfer.exports import ledger_export
from duban.transfer.imports.monthly import monthly_workbook
from duban.transfer.report_exports import reports_export


class Command(BaseCommand):
    help = "按办公室习惯的版式导出台账（标题、单位行、两行合并表头、合计行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        ledger = sub.add_parser("ledger", help="导出某年度的台账")
        ledger.add_argument("--year", type=int, required=True)
        ledger.add_argument("--unit", help="只导出该单位（单位代码）牵头或配合的事项")
        ledger.add_argument("--user", help="只导出该用户（如区领导）能看到的事项（用户名）")
        ledger.add_argument("-o", "--output", type=Path, required=True, help="输出的 .xlsx 文件")
        reports = sub.add_parser(
            "reports",
            help="导出某月的月报：单位的填报工作簿（fill），或办公室版式的月报汇总（office）",
        )
        reports.add_argument("--period", required=True, help="报告期 YYYY-MM")
        reports.add_argument("--unit", help="单位代码（fill 版式必填；office 版式只导出该单位）")
        reports.add_argument(
            "--layout",
            choices=["fill", "office"],
            default="fill",
            help="fill：供线下填写后导入的工作簿（默认）；office：标题、单位行、合并表头、合计行",
        )
        reports.add_argument("--user", help="office 版式：只导出该用户能看到的事项（用户名）")
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
            unit = _unit(options.get("unit"))
            user = _user(options.get("user"))
            if options["layout"] == "office":
                out.write_bytes(reports_export(period=period, unit=unit, user=user))
                who = unit.name if unit else (f"用户{user.username}可见" if user else "全区")
                self.stdout.write(f"已导出 {who} {period.label} 月报汇总到 {out}")
                return
            if unit is None:
                raise CommandError("导出月报工作簿须指定 --unit 单位代码", returncode=2)
            out.write_bytes(monthly_workbook(unit=unit, period=period))
            self.stdout.write(f"已导出 {unit.name} {period.label} 月报工作簿到 {out}")
            return
        unit = _unit(options.get("unit"))
        user = _user(options.get("user"))
        out.write_bytes(ledger_export(year=options["year"], unit=unit, user=user))
        self.stdout.write(f"已导出 {options['year']} 年台账到 {out}")


def _unit(code: str | None) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise CommandError(f"单位代码不存在：{code}", returncode=2)
    return unit


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username).select_related("unit").first()
    if user is None:
        raise CommandError(f"用户不存在：{username}", returncode=2)
    return user

# ruff: noqa: N999
"""`duban import ledger FILE [--year Y] [--dry-run] [--create-missing] [--alias N=CODE] [--unit U]
[--correct-closed --user OFFICE]` and `duban import problems FILE --user U`.

Exit 0 when imported (or, with --dry-run, when it would import), 1 when the file has errors
(every error printed, nothing written), 2 on misuse (no such file, bad arguments).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.errors import ApplicationError
from duban.org.models import User
from duban.sheets.reader import max_import_bytes
from duban.transfer.imports.choices import name_choices_read
from duban.transfer.imports.monthly import monthly_import, monthly_target
from duban.transfer.imports.plan_names import NameChoices
from duban.transfer.imports.problems import problems_import
from duban.transfer.imports.service import import_error_workbook, ledger_import


def name_choices(pairs: list[str], unit: str | None) -> NameChoices:
    """`--alias 名称=单位代码|@用户名|new` and `--unit` as the office's choices (exit 2 if wrong)."""
    try:
        return name_choices_read(pairs, unit)
    except ApplicationError as e:
        raise CommandError(str(e.message), returncode=2) from e


class Command(BaseCommand):
    help = "导入办公室现有的台账（.xlsx/.xls/.ods）：全部成功才写入，有错误则逐行列出、不写入。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        ledger = sub.add_parser("ledger", help="导入重点项目或重点工作台账")
        ledger.add_argument("file", type=Path)
        ledger.add_argument("--year", type=int, help="台账年度（默认从标题读取）")
        ledger.add_argument("--dry-run", action="store_true", help="只预览，不写入")
        ledger.add_argument(
            "--create-missing", action="store_true", help="创建台账中出现但系统中没有的单位和领导"
        )
        ledger.add_argument("--user", help="以该用户名记录导入人")
        ledger.add_argument(
            "--alias",
            action="append",
            default=[],
            metavar="名称=单位代码",
            help="表中的名称指哪个单位（单位代码）或领导（@用户名）；=new 表示新建。导入后记为别名",
        )
        ledger.add_argument(
            "--unit", metavar="单位名称或代码", help="表中没有责任单位列时，全表的责任单位"
        )
        ledger.add_argument(
            "--correct-closed",
            action="store_true",
            help="已关账月份的数据作为更正导入（从下一个未关账月份起计入；须以推进办用户 --user 导入）。"
            "默认跳过并逐行列出",
        )
        ledger.add_argument("--errors-out", type=Path, help="有错误时，把标出错误的工作簿写到此处")
        ledger.add_argument("--quiet", action="store_true", help="不逐行列出无变化的行")
        problems = sub.add_parser("problems", help="导入问题清单或销号清单")
        problems.add_argument("file", type=Path)
        problems.add_argument(
            "--user", required=True, help="导入人的用户名（单位用户只能导入本单位的问题）"
        )
        problems.add_argument("--dry-run", action="store_true", help="只预览，不写入")
        problems.add_argument(
            "--errors-out", type=Path, help="有错误时，把标出错误的工作簿写到此处"
        )
        problems.add_argument(
            "--alias", action="append", default=[], metavar="名称=单位代码", help="同 import ledger"
        )
        reports = sub.add_parser("reports", help="导入单位填好的月报工作簿")
        reports.add_argument("file", type=Path)
        reports.add_argument("--user", required=True, help="填报人的用户名")
        reports.add_argument("--submit", action="store_true", help="保存后直接报送（默认存为草稿）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "reports":
            self._reports(options)
            return
        if options["what"] == "problems":
            self._problems(options)
            return
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}", returncode=2)
        if path.stat().st_size > max_import_bytes():
            raise CommandError(
                f"文件太大（超过 {max_import_bytes() // 1048576} MB）：{path}", returncode=2
            )
        year = options.get("year")
        if year is not None and not 1900 <= year <= 2200:
            raise CommandError(f"年份不合理：{year}", returncode=2)
        by = None
        if options.get("user"):
            by = User.objects.filter(username=options["user"]).first()
            if by is None:
                raise CommandError(f"用户不存在：{options['user']}", returncode=2)
        if options["correct_closed"] and (by is None or not by.is_office):
            raise CommandError("--correct-closed 须以推进办用户导入（--user）", returncode=2)
        result = ledger_import(
            content=path.read_bytes(),
            file_name=path.name,
            by=by,
            year=year,
            dry_run=options["dry_run"],
            create_missing=options["create_missing"],
            choices=name_choices(options["alias"], options.get("unit")),
            correct_closed=options["correct_closed"],
        )
        for line in result.summary_lines(skip_unchanged=options["quiet"], errors=False):
            self.stdout.write(line)
        for line in result.error_lines():
            self.stderr.write(line)
        counts = result.counts()
        tally = (
            f"新增{counts['create']}行，更新{counts['update']}行，无变化{counts['unchanged']}行，"
            f"提示{len(result.warnings)}条"
        )
        if result.errors:
            out = options.get("errors_out")
            if out:
                book = import_error_workbook(result)
                if book:
                    Path(out).write_bytes(book)
                    self.stderr.write(f"已把标出错误的工作簿写到 {out}")
            raise CommandError(
                f"有{len(result.errors)}处错误，未导入任何数据。{tally}", returncode=1
            )
        if result.dry_run:
            self.stdout.write(f"预览完成（未写入）：{tally}")
        else:
            if result.learned:
                self.stdout.write(f"已记住的名称：{'、'.join(result.learned)}")
            if result.created_units or result.created_leaders:
                created = "、".join(result.created_units + result.created_leaders)
                self.stdout.write(f"已创建：{created}")
            self.stdout.write(f"导入完成（{result.year}年）：{tally}")

    def _problems(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}", returncode=2)
        if path.stat().st_size > max_import_bytes():
            raise CommandError(
                f"文件太大（超过 {max_import_bytes() // 1048576} MB）：{path}", returncode=2
            )
        by = User.objects.filter(username=options["user"]).select_related("unit").first()
        if by is None:
            raise CommandError(f"用户不存在：{options['user']}", returncode=2)
        result = problems_import(
            content=path.read_bytes(),
            file_name=path.name,
            by=by,
            dry_run=options["dry_run"],
            choices=name_choices(options["alias"], None),
        )
        for line in result.summary_lines(errors=False):
            self.stdout.write(line)
        for line in result.error_lines():
            self.stderr.write(line)
        counts = result.counts()
        tally = f"新增{counts['create']}个问题，已有{counts['unchanged']}个，提示{len(result.warnings)}条"
        if result.errors:
            out = options.get("errors_out")
            if out and (book := import_error_workbook(result)):
                Path(out).write_bytes(book)
                self.stderr.write(f"已把标出错误的工作簿写到 {out}")
            raise CommandError(
                f"有{len(result.errors)}处错误，未导入任何问题。{tally}", returncode=1
            )
        if result.dry_run:
            self.stdout.write(f"预览完成（未写入）：{tally}")
        else:
            if result.learned:
                self.stdout.write(f"已记住的名称：{'、'.join(result.learned)}")
            self.stdout.write(f"导入完成：{tally}")

    def _reports(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}", returncode=2)
        by = User.objects.filter(username=options["user"]).select_related("unit").first()
        if by is None:
            raise CommandError(f"用户不存在：{options['user']}", returncode=2)
        content = path.read_bytes()
        try:
            unit, period = monthly_target(content, file_name=path.name)
            result = monthly_import(
                content=content,
                file_name=path.name,
                by=by,
                unit=unit,
                period=period,
                submit=options["submit"],
            )
        except ApplicationError as e:
            raise CommandError(str(e.message), returncode=1) from e
        for issue in result.issues:
            (self.stderr if issue.is_error else self.stdout).write(str(issue))
        if result.errors:
            raise CommandError(f"有{len(result.errors)}处错误，未导入任何月报。", returncode=1)
        self.stdout.write(
            f"{unit.name} {period.label}：保存{result.saved}份月报，报送{result.submitted}份。"
        )

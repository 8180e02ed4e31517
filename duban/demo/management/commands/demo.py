"""`duban demo [--no-serve] [--port N] [--seed N] [--reset] [--scale province [--units N]
[--items N] [--problems N]]`: migrate, load 示例区 (or the province-sized set), serve."""

from __future__ import annotations

import secrets
import signal
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.demo.build import build_demo, demo_is_loaded
from duban.demo.catalogue import DEMO_PASSWORD, DemoAccount
from duban.demo.notify import start_companions
from duban.demo.province import MARKER, ProvinceSize, build_province, province_is_loaded
from duban.demo.wipe import demo_wipe
from duban.org.management.commands.serve import add_server_arguments, serve_from_options


def _exit_on_term(signum: int, frame: Any) -> None:
    raise SystemExit(0)


INSECURE_KEY_PREFIX = "insecure-"


def ensure_secret_key(data_dir: Path) -> Path | None:
    """Write a random secret key under DATA_DIR once; settings read it on the next start.

    Returns the file when it was created now, None when one was already there.
    """
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return None
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    if settings.SECRET_KEY.startswith(INSECURE_KEY_PREFIX):
        # This process started before the file existed: sign its sessions with the new key too.
        settings.SECRET_KEY = key
    return key_file


def accounts_table(accounts: list[DemoAccount]) -> list[str]:
    """The accounts as aligned text rows (Chinese characters count as two columns)."""

    def width(text: str) -> int:
        return sum(2 if ord(c) > 0x2E80 else 1 for c in text)

    def pad(text: str, cols: int) -> str:
        return text + " " * (cols - width(text))

    header = ("角色", "用户名", "密码", "可以看到")
    rows = [header] + [(a.role, a.username, DEMO_PASSWORD, a.sees) for a in accounts]
    cols = [max(width(r[i]) for r in rows) for i in range(3)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(pad(row[i], cols[i]) for i in range(3)) + "  " + row[3])
        if n == 0:
            lines.append("  ".join("-" * c for c in cols) + "  " + "-" * width(row[3]))
    return lines


class Command(BaseCommand):
    help = "载入示例区演示数据（上年全年、本年至上月），打印演示账号并启动服务。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="只载入数据，不启动服务")
        parser.add_argument("--seed", type=int, default=2024, help="随机种子（默认2024）")
        parser.add_argument(
            "--scale",
            choices=("district", "province"),
            default="district",
            help="district：示例区（默认）；province：省级规模的压测数据（批量写入）",
        )
        parser.add_argument("--units", type=int, default=2000, help="province：单位数（默认2000）")
        parser.add_argument(
            "--items", type=int, default=20000, help="province：项目和工作数（默认20000）"
        )
        parser.add_argument(
            "--problems", type=int, default=60000, help="province：问题数（默认60000）"
        )
        parser.add_argument(
            "--reset", action="store_true", help="先清空全部台账、月报和人员，再重新载入"
        )
        add_server_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        size = None
        if options["scale"] == "province":
            try:
                size = ProvinceSize(options["units"], options["items"], options["problems"])
            except ValueError as exc:
                raise CommandError("省级规模至少需要10个单位、20个事项，问题数不能为负。") from exc
        data_dir = Path(settings.DATA_DIR)
        data_dir.mkdir(parents=True, exist_ok=True)
        created_key = ensure_secret_key(data_dir)
        if created_key:
            self.stdout.write(f"已生成密钥文件：{created_key}")
        call_command("migrate", interactive=False, verbosity=0)
        if options["reset"] and (demo_is_loaded() or province_is_loaded()):
            demo_wipe()
            self.stdout.write("已清空原有数据。")
        if size is not None:
            self._province(options, size)
            return
        if province_is_loaded():
            raise CommandError("数据库中已有省级规模数据：示例区需要单独的数据库（或先 --reset）。")
        started = time.monotonic()
        result = build_demo(seed=options["seed"])
        if result.created:
            c = result.counts
            self.stdout.write(
                self.style.SUCCESS(
                    f"示例区已载入（{time.monotonic() - started:.1f}秒）：单位{c['units']}个、"
                    f"用户{c['users']}个、项目{c['projects']}个、上年事项{c['items_last_year']}项、"
                    f"本年事项{c['items_this_year']}项、月报{c['reports']}份。"
                )
            )
        else:
            self.stdout.write("示例区已经载入过，未重复创建（用 --reset 可清空后重建）。")
        self.stdout.write("")
        self.stdout.write("演示账号（密码相同）：")
        for line in accounts_table(result.accounts):
            self.stdout.write("  " + line)
        self.stdout.write("")
        if not options["no_serve"]:
            # A stop by SIGTERM (systemd, `kill`, a container) runs the cleanup like Ctrl+C does,
            # or the worker started beside the server is left running.
            signal.signal(signal.SIGTERM, _exit_on_term)
            stop = start_companions(self.stdout.write)
            try:
                serve_from_options(self, options)
            finally:
                stop()

    def _province(self, options: dict[str, Any], size: ProvinceSize) -> None:
        if demo_is_loaded():
            raise CommandError("数据库中已有示例区：省级规模数据需要单独的数据库（或先 --reset）。")
        result = build_province(seed=options["seed"], size=size)
        c = result.counts
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"省级规模数据已载入（{result.seconds:.1f}秒）：单位{c['units']}个、"
                    f"用户{c['users']}个、项目{c['projects']}个、事项{c['items']}项"
                    f"（其中{c['plan_curves']}项有月度计划）、节点{c['milestones']}个、"
                    f"月报{c['reports']}份、问题{c['problems']}个。"
                )
            )
        else:
            self.stdout.write("省级规模数据已经载入过，未重复创建（用 --reset 可清空后重建）。")
        self.stdout.write(
            f"账号：{MARKER}（推进办）、p00000-head、p00000-rep、p-leader0、p-steward0、p-viewer，"
            f"密码 {DEMO_PASSWORD}"
        )
        if not options["no_serve"]:
            serve_from_options(self, options)

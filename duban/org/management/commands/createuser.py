"""`duban createuser USERNAME --role ROLE [--unit CODE] [--name 姓名] [--password P]`."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.errors import ApplicationError
from duban.org.models import User
from duban.org.services import user_create


def _prompt_password() -> str:
    first = getpass.getpass("密码: ")
    second = getpass.getpass("再次输入密码: ")
    if first != second:
        raise CommandError("两次输入的密码不一致。")
    if not first:
        raise CommandError("密码不能为空。")
    return first


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


class Command(BaseCommand):
    help = "创建用户。角色：" + "、".join(f"{v}（{label}）" for v, label in User.Role.choices)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="角色：" + ", ".join(User.Role.values))
        parser.add_argument(
            "--unit", dest="unit_code", help="所在单位代码（单位负责人、联络员必填）"
        )
        parser.add_argument("--name", dest="full_name", default="", help="姓名")
        parser.add_argument("--title", default="", help="职务")
        parser.add_argument("--phone", default="", help="电话")
        parser.add_argument("--password", help="密码（不给则在终端提示输入）")
        parser.add_argument(
            "--superuser", action="store_true", help="同时可进入后台管理（推进办管理员）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if password is None:
            if not _stdin_is_tty():
                raise CommandError("请用 --password 给出密码，或在终端中运行以输入密码。")
            password = _prompt_password()
        try:
            user = user_create(
                username=options["username"],
                role=options["role"],
                unit_code=options["unit_code"],
                full_name=options["full_name"],
                title=options["title"],
                phone=options["phone"],
                password=password,
                is_superuser=options["superuser"],
                # The office chose this password: the user replaces it at first sign-in.
                must_change_password=True,
            )
        except ApplicationError as e:
            raise CommandError(str(e)) from e
        unit = f"，单位：{user.unit}" if user.unit else ""
        self.stdout.write(
            self.style.SUCCESS(f"已创建用户 {user.username}（{user.get_role_display()}{unit}）。")
        )

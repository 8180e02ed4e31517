"""`duban token USERNAME [--revoke-all]`: print a new API token for that user (shown once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.core.errors import ApplicationError
from duban.org.models import User
from duban.org.services import api_token_create, api_token_revoke_all


class Command(BaseCommand):
    help = "为用户签发API令牌并打印（只保存其哈希，令牌只显示这一次）；或吊销该用户的全部令牌。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--revoke-all", action="store_true", help="吊销该用户的全部令牌（不签发新令牌）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        if options["revoke_all"]:
            count = api_token_revoke_all(user=user)
            self.stdout.write(f"已吊销用户 {username} 的 {count} 个令牌。")
            return
        try:
            key = api_token_create(user=user)
        except ApplicationError as e:
            raise CommandError(str(e)) from e
        # Only the key on stdout, so scripts can capture it; the advice goes to stderr.
        self.stdout.write(key)
        self.stderr.write(f"已为 {username} 签发令牌。请妥善保存：系统只保存其哈希，不会再次显示。")

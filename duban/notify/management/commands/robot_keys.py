"""`duban robot_keys --rotate`: re-encrypt every work group's robot URL and secret with the
first key (after a new key was put first in DUBAN_ROBOT_KEYS, or a new DUBAN_SECRET_KEY with
the old one in the fallbacks)."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from duban.notify.crypto import rotate
from duban.notify.models import WorkGroup


class Command(BaseCommand):
    help = "Check or re-encrypt the stored robot URLs and secrets with the current first key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rotate", action="store_true", help="Re-encrypt with the first key (else: check)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        table = connection.ops.quote_name(WorkGroup._meta.db_table)
        done = unreadable = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT id, name, endpoint, secret FROM {table}")  # noqa: S608
            for pk, name, endpoint, secret in cursor.fetchall():
                try:
                    new = (rotate(endpoint or ""), rotate(secret or ""))
                except InvalidToken:
                    unreadable += 1
                    self.stderr.write(f"unreadable with the current keys: {name}")
                    continue
                if options["rotate"]:
                    cursor.execute(
                        f"UPDATE {table} SET endpoint = %s, secret = %s WHERE id = %s",  # noqa: S608
                        [*new, pk],
                    )
                done += 1
        verb = "re-encrypted" if options["rotate"] else "readable"
        self.stdout.write(f"robot secrets {verb}: {done}, unreadable: {unreadable}")
        if unreadable:
            raise SystemExit(1)

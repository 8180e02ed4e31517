"""History and event rows are written once: on PostgreSQL a trigger refuses any UPDATE or
DELETE of them, whoever connects (the app, psql, a script). Installed after every migrate on
every table of a django-simple-history model and on the event tables listed below, so a
history table added later is covered too.

Only `history_unlocked()` — for wiping a demo database — lifts it, for one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.db import connections, transaction

# Event logs that are history in all but name.
EVENT_TABLES = ("org_auditevent", "problems_problemevent", "assessment_scoringrun")

_FUNCTION = """
CREATE OR REPLACE FUNCTION duban_refuse_history_change() RETURNS trigger AS $$
BEGIN
    IF current_setting('duban.history_unlocked', true) = 'on' THEN
        RETURN COALESCE(NEW, OLD);
    END IF;
    RAISE EXCEPTION 'duban: % on % refused: history and event rows are never changed or deleted',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def history_tables(connection: Any) -> list[str]:
    tables = {
        m._meta.db_table
        for m in apps.get_models()
        if m.__name__.startswith("Historical") and hasattr(m, "history_id")
    }
    tables.update(EVENT_TABLES)
    existing = set(connection.introspection.table_names())
    return sorted(tables & existing)


def install_history_triggers(**kwargs: Any) -> None:
    """(Re)create the refusing trigger on every history and event table (PostgreSQL only)."""
    sender = kwargs.get("sender")
    connection = connections[kwargs.get("using") or "default"]
    if connection.vendor != "postgresql" or (sender is not None and sender.name != "duban.core"):
        return
    with connection.cursor() as cursor:
        cursor.execute(_FUNCTION)
        for table in history_tables(connection):
            name = f"duban_immutable_{table}"[:63]
            cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
            cursor.execute(
                f'CREATE TRIGGER "{name}" BEFORE UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION duban_refuse_history_change()"
            )


@contextmanager
def history_unlocked() -> Iterator[None]:
    """Within one transaction, allow deleting history rows (only to wipe a demo database)."""
    with transaction.atomic():
        if connections["default"].vendor == "postgresql":
            with connections["default"].cursor() as cursor:
                cursor.execute("SET LOCAL duban.history_unlocked = 'on'")
        yield

import sys
from typing import Any

from django.apps import AppConfig
from django.db import models
from django.db.backends.signals import connection_created
from django.db.models.signals import class_prepared, post_migrate, pre_save


def _name_choices_after_their_model(sender: type, **kwargs: Any) -> None:
    # Problem.State and Meeting.State are both "State" to pydantic, and the API spec would
    # merge them under one name (rejecting valid filters). Name each choices class after its
    # model: ProblemState, MeetingState, WorkItemKind… Connected at import, before any model.
    if not sender.__module__.startswith("duban.") or sender.__name__.startswith("Historical"):
        return
    for attr, value in list(vars(sender).items()):
        if isinstance(value, type) and issubclass(value, models.Choices) and attr == value.__name__:
            value.__name__ = value.__qualname__ = f"{sender.__name__}{attr}"
            # pickle finds a class by module and qualified name: keep that lookup working.
            setattr(sys.modules[value.__module__], value.__qualname__, value)


class_prepared.connect(_name_choices_after_their_model, dispatch_uid="duban.core.choices_names")


def _strip_controls_before_save(
    sender: type, instance: Any, raw: bool = False, **kwargs: Any
) -> None:
    # Every save of every model, whatever the door (page, API, admin, CLI): no control
    # character reaches the database, so none can break an export later.
    from duban.core.text import strip_model_text

    strip_model_text(instance)


def _history_at_clock(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    """History rows are dated by `duban.core.clock`, like the rows they record (unless the
    caller set the instance's own `_history_date`)."""
    if not hasattr(instance, "_history_date"):
        from duban.core import clock

        history_instance.history_date = clock.now()


def _owner_only_sqlite_files(sender: Any, connection: Any, **kwargs: Any) -> None:
    # The SQLite database (and its WAL files) hold everything: readable by the owner only.
    import os
    import stat
    from pathlib import Path

    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name.startswith("file:") or ":memory:" in name:
        return
    for path in (Path(name), Path(name + "-wal"), Path(name + "-shm")):
        if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)


# The SQL duban writes itself needs SQLite 3.35 (INSERT … RETURNING, UPDATE … FROM, MATERIALIZED).
SQLITE_MINIMUM = (3, 35)


def sqlite_version_check(**kwargs: Any) -> list[Any]:
    """A system check: on SQLite, the library this Python uses is new enough (an older one
    fails later, at the first bulk write, with a syntax error nobody can act on)."""
    import sqlite3

    from django.conf import settings

    engine = settings.DATABASES.get("default", {}).get("ENGINE", "")
    return sqlite_version_errors(engine, sqlite3.sqlite_version_info, sqlite3.sqlite_version)


def sqlite_version_errors(engine: str, have: tuple[int, ...], text: str) -> list[Any]:
    from django.core import checks

    if not engine.endswith("sqlite3") or have >= SQLITE_MINIMUM:
        return []
    need = ".".join(map(str, SQLITE_MINIMUM))
    return [
        checks.Error(
            f"duban needs SQLite {need} or newer; this Python uses SQLite {text}.",
            hint=(
                "Use a Python 3.11 built with a newer SQLite (python.org's installers, Debian 12 "
                "and Ubuntu 22.04 have one), or PostgreSQL (set DATABASE_URL)."
            ),
            id="duban.E001",
        )
    ]


class CoreConfig(AppConfig):
    name = "duban.core"
    label = "core"

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        pre_create_historical_record.connect(
            _history_at_clock, dispatch_uid="duban.core.history_at_clock"
        )
        pre_save.connect(_strip_controls_before_save, dispatch_uid="duban.core.strip_controls")
        from duban.core.immutable import install_history_triggers

        post_migrate.connect(install_history_triggers, dispatch_uid="duban.core.history_triggers")
        connection_created.connect(_owner_only_sqlite_files, dispatch_uid="duban.core.sqlite_mode")
        from django.core import checks

        checks.register(sqlite_version_check)

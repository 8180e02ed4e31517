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

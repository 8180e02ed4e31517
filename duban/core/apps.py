from typing import Any

from django.apps import AppConfig
from django.db import models
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

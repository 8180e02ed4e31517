from typing import Any

from django.apps import AppConfig


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

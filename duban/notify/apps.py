from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "duban.notify"
    label = "notify"
    verbose_name = _("提醒")

    def ready(self) -> None:
        from duban.core import events
        from duban.notify.delivery import group_notices_for_events
        from duban.notify.services import notifications_create_for_events

        # In batches: a request's events (a unit's whole month) in one pass.
        events.subscribe_batch(notifications_create_for_events)
        events.subscribe_batch(group_notices_for_events)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "duban.notify"
    label = "notify"
    verbose_name = _("提醒")

    def ready(self) -> None:
        from duban.core import events
        from duban.notify.delivery import group_notices_for_event
        from duban.notify.services import notification_create_for_event

        events.subscribe(notification_create_for_event)
        events.subscribe(group_notices_for_event)

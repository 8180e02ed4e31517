from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "duban.supervision"
    label = "supervision"
    verbose_name = _("提示与亮牌")

    def ready(self) -> None:
        from duban.reporting.signals import month_closed
        from duban.supervision.services.cards import on_month_closed

        month_closed.connect(on_month_closed, dispatch_uid="supervision.cards")

        from duban.reporting.item_panels import register_item_panel
        from duban.supervision.selectors import item_panel

        register_item_panel(item_panel)

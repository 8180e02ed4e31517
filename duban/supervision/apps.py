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

        from duban.core.home_panels import HomePanel, register_home_panel
        from duban.supervision.selectors import item_panel

        register_home_panel(
            HomePanel(
                key="supervision.item",
                homes=("item",),
                order=90,
                template="supervision/_item.html",
                context=lambda user, *, item: (item_panel(user, item) or (None, None))[1],
            )
        )

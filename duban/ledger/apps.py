from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "duban.ledger"
    label = "ledger"
    verbose_name = _("台账")

    def ready(self) -> None:
        from duban.ledger import scoping

        scoping.register()

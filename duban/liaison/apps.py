from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "duban.liaison"
    label = "liaison"
    verbose_name = _("包联与走访")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SheetsConfig(AppConfig):
    name = "duban.sheets"
    label = "sheets"
    verbose_name = _("表格读写")

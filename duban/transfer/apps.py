from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    """Office spreadsheets in and out: ledger import, monthly workbooks, exports.

    Above reporting: it writes monthly reports and reads their figures, which the ledger
    (below reporting) may not import.
    """

    name = "duban.transfer"
    label = "transfer"
    verbose_name = _("导入导出")

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

    def ready(self) -> None:
        # The problem list's columns may be named by the office too (sheets.ColumnAlias).
        from duban.transfer.imports import problem_columns  # noqa: F401

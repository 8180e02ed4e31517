"""The office's own column names (别名表), added to the built-in synonyms."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.core.models import TimeStampedModel
from duban.sheets.fields import FIELD_CHOICES


class ColumnAlias(TimeStampedModel):
    """A column heading as an office writes it, and the ledger field it means."""

    alias = models.CharField(
        _("列名"), max_length=100, unique=True, help_text=_("表头文字，如“包抓领导”。")
    )
    field = models.CharField(_("对应字段"), max_length=30, choices=FIELD_CHOICES)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["field", "alias"]
        verbose_name = _("列名别名")
        verbose_name_plural = _("列名别名")

    def __str__(self) -> str:
        return f"{self.alias} → {self.get_field_display()}"

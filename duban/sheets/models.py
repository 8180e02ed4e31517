"""The office's own column names (别名表), added to the built-in synonyms."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.core.models import TimeStampedModel
from duban.sheets.fields import SCHEMAS, field_choices, schema_choices


class ColumnAlias(TimeStampedModel):
    """A column heading as an office writes it, and the field it means in one kind of list
    (the ledger's, or a problem list's: the same heading may mean different things there)."""

    schema = models.CharField(
        _("表格类型"), max_length=20, default="ledger", choices=schema_choices
    )
    alias = models.CharField(_("列名"), max_length=100, help_text=_("表头文字，如“包抓领导”。"))
    field = models.CharField(_("对应字段"), max_length=30, choices=field_choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["schema", "field", "alias"]
        verbose_name = _("列名别名")
        verbose_name_plural = _("列名别名")
        constraints = [
            models.UniqueConstraint(fields=["schema", "alias"], name="column_alias_unique")
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.field_label}"

    @property
    def field_label(self) -> str:
        schema = SCHEMAS.get(self.schema)
        if schema is None or self.field not in schema.fields:
            return self.field
        return schema.fields[self.field][0]

    def clean(self) -> None:
        schema = SCHEMAS.get(self.schema)
        if schema is not None and self.field not in schema.fields:
            raise ValidationError({"field": _("这种表格没有这个字段。")})

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A row edited from forms: `version` detects a concurrent edit (optimistic lock)."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


def money_field(verbose_name: str | Promise, **kwargs: object) -> models.DecimalField:
    """Money is stored in 万元 with four decimals (one yuan)."""
    kwargs.setdefault("max_digits", 16)
    kwargs.setdefault("decimal_places", 4)
    return models.DecimalField(verbose_name, **kwargs)  # type: ignore[arg-type]

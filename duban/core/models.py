from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from duban.core import clock


class ClockDateTimeField(models.DateTimeField):  # type: ignore[type-arg]
    """A DateTimeField whose auto_now/auto_now_add stamps read `duban.core.clock`, so a row
    written under `clock.travel` (tests, the demo's story) is stamped with that moment.

    It is a plain DateTimeField to the migrations (same deconstruction).
    """

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        if self.auto_now or (self.auto_now_add and add):
            value: datetime = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


class TimeStampedModel(models.Model):
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(TimeStampedModel):
    """A row edited from forms: `version` detects a concurrent edit (optimistic lock)."""

    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        abstract = True


class SingletonModel(models.Model):
    """A table of one row (pk 1) of settings with defaults: reading it never writes.

    `load()` returns the stored row, or an unsaved one holding the defaults (so a page view is
    a read, whatever the database holds); the row is created by its first save.
    """

    SINGLETON_PK = 1

    class Meta:
        abstract = True

    @classmethod
    def load(cls) -> Self:
        found = cls._default_manager.filter(pk=cls.SINGLETON_PK).first()
        return found if found is not None else cls(pk=cls.SINGLETON_PK)

    @classmethod
    def load_for_update(cls) -> Self:
        """The row locked for a change (created with its defaults if it is not stored yet);
        inside a transaction."""
        cls._default_manager.get_or_create(pk=cls.SINGLETON_PK)
        return cls._default_manager.select_for_update().get(pk=cls.SINGLETON_PK)


def money_field(verbose_name: str | Promise, **kwargs: object) -> models.DecimalField:
    """Money is stored in 万元 with four decimals (one yuan)."""
    kwargs.setdefault("max_digits", 16)
    kwargs.setdefault("decimal_places", 4)
    return models.DecimalField(verbose_name, **kwargs)  # type: ignore[arg-type]

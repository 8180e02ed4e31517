"""Services of the supervision app. Every change of an existing record names the `version`
the user read (pages carry it in a hidden field, the API in the body): a missing or stale
version is refused and nothing is written."""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from duban.core.forms import VERSION_ERRORS
from duban.core.services import lock_version, require

M = TypeVar("M", bound=models.Model)


def locked(model: type[M], pk: int, version: int | None, label: str) -> M:
    """The row locked for update; refused when `version` is missing or stale."""
    require(version is not None, str(VERSION_ERRORS["required"]), field="version")
    return lock_version(model, pk=pk, version=version, label=label)

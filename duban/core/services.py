"""Shared mechanics for services: optimistic-locked updates with validation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from duban.core.errors import ApplicationError, check_version
from duban.core.formatting import join_clauses

M = TypeVar("M", bound=models.Model)


def validation_message(error: ValidationError) -> str:
    """One readable sentence from a ValidationError, field labels included."""
    if hasattr(error, "error_dict"):
        parts = []
        for field, errors in error.message_dict.items():
            text = join_clauses(errors)
            parts.append(
                text
                if field == "__all__"
                else _("%(label)s：%(text)s") % {"label": field, "text": text}
            )
        return join_clauses(parts)
    return join_clauses(error.messages)


def field_label(model: type[models.Model], name: str) -> str:
    """The field's verbose name (what the user sees), or the name itself."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def full_clean_or_raise(
    obj: models.Model, *, exclude: list[str] | None = None, in_memory: bool = False
) -> None:
    """Django's validation as one readable refusal. `in_memory`: only the checks that need no
    query (fields and `clean()`; the caller leaves its foreign keys out in `exclude` and has
    checked uniqueness and constraints itself; the database still enforces them).

    The text is validated as it will be stored: control characters are stripped first (they
    are stripped again on save), so a value of control characters alone is blank, and the
    uniqueness check sees the stored value. A decimal −0 is stored as 0 (`unsigned_zero`)."""
    from duban.core.money import unsigned_zero
    from duban.core.text import strip_model_text

    strip_model_text(obj)
    for decimal_field in obj._meta.concrete_fields:
        if isinstance(decimal_field, models.DecimalField):
            value = getattr(obj, decimal_field.attname)
            if isinstance(value, Decimal):
                setattr(obj, decimal_field.attname, unsigned_zero(value))
    try:
        obj.full_clean(
            exclude=exclude, validate_unique=not in_memory, validate_constraints=not in_memory
        )
    except ValidationError as e:
        labelled: dict[str, list[str]] = {}
        if hasattr(e, "error_dict"):
            for field, errors in e.message_dict.items():
                labelled[field_label(type(obj), field) if field != "__all__" else field] = errors
            raise ApplicationError(validation_message(ValidationError(labelled))) from e
        raise ApplicationError(validation_message(e)) from e


def lock_version(
    model: type[M],
    *,
    pk: int,
    version: int | None,
    label: str,
    related: Sequence[str] = (),
    no_key: bool = False,
) -> M:
    """The row, locked (`SELECT … FOR UPDATE` of its own table only), with `related` joined;
    ConflictError when it changed since `version` was read.

    `version=None` is for a service acting on a row another locked step already checked (a
    cascade), never for user input: pages and the API always send the version they read.
    `no_key` takes PostgreSQL's weaker lock that still lets other rows reference this one.
    """
    qs = model._default_manager.select_for_update(no_key=no_key, of=("self",))
    if related:
        qs = qs.select_related(*related)
    obj = qs.get(pk=pk)
    current = obj.version  # type: ignore[attr-defined]
    if version is not None and int(version) != int(current):
        check_version(
            current=current, submitted=version, label=label, changed_by=last_changed_by(obj)
        )
    return obj


def current_version(obj: models.Model) -> int:
    """The version `obj`'s row has now: for a caller acting on the current row as someone who
    has just read it (the demo's builder, a test's next step). Pages and the API send the
    version their user read, never this."""
    return int(type(obj)._default_manager.filter(pk=obj.pk).values_list("version", flat=True).get())


def last_changed_by(obj: Any) -> str:
    """Who saved `obj` last and when, from its history ("" when the history doesn't say)."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    history = getattr(obj, "history", None)
    if history is None:
        return ""
    latest = history.order_by("-history_date", "-history_id").select_related("history_user").first()
    if latest is None or latest.history_user is None:
        return ""
    at = timezone.localtime(latest.history_date)
    return _("%(who)s于%(when)s") % {
        "who": str(latest.history_user),
        "when": f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}",
    }


def locked_update(
    model: type[M],
    *,
    pk: int,
    version: int | None,
    data: Mapping[str, Any],
    label: str,
    check: Callable[[M], None] | None = None,
) -> M:
    """Lock the row, refuse a stale `version`, apply `data`, validate, save, bump version.

    `check` sees the row with `data` applied, for rules that span fields. Must run inside a
    transaction. Raises ConflictError or ApplicationError, writing nothing.
    """
    obj = lock_version(model, pk=pk, version=version, label=label)
    for field, value in data.items():
        setattr(obj, field, value)
    if check is not None:
        check(obj)
    full_clean_or_raise(obj)
    obj.version += 1  # type: ignore[attr-defined]
    obj.save()
    return obj


def require(condition: bool, message: str, *, field: str | None = None) -> None:
    """A rule on the input or the state: refuse with `message` (422) and change nothing."""
    if not condition:
        raise ApplicationError(message, field=field)


def refuse_unless(allowed: bool, message: str) -> None:
    """A role check: refuse with `message` (403 in the API) and change nothing."""
    if not allowed:
        raise ApplicationError(message, code="forbidden")


__all__ = [
    "ApplicationError",
    "_",
    "current_version",
    "full_clean_or_raise",
    "lock_version",
    "locked_update",
    "refuse_unless",
    "require",
    "validation_message",
]

"""Form plumbing every app shares: the version a page was read at, required on every change;
a select of many options rendered fast; a choice of many objects that refuses an id no row
can have."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.forms.utils import flatatt
from django.http import HttpRequest
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from duban.core.errors import ApplicationError

# A post without the version it was read at could overwrite a newer save: refuse it.
VERSION_ERRORS = {
    "required": gettext_lazy("页面缺少版本号，无法确认记录未被他人修改。请刷新页面后重试。"),
    "invalid": gettext_lazy("页面的版本号无效，请刷新页面后重试。"),
}


def posted_version(request: HttpRequest) -> int:
    """The `version` field of a POST; ApplicationError (nothing written) when it is missing."""
    text = (request.POST.get("version") or "").strip()
    if not text:
        raise ApplicationError(VERSION_ERRORS["required"], field="version")
    if not text.isdigit() or len(text) > 18:
        raise ApplicationError(VERSION_ERRORS["invalid"], field="version")
    return int(text)


class FastSelect(forms.Select):
    """A single select of many options (the 2,000 units of a province, its leaders), written
    directly: Django renders each option through a template, which made a filter form cost
    about a second on a province-sized page. Same markup, attributes and selection."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # option groups: Django's own rendering
                return super().render(name, value, attrs, renderer)
            raw = "" if option_value is None else str(option_value)
            selected = " selected" if raw in chosen else ""
            options.append(f'<option value="{escape(raw)}"{selected}>{escape(label)}</option>')
        # every value and label escaped above, the attributes by flatatt
        return mark_safe(  # noqa: S308
            format_html("<select{}>", flatatt(final)) + "".join(options) + "</select>"
        )


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, refusing an id past what the key's column holds as it refuses any unknown id:
    SQLite raises OverflowError on `id IN (<31 digits>)` instead of finding nothing."""

    def _check_values(self, value: Any) -> Any:
        qs = self.queryset
        if qs is None:  # (every form that uses the field sets it)
            return super()._check_values(value)  # type: ignore[misc]
        model = qs.model
        key = model._meta.get_field(self.to_field_name) if self.to_field_name else model._meta.pk
        if isinstance(key, models.IntegerField):
            ops = connections[qs.db].ops
            low, high = ops.integer_field_range(key.get_internal_type())
            for pk in value:
                try:
                    n = int(str(pk).strip())
                except ValueError:
                    continue  # Django's own check refuses it
                if (low is not None and n < low) or (high is not None and n > high):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)  # type: ignore[misc]

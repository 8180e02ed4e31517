"""How a change is said in the preview, translated once per import: labels, values, periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from duban.core.periods import Period
from duban.core.services import field_label
from duban.ledger.models import Project
from duban.org.models import Enterprise, Unit, User


@dataclass(frozen=True)
class LabelledPeriod:
    """A period with its label and "new report" line translated once per import, not per row."""

    period: Period
    label: str
    report_new: str

    def __gt__(self, other: Period) -> bool:
        return self.period > other


class Words:
    """What a change line says, translated once per import (in the active language), so that
    the rows that change pay a dict lookup, not a gettext call, per changed value."""

    def __init__(self) -> None:
        self.empty = _("（空）")
        self.yes = _("是")
        self.no = _("否")
        self.change = _("%(field)s：%(old)s → %(new)s")
        self.report_change = _("%(period)s%(field)s：%(old)s → %(new)s")
        self.co_units = _("配合单位：→ %(units)s")
        self.sep = pgettext("list separator", "、")
        self.report_new = _("%(period)s月报：新增")
        self.labels: dict[tuple[type[Model], str], str] = {}

    def label(self, model: type[Model], name: str) -> str:
        key = (model, name)
        label = self.labels.get(key)
        if label is None:
            label = self.labels[key] = field_label(model, name)
        return label

    def shown(self, value: Any) -> str:
        if value is None or value == "":
            return self.empty
        if isinstance(value, bool):
            return self.yes if value else self.no
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Unit | User | Enterprise | Project):
            return str(value)
        text = str(value)
        return text if len(text) <= 30 else text[:29] + "…"


def same(current: Any, proposed: Any) -> bool:
    """Whether a stored value and the file's are the same (numbers by value, text trimmed)."""
    if isinstance(current, Decimal) or isinstance(proposed, Decimal):
        return current is not None and proposed is not None and Decimal(current) == proposed
    if isinstance(current, str) and isinstance(proposed, str):
        return current.strip() == proposed.strip()
    return bool(current == proposed)

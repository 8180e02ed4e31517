"""Text that can be stored, shown and written to any file: one cleaning rule for every input
and every export writer.

Control characters (U+0000–U+001F except tab, line feed and carriage return; U+007F), lone
surrogates and the non-characters U+FFFE/U+FFFF are never meaningful in duban's text, break
.xlsx and .docx (XML 1.0 cannot hold them) and PostgreSQL (NUL). They are stripped when a
record is saved (pages, API, admin, CLI), when a spreadsheet cell is read, and once more by
every writer, so text stored before this rule still exports.
"""

from __future__ import annotations

import re
from typing import Any

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def has_controls(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def strip_controls(value: str) -> str:
    """`value` without the characters no file or database should hold."""
    if CONTROL_CHARACTERS.search(value) is None:
        return value
    return CONTROL_CHARACTERS.sub("", value)


def strip_model_text(instance: Any) -> None:
    """Strip control characters from every text field of a model instance (before saving)."""
    from django.db import models

    for field in instance._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField):
            value = getattr(instance, field.attname, None)
            if isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None:
                setattr(instance, field.attname, CONTROL_CHARACTERS.sub("", value))


ID_DIGITS = 11  # an id a page or form sends has at most this many digits (far below a bigint)


def parse_id(text: str | None) -> int | None:
    """A row id (or version) as a page, a link or a form sends it: ASCII digits, at most
    `ID_DIGITS` of them; anything else is no id (None). `str.isdigit()` alone also accepts
    "²" and other digits `int()` refuses, which answered 500."""
    if text and text.isascii() and text.isdigit() and len(text) <= ID_DIGITS:
        return int(text)
    return None

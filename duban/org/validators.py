"""Identifiers that arrive typed by hand: 统一社会信用代码."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015: 18 characters from this alphabet (no I, O, Z, S, V).
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    total = sum(
        _CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if not _CREDIT_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码应为18位（数字或大写字母，不含I、O、Z、S、V）：%(v)s"),
            params={"v": value},
            code="credit_code_shape",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确：%(v)s"), params={"v": value}, code="credit_code_check"
        )


class CharacterClassesValidator:
    """A password must mix `min_classes` of: lower-case letters, upper-case letters, digits,
    other characters (DUBAN_PASSWORD_CHARACTER_CLASSES; 0 or 1 turns the rule off)."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = max(0, min(4, int(min_classes)))

    def _classes(self, password: str) -> int:
        return sum(
            (
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            )
        )

    def validate(self, password: str, user: object = None) -> None:
        if self._classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、其他符号中的至少%(n)s类。") % {
            "n": self.min_classes
        }

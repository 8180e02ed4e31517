"""Robot URLs and signing secrets encrypted at rest (cryptography's Fernet: AES-128-CBC with an
HMAC-SHA256, authenticated).

The keys: `DUBAN_ROBOT_KEYS` (comma-separated Fernet keys, the first encrypts, every one
decrypts) when set; otherwise keys derived from `SECRET_KEY` and then each of
`SECRET_KEY_FALLBACKS`, so an installation that rotates its secret key the Django way keeps
reading its robots. `duban robot_keys --rotate` re-encrypts every stored value with the first
key; after that the old key can go.

A value that no key opens (the key was lost) reads as "" — the group then asks for its robot URL
again, and its messages fail with a plain reason; the ciphertext is never shown or logged.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

PREFIX = "fernet:"


def derived_key(secret: str) -> bytes:
    """A Fernet key from a Django secret key (SHA-256, domain-separated from Django's own use)."""
    digest = hashlib.sha256(b"duban.notify.robot-secrets\x00" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def keys() -> list[bytes]:
    configured = [k.strip() for k in getattr(settings, "DUBAN_ROBOT_KEYS", []) if k.strip()]
    if configured:
        return [k.encode() for k in configured]
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [derived_key(s) for s in secrets if s]


def fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys()])


def encrypt(value: str) -> str:
    if not value:
        return ""
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    """The clear value; a value stored before encryption came in is returned as it is."""
    if not stored or not stored.startswith(PREFIX):
        return stored or ""
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        logger.warning("notify.robot_secret_unreadable")
        return ""


def rotate(stored: str) -> str:
    """The stored value re-encrypted with the first key (a clear value gets encrypted);
    raises InvalidToken when no key opens it."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        return encrypt(stored)
    return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode()).decode()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column that holds the Fernet token; Python code sees the clear value."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt(value or "")

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

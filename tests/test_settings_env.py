"""Settings read from the environment refuse values they can't use, with the variable's name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from duban.config.settings import _env_positive_int
from duban.sheets.reader import DEFAULT_MAX_BYTES, max_import_bytes


def test_import_size_limit_from_the_environment(monkeypatch):
    monkeypatch.delenv("DUBAN_IMPORT_MAX_MB", raising=False)
    assert _env_positive_int("DUBAN_IMPORT_MAX_MB", 20) == 20
    monkeypatch.setenv("DUBAN_IMPORT_MAX_MB", " 50 ")
    assert _env_positive_int("DUBAN_IMPORT_MAX_MB", 20) == 50
    for bad in ("0", "-3", "2.5", "二十"):
        monkeypatch.setenv("DUBAN_IMPORT_MAX_MB", bad)
        with pytest.raises(ImproperlyConfigured, match="DUBAN_IMPORT_MAX_MB"):
            _env_positive_int("DUBAN_IMPORT_MAX_MB", 20)


def test_the_reader_uses_the_configured_limit(settings):
    assert max_import_bytes() == DEFAULT_MAX_BYTES == 20 * 1024 * 1024
    settings.DUBAN_IMPORT_MAX_BYTES = 1024
    assert max_import_bytes() == 1024

"""`duban token USERNAME` prints a token that opens the API."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from duban.org.models import ApiToken


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_token_command_prints_a_working_token(district):
    # when
    out, err = _run("reporter_a")
    # then
    key = out.strip()
    assert key.startswith("dbn_")
    assert "\n" not in key  # only the token on stdout, for scripts
    assert ApiToken.objects.get(user=district.reporter_a).key_hash == ApiToken.hash_key(key)
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["username"] == "reporter_a"
    assert err  # the advice goes to stderr


def test_token_command_unknown_user_raises(district):
    with pytest.raises(CommandError, match="nobody"):
        _run("nobody")
    assert not ApiToken.objects.exists()


def test_token_command_inactive_user_raises(district):
    district.viewer.is_active = False
    district.viewer.save(update_fields=["is_active"])
    with pytest.raises(CommandError):
        _run("viewer")
    assert not ApiToken.objects.exists()


def test_token_command_revoke_all(district):
    # given
    first, _ = _run("office")
    second, _ = _run("office")
    # when
    out, _ = _run("office", "--revoke-all")
    # then
    assert "2" in out
    for key in (first.strip(), second.strip()):
        response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 401


def test_token_command_exits_1_on_unknown_user(district, capsys):
    # Run as the CLI does: the error on stderr and exit code 1, no traceback.
    from duban.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["duban", "token", "nobody"])
    assert exc.value.code == 1
    assert "nobody" in capsys.readouterr().err

"""The `createuser`, `serve` and `demo` commands (the server itself is never started)."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.demo.build import DemoResult, demo_accounts
from duban.demo.catalogue import DEMO_PASSWORD
from duban.demo.management.commands import demo as demo_command
from duban.org.management.commands import createuser as createuser_command
from duban.org.management.commands import serve as serve_command
from duban.org.models import User
from tests import factories as f

PASSWORD = "Qingtian-2024!"


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def unit(db):
    return f.UnitFactory(code="zjj", name="示例区住房和城乡建设局")


def test_createuser_creates_a_unit_reporter(unit):
    # when
    out = _run(
        "createuser",
        "zhangsan",
        "--role",
        "reporter",
        "--unit",
        "zjj",
        "--name",
        "张三",
        "--password",
        PASSWORD,
    )
    # then
    user = User.objects.get(username="zhangsan")
    assert (user.role, user.unit, user.full_name) == (User.Role.REPORTER, unit, "张三")
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert "zhangsan" in out and "单位联络员" in out


def test_createuser_creates_a_leader_without_unit_and_an_office_superuser(db):
    _run("createuser", "quzhang", "--role", "leader", "--password", PASSWORD)
    _run("createuser", "admin", "--role", "office", "--password", PASSWORD, "--superuser")
    assert User.objects.get(username="quzhang").unit is None
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.is_office


def test_createuser_prompts_for_the_password(unit, monkeypatch):
    # given a terminal that types the same password twice
    monkeypatch.setattr(createuser_command, "_stdin_is_tty", lambda: True)
    monkeypatch.setattr(createuser_command.getpass, "getpass", lambda prompt="": PASSWORD)
    # when
    _run("createuser", "lisi", "--role", "unit_head", "--unit", "zjj")
    # then
    assert User.objects.get(username="lisi").check_password(PASSWORD)


def test_createuser_refuses_mismatched_prompted_passwords(unit, monkeypatch):
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr(createuser_command, "_stdin_is_tty", lambda: True)
    monkeypatch.setattr(createuser_command.getpass, "getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="不一致"):
        _run("createuser", "lisi", "--role", "reporter", "--unit", "zjj")
    assert not User.objects.filter(username="lisi").exists()


def test_createuser_without_password_and_without_terminal_says_how(unit, monkeypatch):
    monkeypatch.setattr(createuser_command, "_stdin_is_tty", lambda: False)
    with pytest.raises(CommandError, match="--password"):
        _run("createuser", "lisi", "--role", "reporter", "--unit", "zjj")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss"], "未知角色：boss"),
        (["--role", "reporter", "--unit", "nope"], "未知单位代码：nope"),
        (["--role", "reporter"], "必须指定所在单位"),
        (["--role", "unit_head"], "必须指定所在单位"),
        (["--role", "reporter", "--unit", "zjj", "--password", "123"], "密码"),
    ],
)
def test_createuser_refuses_bad_input(unit, args, message):
    with pytest.raises(CommandError, match=message):
        _run(
            "createuser",
            "wangwu",
            *args,
            *([] if "--password" in args else ["--password", PASSWORD]),
        )
    assert not User.objects.filter(username="wangwu").exists()


def test_createuser_refuses_a_taken_username(unit):
    f.UserFactory(username="zhaoliu", unit=unit)
    with pytest.raises(CommandError, match="用户名ZhaoLiu已存在"):
        _run("createuser", "ZhaoLiu", "--role", "viewer", "--password", PASSWORD)
    assert User.objects.filter(username__iexact="zhaoliu").count() == 1


@pytest.fixture(autouse=True)
def real_secret_key(settings):
    # `duban serve` refuses the development key without DEBUG (tests/test_security_server.py).
    settings.SECRET_KEY = "k" * 50


@pytest.fixture
def served(monkeypatch):
    calls: list[dict] = []
    monkeypatch.setattr(serve_command, "run_server", lambda **kw: calls.append(kw))
    return calls


def test_serve_defaults_to_localhost_8000(served):
    out = _run("serve")
    assert served == [{"host": "127.0.0.1", "port": 8000, "threads": 8}]
    assert "http://127.0.0.1:8000/" in out


def test_serve_takes_port_and_host(served):
    out = _run("serve", "--port", "8123", "--host", "0.0.0.0", "--threads", "4")  # noqa: S104
    assert served == [{"host": "0.0.0.0", "port": 8123, "threads": 4}]  # noqa: S104
    assert "http://0.0.0.0:8123/" in out


@pytest.mark.parametrize("port", ["0", "70000"])
def test_serve_refuses_a_bad_port(served, port):
    with pytest.raises(CommandError, match="端口"):
        _run("serve", "--port", port)
    assert served == []


def test_serve_reports_a_port_in_use(monkeypatch):
    def busy(**kwargs: object) -> None:
        raise OSError("Address already in use")

    monkeypatch.setattr(serve_command, "run_server", busy)
    with pytest.raises(CommandError, match=re.escape("无法在 127.0.0.1:8000 启动服务")):
        _run("serve")


def test_server_url_brackets_ipv6():
    assert serve_command.server_url("::1", 80) == "http://[::1]:80/"


@pytest.fixture
def fake_demo(db, monkeypatch, settings, tmp_path):
    """`duban demo` with the build and the migration replaced: their cost lives in test_demo."""
    settings.DATA_DIR = tmp_path / "var"
    # Through the fixture, so the key the command installs is undone after the test.
    settings.SECRET_KEY = "insecure-test-key"
    builds: list[dict] = []

    def build(**kwargs: int) -> DemoResult:
        builds.append(kwargs)
        return DemoResult(
            created=len(builds) == 1,
            accounts=demo_accounts(),
            counts={
                "units": 16,
                "users": 43,
                "projects": 40,
                "items_last_year": 56,
                "items_this_year": 46,
                "reports": 1126,
            },
        )

    monkeypatch.setattr(demo_command, "build_demo", build)
    monkeypatch.setattr(demo_command, "call_command", lambda *a, **kw: None)
    return builds


def test_demo_command_prints_accounts_and_serves(fake_demo, served, settings):
    # when
    out = _run("demo", "--port", "8765", "--seed", "7")
    # then
    assert fake_demo == [{"seed": 7}]
    for username in ("tuijinban", "quzhang", "zjj-head", "zjj-reporter", "guanjia-sun", "renda"):
        assert username in out
    assert DEMO_PASSWORD in out
    assert "推进办/督查室" in out and "项目管家" in out
    assert served == [{"host": "127.0.0.1", "port": 8765, "threads": 8}]
    key_file = Path(settings.DATA_DIR) / "secret_key"
    assert len(key_file.read_text().strip()) >= 50
    assert key_file.read_text().strip() == settings.SECRET_KEY


def test_demo_command_no_serve_and_second_run(fake_demo, served, settings):
    _run("demo", "--no-serve")
    key = (Path(settings.DATA_DIR) / "secret_key").read_text()
    out = _run("demo", "--no-serve")
    assert "已经载入过" in out
    assert served == []
    # The key is written once and kept: sessions survive a restart.
    assert (Path(settings.DATA_DIR) / "secret_key").read_text() == key


def test_accounts_table_aligns_chinese_columns(db):
    lines = demo_command.accounts_table(demo_accounts())
    assert len(lines) == 2 + 6

    def display_width(text: str) -> int:
        return sum(2 if ord(c) > 0x2E80 else 1 for c in text)

    # The password column starts at the same screen column on every row.
    columns = {display_width(line[: line.index(DEMO_PASSWORD)]) for line in lines[2:]}
    assert len(columns) == 1
    assert lines[0].startswith("角色")

"""Shared fixtures: a small district with one account per role.

units: A (with child A1), B, and the office unit
items (2024): item_a led by A; item_b led by B with A as co-unit;
              item_c led by B, stewarded by `steward`; task_a led by A1; item_x led by B only
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from duban.ledger.models import WorkItem
from duban.org.models import Responsibility, Unit, User
from tests import factories as f

# CI replays the same examples every run (a landing must not hang on a lucky draw); local runs
# keep exploring new ones, and what they find becomes a fixed regression test.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    hypothesis_settings.load_profile("ci")


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"duban database: {engine}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser tests drive pages through Chromium: what they check (layout, scripts, what a
    person sees and clicks) does not depend on the database, and the pages' database work is
    tested on both. `scripts/test` runs the suite twice, so they run once, in the SQLite pass.

    The demo's tests go first: xdist (`-n 2`) sends each worker a first batch of a quarter of
    its share, in order, so one worker gets them all and builds each day's demo (a module
    fixture, most of the module's time) once; scattered over both workers, a day's demo would
    be built on each.

    A test marked `early` (a transactional one, which pytest-django runs after the others as
    Django does: it leaves the database empty) comes right after them, so that its minute
    never holds up the end of the run; `pytest_runtest_teardown` puts the migrated database
    back after it (SQLite; on PostgreSQL it keeps its place)."""
    sqlite = not os.environ.get("DATABASE_URL")  # (the database is put back on SQLite only)
    items.sort(  # stable: the rest in order
        key=lambda item: (
            item.path.name != "test_demo.py",
            not (sqlite and item.get_closest_marker("early")),
        )
    )
    if sqlite:
        return
    once = pytest.mark.skip(reason="browser test: runs once, in the SQLite pass")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(once)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After an `early` test (its fixtures torn down: the database flushed), the worker's
    in-memory SQLite database becomes the migrated one again, seeded rows included, as the
    tests after it expect (they ran before any transactional test until now)."""
    result = yield
    if item.get_closest_marker("early") and _in_memory:
        import sqlite3

        migrated, target = _in_memory[0]
        source = sqlite3.connect(migrated)
        try:
            source.backup(target)
        finally:
            source.close()
    return result


# (migrated database, an open connection to the in-memory test database it was copied into)
_in_memory: list[tuple[Path, Any]] = []


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real hashing costs ~0.3 s a user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A request with the English cookie leaves English active in the thread: start each test
    # in the default language.
    translation.activate(settings.LANGUAGE_CODE)
    # The first screens cache a scope's lights (duban.web.scope_lights); a rolled-back test
    # may leave the same ids behind for the next one, so each test starts with an empty cache.
    cache.clear()
    # Tests write through the services (no browser cookie pins them) and read the pages at
    # once: they see the newest figures; tests/test_home_lag.py tests the allowed lag itself.
    settings.DUBAN_HOME_MAX_LAG_SECONDS = 0


@dataclass
class District:
    office_unit: Unit
    unit_a: Unit
    unit_a1: Unit
    unit_b: Unit
    office: User
    leader: User
    head_a: User
    reporter_a: User
    reporter_b: User
    head_b: User
    steward: User
    viewer: User
    item_a: WorkItem
    item_b: WorkItem
    item_c: WorkItem
    item_x: WorkItem
    task_a: WorkItem

    def users(self) -> dict[str, User]:
        return {
            "office": self.office,
            "leader": self.leader,
            "head_a": self.head_a,
            "reporter_a": self.reporter_a,
            "reporter_b": self.reporter_b,
            "head_b": self.head_b,
            "steward": self.steward,
            "viewer": self.viewer,
        }


@pytest.fixture
def today(time_machine):
    """Freeze the clock in April 2024: March's reports are being filed."""
    time_machine.move_to("2024-04-03 10:00:00+08:00", tick=False)
    return date(2024, 4, 3)


@pytest.fixture
def district(db, today) -> District:
    office_unit = f.UnitFactory(
        code="office", name="区推进办", kind=Unit.Kind.OFFICE, assessed=False
    )
    unit_a = f.UnitFactory(code="a", name="区发改局", sort_order=1)
    unit_a1 = f.UnitFactory(code="a1", name="发改局重点项目科", parent=unit_a, sort_order=2)
    unit_b = f.UnitFactory(code="b", name="区住建局", sort_order=3)
    office = f.UserFactory(username="office", role=User.Role.OFFICE, unit=office_unit)
    leader = f.UserFactory(username="leader", role=User.Role.LEADER, unit=None)
    head_a = f.UserFactory(username="head_a", role=User.Role.UNIT_HEAD, unit=unit_a)
    reporter_a = f.UserFactory(username="reporter_a", role=User.Role.REPORTER, unit=unit_a)
    reporter_b = f.UserFactory(username="reporter_b", role=User.Role.REPORTER, unit=unit_b)
    head_b = f.UserFactory(username="head_b", role=User.Role.UNIT_HEAD, unit=unit_b)
    steward = f.UserFactory(username="steward", role=User.Role.STEWARD, unit=office_unit)
    viewer = f.UserFactory(username="viewer", role=User.Role.VIEWER, unit=None)
    f.ResponsibilityFactory(leader=leader, unit=unit_a, relation=Responsibility.Relation.IN_CHARGE)
    f.ResponsibilityFactory(leader=viewer, unit=unit_b, relation=Responsibility.Relation.CONTACT)
    item_a = f.WorkItemFactory(lead_unit=unit_a, title="发改项目甲")
    item_b = f.WorkItemFactory(lead_unit=unit_b, title="住建项目乙")
    item_b.co_units.add(unit_a)
    item_c = f.WorkItemFactory(lead_unit=unit_b, title="住建项目丙", steward=steward)
    item_x = f.WorkItemFactory(lead_unit=unit_b, title="住建项目丁")
    task_a = f.TaskFactory(lead_unit=unit_a1, title="优化营商环境")
    f.IndicatorFactory(work_item=task_a, name="新增市场主体", target=100)
    return District(
        office_unit,
        unit_a,
        unit_a1,
        unit_b,
        office,
        leader,
        head_a,
        reporter_a,
        reporter_b,
        head_b,
        steward,
        viewer,
        item_a,
        item_b,
        item_c,
        item_x,
        task_a,
    )


@pytest.fixture
def login():
    def _login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _login


@pytest.fixture(scope="session")
def on_postgres() -> bool:
    return bool(os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """One migrated SQLite database for the whole run (shared by the xdist workers through a
    lock): the workers' test databases and the benchmark smoke tests' throw-away ones start as
    copies of it."""
    import fcntl
    import subprocess
    import sys

    # The run's own directory: the workers' parent under xdist, else the base itself (its
    # parent, pytest-of-<user>, outlives the run and is shared with other checkouts).
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    target = shared / "migrated" / "duban.sqlite3"
    with open(shared / "migrated.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            env = {**os.environ, "DUBAN_DATA_DIR": str(target.parent)}
            env.pop("DATABASE_URL", None)
            env.pop("DJANGO_SETTINGS_MODULE", None)
            subprocess.run(
                [sys.executable, "-m", "duban.cli", "migrate", "--verbosity", "0"],
                env=env,
                check=True,
                timeout=900,
            )
    return target


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, request):
    """On SQLite each xdist worker's in-memory test database starts as a copy of the run's one
    migrated database (`migrated_sqlite`, which the benchmark smoke tests need anyway) instead
    of migrating on its own (~40 s a worker). Django's `migrate` still runs on the copy: it
    finds every migration applied and checks that nothing is missing."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    import sqlite3
    from unittest import mock

    from django.db.backends.sqlite3.creation import DatabaseCreation

    migrated = request.getfixturevalue("migrated_sqlite")
    create = DatabaseCreation._create_test_db

    def _create_test_db(self, verbosity, autoclobber, keepdb=False):
        name = create(self, verbosity, autoclobber, keepdb)
        if self.is_in_memory_db(name):
            target = sqlite3.connect(name, uri=True)
            source = sqlite3.connect(migrated)
            try:
                source.backup(target)
            finally:
                source.close()
            _in_memory.append((migrated, target))
        return name

    with mock.patch.object(DatabaseCreation, "_create_test_db", _create_test_db):
        yield
    for _, target in _in_memory:  # an in-memory database lives while a connection is open
        target.close()


@pytest.fixture
def bench_env(tmp_path, migrated_sqlite) -> dict[str, str]:
    """The environment a benchmark script runs in from a smoke test: its own data directory,
    SQLite, and the migrated database to start from (see benchmarks.migrate)."""
    env = {
        **os.environ,
        "DUBAN_DATA_DIR": str(tmp_path),
        "DUBAN_BENCH_MIGRATED": str(migrated_sqlite),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    return env

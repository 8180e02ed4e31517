"""insert_many: reserved keys, defaults, history rows, and keys that never collide afterwards."""

from __future__ import annotations

import gc
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from duban.core.bulk import (
    ANALYZE_AT,
    FEW,
    analyze_after_commit,
    gc_paused,
    history_copy,
    insert_many,
    update_rows,
)
from duban.ledger.models import Project, WorkItem
from tests import factories as f

pytestmark = [pytest.mark.django_db]


def test_insert_many_writes_rows_with_defaults_and_returns_keys_in_order():
    # given
    unit = f.UnitFactory()
    rows = [{"name": f"项目{n}", "total_investment": Decimal(f"{n}.5")} for n in range(3)]
    # when
    keys = insert_many(Project, rows)
    # then
    projects = {p.pk: p for p in Project.objects.filter(pk__in=keys)}
    assert [projects[k].name for k in keys] == ["项目0", "项目1", "项目2"]
    first = projects[keys[0]]
    assert first.total_investment == Decimal("0.5")
    assert (first.stage, first.industry, first.version, first.code) == (
        Project.Stage.PREPARATION,
        Project.Industry.OTHER,
        1,
        None,
    )
    assert first.created_at is not None and first.updated_at == first.created_at
    # a foreign key given as an object or as its id
    items = insert_many(
        WorkItem,
        [
            {
                "year": 2024,
                "kind": "project",
                "title": "甲",
                "lead_unit": unit,
                "project_id": keys[0],
            },
            {"year": 2024, "kind": "task", "title": "乙", "lead_unit_id": unit.pk},
        ],
    )
    assert [i.lead_unit_id for i in WorkItem.objects.filter(pk__in=items).order_by("pk")] == [
        unit.pk,
        unit.pk,
    ]


# A few rows go in one INSERT … RETURNING on PostgreSQL, more through reserved keys and COPY:
# either way the keys come back in the rows' order, each with its "+" history row.
@pytest.mark.parametrize("n", [1, FEW, FEW + 5])
def test_insert_many_returns_the_keys_in_order_on_either_path(n):
    office = f.UserFactory(username="bulk-office")
    rows = [{"name": f"项目{i}", "total_investment": Decimal(i)} for i in range(n)]
    keys = insert_many(Project, rows, history_user_id=office.pk, history_reason="burst")
    assert len(set(keys)) == n
    names = dict(Project.objects.filter(pk__in=keys).values_list("pk", "name"))
    assert [names[k] for k in keys] == [r["name"] for r in rows]
    history = Project.history.filter(id__in=keys)
    assert history.count() == n
    assert set(history.values_list("history_type", "history_user_id", "history_change_reason")) == {
        ("+", office.pk, "burst")
    }


def test_insert_many_writes_one_history_row_per_object_in_a_fixed_number_of_queries():
    # given
    office = f.UserFactory()
    rows = [{"name": f"项目{n}"} for n in range(1500)]
    # when
    with CaptureQueriesContext(connection) as queries:
        keys = insert_many(Project, rows, history_user_id=office.pk, history_reason="import")
    # then: reserve keys, two slices of rows, one copy into the history table
    assert len(queries.captured_queries) <= 5
    history = Project.history.filter(id__in=keys)
    assert history.count() == 1500
    assert set(history.values_list("history_type", "history_user_id", "history_change_reason")) == {
        ("+", office.pk, "import")
    }
    h = history.get(id=keys[7])
    assert (h.name, h.stage, h.created_at) == (
        "项目7",
        "preparation",
        Project.objects.get(pk=keys[7]).created_at,
    )


def test_keys_after_insert_many_do_not_collide_with_ordinary_saves():
    # given an object saved the usual way before and after
    before = Project.objects.create(name="之前")
    keys = insert_many(Project, [{"name": "批量一"}, {"name": "批量二"}])
    after = Project.objects.create(name="之后")
    # then
    assert before.pk < keys[0] < keys[1] < after.pk
    assert Project.objects.count() == 4


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's AUTOINCREMENT bookkeeping")
def test_sqlite_keys_of_deleted_rows_are_not_handed_out_again():
    # given the newest project deleted
    keep = Project.objects.create(name="保留")
    gone = Project.objects.create(name="删除")
    gone_pk = gone.pk
    gone.delete()
    # when
    (key,) = insert_many(Project, [{"name": "新"}])
    # then: as AUTOINCREMENT promises, a deleted key is never reused
    assert key > gone_pk > keep.pk


def test_insert_many_refuses_an_unknown_field_and_runs_only_in_a_transaction():
    with pytest.raises(KeyError):
        insert_many(Project, [{"name": "甲", "nonsense": 1}])
    assert insert_many(Project, []) == []


@pytest.mark.django_db(transaction=True)
def test_insert_many_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        insert_many(Project, [{"name": "甲"}])
    with transaction.atomic():
        assert len(insert_many(Project, [{"name": "甲"}])) == 1


def test_gc_paused_restores_the_collector():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()


def test_insert_many_keeps_awkward_text_exactly():
    # tabs, newlines, backslashes and quotes travel through COPY / executemany unchanged
    text = "甲\t乙\n丙\\丁'戊\"己\r\n=SUM(A1)"
    (key,) = insert_many(Project, [{"name": text[:200], "scale_content": text, "location": ""}])
    project = Project.objects.get(pk=key)
    assert (project.name, project.scale_content) == (text, text)
    assert Project.history.get(id=key).scale_content == text


def test_history_copy_records_the_rows_as_they_are_now():
    # given three projects, two of them changed without history
    keys = insert_many(Project, [{"name": n} for n in ("甲", "乙", "丙")])
    Project.objects.filter(pk__in=[keys[0], keys[2]]).update(name="改")
    user = f.UserFactory()
    # when
    history_copy(Project, [keys[0], keys[2]], history_user_id=user.pk, history_reason="批量")
    # then: a "~" row each, holding the new name
    changed = Project.history.filter(history_type="~")
    assert sorted(
        changed.values_list("id", "name", "history_user_id", "history_change_reason")
    ) == [
        (keys[0], "改", user.pk, "批量"),
        (keys[2], "改", user.pk, "批量"),
    ]
    history_copy(Project, [])  # nothing to do is fine
    assert Project.history.count() == 5


def test_update_rows_sets_each_rows_values_in_one_statement_and_leaves_the_rest():
    # given four projects
    keys = insert_many(Project, [{"name": n, "location": "原"} for n in ("甲", "乙", "丙", "丁")])
    text = "甲\t乙'丙\"丁"
    # when: two of them updated, each its own name and amount, one location for both
    with CaptureQueriesContext(connection) as ctx:
        updated = update_rows(
            Project,
            [("id", "bigint"), ("name", "text"), ("total_investment", "numeric")],
            [(keys[1], text, Decimal("12.5")), (keys[3], "新", Decimal("0.25"))],
            same={"location": "新区"},
            increment=["version"],
        )
    # then
    assert updated == 2 and len(ctx.captured_queries) == 1
    rows = {
        pk: rest
        for pk, *rest in Project.objects.order_by("pk").values_list(
            "pk", "name", "total_investment", "location", "version"
        )
    }
    assert rows[keys[1]] == [text, Decimal("12.5"), "新区", 2]
    assert rows[keys[3]] == ["新", Decimal("0.25"), "新区", 2]
    assert rows[keys[0]] == ["甲", None, "原", 1] and rows[keys[2]][2:] == ["原", 1]
    assert update_rows(Project, [("id", "bigint")], []) == 0


def test_many_rows_written_analyse_their_tables_once_committed(
    on_postgres, django_capture_on_commit_callbacks
):
    # PostgreSQL plans from statistics: a table that just took thousands of rows is analysed
    # after the commit (with its history table, in one callback); a few rows, or SQLite, leave
    # it to the server.
    rows = [{"name": f"项目{n}"} for n in range(ANALYZE_AT)]
    with CaptureQueriesContext(connection) as ctx:
        with django_capture_on_commit_callbacks(execute=True) as few:
            insert_many(Project, rows[:10])
        with django_capture_on_commit_callbacks(execute=True) as many:
            insert_many(Project, rows)
    analysed = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")]
    assert not few
    if on_postgres:
        assert len(many) == 1
        table, history = Project._meta.db_table, Project.history.model._meta.db_table
        assert analysed == [f'ANALYZE "{history}"', f'ANALYZE "{table}"']
    else:
        assert not many and not analysed


def test_many_rows_are_analysed_however_large_the_table_and_once_per_commit(
    on_postgres, django_capture_on_commit_callbacks
):
    # A new month's rows hold a key value the statistics have never seen: PostgreSQL estimates
    # it at one row however small a share of the table the rows are (recomputing December's
    # score events took 11.9 s instead of 1.4 s), so the table is analysed whatever its size —
    # and once per commit, however many writes of many rows it took.
    if not on_postgres:
        pytest.skip("PostgreSQL's statistics")
    table = Project._meta.db_table
    history = Project.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{table}"')
        # as if the table held 100 times the rows about to be written
        cursor.execute(
            "UPDATE pg_class SET reltuples = %s WHERE oid = %s::regclass", [ANALYZE_AT * 100, table]
        )
    with (
        CaptureQueriesContext(connection) as ctx,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        analyze_after_commit(table, ANALYZE_AT)
        analyze_after_commit(history, ANALYZE_AT)
        analyze_after_commit(table, ANALYZE_AT * 10)
    assert len(callbacks) == 1
    assert [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")] == [
        f'ANALYZE "{table}"',
        f'ANALYZE "{history}"',
    ]


def test_an_old_sqlite_is_refused_by_a_system_check_that_says_what_to_do():
    """The SQL of core/bulk.py (INSERT … RETURNING) and of the assessment needs SQLite 3.35: an
    older library is named by `duban check` (and every command that checks) before anything
    fails with a syntax error."""
    from duban.core.apps import sqlite_version_check, sqlite_version_errors

    assert sqlite_version_check() == []  # this machine's
    sqlite = "django.db.backends.sqlite3"
    [error] = sqlite_version_errors(sqlite, (3, 31, 1), "3.31.1")
    assert error.id == "duban.E001" and "3.35" in error.msg and "3.31.1" in error.msg
    assert "DATABASE_URL" in error.hint
    assert sqlite_version_errors(sqlite, (3, 35, 0), "3.35.0") == []
    assert sqlite_version_errors("django.db.backends.postgresql", (3, 31, 1), "3.31.1") == []

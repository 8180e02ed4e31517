"""Audit that can be trusted: history of users, roles, responsibilities, tokens and settings
(who, when, old and new); audit and history rows cannot be changed or deleted through the
app, nor (on PostgreSQL) by an UPDATE or DELETE."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from duban.core.errors import ImmutableRecordError
from duban.org.audit import audit_record
from duban.org.models import ApiToken, AuditEvent, Responsibility, User
from duban.org.services import api_token_create, api_token_revoke
from duban.problems.models import ProblemSettings
from duban.reporting.models import ReportingSettings
from tests import factories as f


def test_user_role_change_keeps_old_and_new(district):
    user = district.reporter_a
    user.role = User.Role.UNIT_HEAD
    user._history_user = district.office
    user.save()
    latest, before = user.history.all()[:2]
    delta = latest.diff_against(before)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("role", "reporter", "unit_head")]
    assert latest.history_user == district.office
    assert not hasattr(latest, "password")


def test_responsibility_token_and_settings_have_history(district):
    responsibility = Responsibility.objects.filter(leader=district.leader).first()
    assert responsibility.history.exists()
    api_token_create(user=district.reporter_a)
    token = ApiToken.objects.get(user=district.reporter_a)
    api_token_revoke(token=token)
    assert [h.revoked for h in token.history.order_by("history_id")] == [False, True]
    assert not hasattr(token.history.first(), "key_hash")
    for settings_model in (ReportingSettings, ProblemSettings):
        row = settings_model.load()
        row.save()
        assert row.history.exists(), settings_model


def test_audit_rows_cannot_be_changed_or_deleted_through_the_app(district):
    event = audit_record(kind=AuditEvent.Kind.EXPORT, user=district.office, what="/x")
    event.what = "/y"
    with pytest.raises(ImmutableRecordError):
        event.save()
    with pytest.raises(ImmutableRecordError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).what == "/x"


def test_admin_cannot_change_audit_events(district, login):
    admin = f.UserFactory(username="root", role=User.Role.OFFICE, unit=district.office_unit)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    event = audit_record(kind=AuditEvent.Kind.EXPORT, user=district.office, what="/x")
    client = login(admin)
    assert client.get("/admin/org/auditevent/").status_code == 200
    assert (
        client.post(f"/admin/org/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert client.get("/admin/org/auditevent/add/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_postgresql_refuses_update_and_delete_of_history_and_events(on_postgres):
    if not on_postgres:
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the app and the admin")
    user = f.UserFactory(username="someone", role=User.Role.VIEWER, unit=None)
    audit_record(kind=AuditEvent.Kind.LOGIN, user=user)
    assert User.history.model._meta.db_table == "org_historicaluser"
    for sql in (
        "UPDATE org_auditevent SET what = 'x'",
        "DELETE FROM org_auditevent",
        "UPDATE org_historicaluser SET role = 'office'",
        "DELETE FROM org_historicaluser",
    ):
        with (
            pytest.raises((InternalError, ProgrammingError, IntegrityError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEvent.objects.filter(what="x").count() == 0

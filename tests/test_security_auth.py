"""Authentication: throttled sign-in with lockout, every sign-in logged (who, when, from
where), idle timeout and a maximum session age, self-service password change, a forced change
after the office sets a password, and configurable password rules."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from duban.org.models import AuditEvent, User
from duban.org.services import user_password_set_by_office
from tests import factories as f

PASSWORD = "Qingtian-2024!"


@pytest.fixture
def person(db):
    user = f.UserFactory(username="wangwu", role=User.Role.VIEWER, unit=None)
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(client: Client, password: str, username: str = "wangwu"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3"
    )


def test_sign_in_is_logged_with_the_address(person):
    client = Client()
    assert _sign_in(client, PASSWORD).status_code == 302
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN)
    assert (event.user, event.username, event.ip) == (person, "wangwu", "10.1.2.3")


def test_five_failures_lock_the_account_even_with_the_right_password(person, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, "wrong").status_code == 200
    locked = _sign_in(client, "wrong")
    assert locked.status_code == 429
    assert "已锁定" in locked.content.decode()
    # the right password does not get through while locked
    again = _sign_in(client, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert failed.count() >= settings.AXES_FAILURE_LIMIT
    assert set(failed.values_list("username", "ip")) == {("wangwu", "10.1.2.3")}
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOCKED_OUT, username="wangwu").exists()
    # another account from the same office address is not locked
    other = f.UserFactory(username="zhaoliu", role=User.Role.VIEWER, unit=None)
    other.set_password(PASSWORD)
    other.save()
    assert _sign_in(Client(), PASSWORD, username="zhaoliu").status_code == 302


def test_idle_session_is_signed_out(person, time_machine, settings):
    time_machine.move_to("2024-04-03 09:00:00+08:00", tick=False)
    client = Client()
    _sign_in(client, PASSWORD)
    assert client.get("/").status_code == 200
    time_machine.move_to("2024-04-03 09:20:00+08:00", tick=False)
    assert client.get("/").status_code == 200
    time_machine.move_to(
        f"2024-04-03 09:{21 + settings.DUBAN_SESSION_IDLE_MINUTES}:00+08:00", tick=False
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_session_ends_at_its_maximum_age_even_when_busy(person, time_machine, settings):
    settings.DUBAN_SESSION_MAX_HOURS = 3
    time_machine.move_to("2024-04-03 09:00:00+08:00", tick=False)
    client = Client()
    _sign_in(client, PASSWORD)
    for minute in ("09:25", "09:50", "10:15", "10:40", "11:05", "11:30", "11:55"):
        time_machine.move_to(f"2024-04-03 {minute}:00+08:00", tick=False)
        assert client.get("/").status_code == 200, minute
    time_machine.move_to("2024-04-03 12:01:00+08:00", tick=False)
    assert client.get("/").status_code == 302


def test_self_service_password_change(person):
    client = Client()
    _sign_in(client, PASSWORD)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Xinmima-2025#",
            "new_password2": "Xinmima-2025#",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Xinmima-2025#")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.PASSWORD_CHANGED, user=person).exists()


def test_forced_change_after_the_office_sets_a_password(person):
    user_password_set_by_office(user=person)
    client = Client()
    _sign_in(client, PASSWORD)
    response = client.get("/ledger/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    page = client.get("/accounts/password/").content.decode()
    assert "重置了密码" in page
    client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Xinmima-2025#",
            "new_password2": "Xinmima-2025#",
        },
    )
    person.refresh_from_db()
    assert person.must_change_password is False
    assert client.get("/ledger/").status_code == 200


def test_office_password_reset_in_the_admin_forces_a_change(person, district):
    admin = f.UserFactory(username="boss", role=User.Role.OFFICE, unit=district.office_unit)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    response = client.post(
        f"/admin/org/user/{person.pk}/password/",
        {"password1": "Chongzhi-2025!", "password2": "Chongzhi-2025!", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    person.refresh_from_db()
    assert person.must_change_password is True


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1A!", "password_too_short"),
        ("alllowercaseletters", "password_too_simple"),
        ("1234567890123", "password_entirely_numeric"),
    ],
)
def test_password_rules(db, password, code):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert code in [e.code for e in refused.value.error_list]


def test_password_rules_follow_the_settings(db, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "duban.org.validators.CharacterClassesValidator",
            "OPTIONS": {"min_classes": 2},
        }
    ]
    validate_password("lowercase123")
    with pytest.raises(ValidationError):
        validate_password("lowercaseonly")

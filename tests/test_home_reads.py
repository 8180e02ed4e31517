"""The first screens only read (issue 12): a GET of each home page, the battle map and the
overview, as every role, writes nothing, even on a database whose settings rows are missing.

Nothing but the progress core's kept rows of an open month (`LiveProgress` and its state): a
page that judges items stores what it judged, so that the next page (in any process) reads it
instead of judging again. They are derived, never a record."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.org.models import User
from duban.problems.models import ProblemSettings
from duban.reporting.models import ReportingSettings
from duban.supervision.models import SupervisionSettings
from tests import factories as f

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)
KEPT = re.compile(
    r"^\s*(INSERT (OR IGNORE )?INTO|UPDATE|DELETE FROM)\s+\"reporting_liveprogress(state)?\""
)


def _writes(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code in (200, 302, 403, 404), (url, response.status_code)
    return [
        q["sql"]
        for q in captured.captured_queries
        if WRITE.match(q["sql"]) and not KEPT.match(q["sql"])
    ]


@pytest.mark.parametrize("settings_rows", ["stored", "missing"])
def test_a_get_of_every_home_as_every_role_writes_nothing(district, login, settings_rows):
    # given: a report, a problem and a principal leader, so each home has something to show
    f.ReportFactory(work_item=district.item_a, month=3)
    principal = f.UserFactory(username="principal", role=User.Role.LEADER, principal=True)
    if settings_rows == "missing":  # a database migrated before the rows were stored
        for model in (ReportingSettings, SupervisionSettings, ProblemSettings):
            model.objects.all().delete()
    users = [
        district.office,
        district.leader,
        principal,
        district.head_a,
        district.reporter_a,
        district.steward,
        district.viewer,
    ]
    pages = [
        reverse("web:home"),
        reverse("web:battle_map"),
        reverse("web:battle_map") + "?light=red",
        reverse("web:overview"),
        reverse("web:gantt") + f"?unit={district.unit_a.pk}",
    ]
    for user in users:
        client = login(user)
        for url in pages:
            for _view in range(2):  # the first view (cache empty) and the next
                # when / then
                assert _writes(client, url) == [], (user.username, url)
    # the defaults were read, not stored
    if settings_rows == "missing":
        assert not ReportingSettings.objects.exists()
        assert not ProblemSettings.objects.exists()


def test_settings_defaults_are_stored_by_the_migration_and_by_a_first_save(db):
    assert ReportingSettings.objects.filter(pk=1).exists()
    assert SupervisionSettings.objects.filter(pk=1).exists()
    assert ProblemSettings.objects.filter(pk=1).exists()
    ReportingSettings.objects.all().delete()
    conf = ReportingSettings.load()
    assert conf.pk == 1 and conf.due_day == ReportingSettings._meta.get_field("due_day").default
    conf.due_day = 7
    conf.save()
    assert ReportingSettings.objects.get().due_day == 7

"""Settings pages: users' channels and digest times; the office's work groups (URL and secret
never shown back), test message, delivery log with resend; units see their groups."""

from __future__ import annotations

import logging

import pytest

from duban.demo import fake_robot
from duban.notify.models import ChannelSetting, Delivery, WorkGroup


@pytest.fixture
def fake():
    server = fake_robot.start()
    yield server
    server.close()


def _group_data(fake, district, **kw):
    data = {
        "name": "住建工作群",
        "platform": "dingtalk",
        "endpoint": fake.url("dingtalk"),
        "secret": fake_robot.SECRET,
        "units": [district.unit_b.pk],
        "mention": "on",
        "active": "on",
        "mode": "immediate",
        "digest_time": "09:00",
        "digest_weekday": "0",
    }
    data.update(kw)
    return data


def test_user_chooses_channels_and_digest_time(district, login):
    client = login(district.reporter_b)
    response = client.post(
        "/notifications/settings/",
        {"email": "on", "mode": "daily", "digest_time": "17:30", "digest_weekday": "4"},
    )
    assert response.status_code == 302
    setting = ChannelSetting.objects.get(user=district.reporter_b)
    assert setting.email and setting.mode == "daily" and str(setting.digest_time) == "17:30:00"


@pytest.mark.parametrize(
    ("field", "value"), [("digest_time", "25:00"), ("digest_weekday", "7"), ("mode", "hourly")]
)
def test_user_settings_refuse_out_of_range(district, login, field, value):
    data = {"mode": "daily", "digest_time": "09:00", "digest_weekday": "0", field: value}
    response = login(district.reporter_b).post("/notifications/settings/", data)
    assert response.status_code == 200 and not ChannelSetting.objects.exists()


def test_office_creates_a_group_url_and_secret_never_shown_back(district, login, fake, caplog):
    client = login(district.office)
    with caplog.at_level(logging.DEBUG):
        response = client.post("/notifications/groups/new/", _group_data(fake, district))
    assert response.status_code == 302
    group = WorkGroup.objects.get()
    assert group.endpoint == fake.url("dingtalk") and group.secret == fake_robot.SECRET
    for page in ("/notifications/groups/", f"/notifications/groups/{group.pk}/"):
        html = client.get(page).content.decode()
        assert "token-0001" not in html and fake_robot.SECRET not in html
        assert "住建工作群" in html
    # an edit with the fields blank keeps them
    response = client.post(
        f"/notifications/groups/{group.pk}/",
        _group_data(fake, district, endpoint="", secret="", name="住建推进群"),
    )
    group.refresh_from_db()
    assert group.name == "住建推进群" and group.secret == fake_robot.SECRET
    # the test message goes through the robot, and the log shows the answer without the URL
    with caplog.at_level(logging.DEBUG):
        client.post(f"/notifications/groups/{group.pk}/test/")
    assert len(fake.received) == 1 and "测试" in fake.received[0].body["text"]["content"]
    log_page = client.get("/notifications/deliveries/").content.decode()
    assert "errcode" in log_page and "token-0001" not in log_page
    assert "token-0001" not in caplog.text and fake_robot.SECRET not in caplog.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"endpoint": "ftp://robot.example/send"}, "http://"),
        ({"endpoint": "javascript:alert(1)"}, "http://"),
        ({"secret": ""}, "加签密钥"),
        ({"platform": "feishu", "secret": ""}, "加签密钥"),
        ({"digest_weekday": "9"}, "0（星期一）"),
    ],
)
def test_office_group_bad_input_refused_with_reason(district, login, fake, changes, message):
    response = login(district.office).post(
        "/notifications/groups/new/", _group_data(fake, district, **changes)
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not WorkGroup.objects.exists()


def test_wecom_group_needs_no_secret(district, login, fake):
    response = login(district.office).post(
        "/notifications/groups/new/",
        _group_data(fake, district, platform="wecom", endpoint=fake.url("wecom"), secret=""),
    )
    assert response.status_code == 302


def test_only_the_office_configures_groups_and_sees_the_log(district, login):
    client = login(district.head_b)
    for url in (
        "/notifications/groups/",
        "/notifications/groups/new/",
        "/notifications/deliveries/",
    ):
        assert client.get(url).status_code == 403


def test_unit_sees_its_groups_on_its_settings_page(district, login, fake):
    group = WorkGroup.objects.create(
        name="住建工作群", platform="wecom", endpoint=fake.url("wecom"), mode="daily"
    )
    group.units.add(district.unit_b)
    assert "住建工作群" in login(district.head_b).get("/notifications/settings/").content.decode()
    page_a = login(district.head_a).get("/notifications/settings/").content.decode()
    assert "住建工作群" not in page_a and fake_robot.KEY not in page_a


def test_office_resends_a_failed_message(district, login, fake):
    group = WorkGroup.objects.create(name="g", platform="wecom", endpoint=fake.url("wecom"))
    from duban.core import clock

    failed = Delivery.objects.create(
        channel="robot",
        group=group,
        subject="s",
        text="t",
        state="failed",
        attempts=5,
        next_attempt_at=clock.now(),
    )
    sent = Delivery.objects.create(
        channel="robot",
        group=group,
        subject="s",
        text="t",
        state="sent",
        next_attempt_at=clock.now(),
    )
    client = login(district.office)
    assert "重新发送" in client.get("/notifications/deliveries/?state=failed").content.decode()
    client.post(f"/notifications/deliveries/{failed.pk}/resend/")
    failed.refresh_from_db()
    assert failed.state == "pending" and failed.attempts == 0
    client.post(f"/notifications/deliveries/{sent.pk}/resend/")
    sent.refresh_from_db()
    assert sent.state == "sent"
    assert client.post("/notifications/deliveries/999999/resend/").status_code == 404


def test_user_chooses_a_mode_per_kind(district, login):
    client = login(district.reporter_b)
    page = client.get("/notifications/settings/").content.decode()
    assert "按提醒类型设置推送方式" in page and "问题已逾期" in page
    response = client.post(
        "/notifications/settings/",
        {
            "email": "on",
            "mode": "daily",
            "digest_time": "09:00",
            "digest_weekday": "0",
            "kind_mode_problem_overdue": "immediate",
            "kind_mode_ranking_published": "off",
            "kind_mode_report_late": "",
        },
    )
    assert response.status_code == 302
    setting = ChannelSetting.objects.get(user=district.reporter_b)
    assert setting.kind_modes == {"problem_overdue": "immediate", "ranking_published": "off"}
    assert setting.mode_for("problem_overdue") == "immediate"
    assert setting.mode_for("report_late") == "daily"
    page = client.get("/notifications/settings/").content.decode()
    assert '<option value="immediate" selected>' in page


def test_a_mode_per_kind_out_of_the_list_is_refused(district, login):
    response = login(district.reporter_b).post(
        "/notifications/settings/",
        {
            "mode": "daily",
            "digest_time": "09:00",
            "digest_weekday": "0",
            "kind_mode_report_late": "hourly",
        },
    )
    assert response.status_code == 200 and not ChannelSetting.objects.exists()


def test_office_sets_a_groups_mode_per_kind(district, login, fake):
    response = login(district.office).post(
        "/notifications/groups/new/",
        _group_data(fake, district, mode="daily", kind_mode_problem_overdue="immediate"),
    )
    assert response.status_code == 302
    group = WorkGroup.objects.get()
    assert group.kind_modes == {"problem_overdue": "immediate"}

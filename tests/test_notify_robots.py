"""Robots: the signatures against CONVENTIONS §3's regression values, payloads and limits."""

from __future__ import annotations

import json

import pytest

from duban.notify.robots import (
    Platform,
    build_request,
    check_endpoint,
    dingtalk_sign,
    feishu_sign,
    read_answer,
    redacted_url,
    truncate_bytes,
)


def test_dingtalk_sign_regression_value():
    assert (
        dingtalk_sign("SECxxxx", 1700000000000)
        == "LReYwot3QanuU%2BgyLj4pdQ1iIDJFDFXY6qpWq1daJt8%3D"
    )


def test_feishu_sign_regression_value():
    assert feishu_sign("demo-secret", 1599360473) == "3/MaVZ8JLIy4TUG+7KSFJqvUkTKd+HWY8g+56DZWq8s="


def test_wecom_text_payload_mentions_by_mobile_and_fits_2048_bytes():
    req = build_request(
        Platform.WECOM,
        "https://qyapi.example/cgi-bin/webhook/send?key=K",
        "",
        "住" * 1000,
        mobiles=["13800000000"],
        now_ms=1,
    )
    assert req.url == "https://qyapi.example/cgi-bin/webhook/send?key=K"
    assert req.body["msgtype"] == "text"
    assert req.body["text"]["mentioned_mobile_list"] == ["13800000000"]
    assert len(req.body["text"]["content"].encode()) <= 2048
    assert req.body["text"]["content"].endswith("…")


def test_dingtalk_payload_signs_the_url_and_puts_the_number_in_the_text():
    req = build_request(
        Platform.DINGTALK,
        "https://oapi.example/robot/send?access_token=T",
        "SECxxxx",
        "月报将于7月5日到期",
        mobiles=["13900000000"],
        now_ms=1700000000000,
    )
    assert req.url == (
        "https://oapi.example/robot/send?access_token=T&timestamp=1700000000000"
        "&sign=LReYwot3QanuU%2BgyLj4pdQ1iIDJFDFXY6qpWq1daJt8%3D"
    )
    assert req.body["at"]["atMobiles"] == ["13900000000"]
    assert "@13900000000" in req.body["text"]["content"]


def test_feishu_payload_signs_the_body():
    req = build_request(
        Platform.FEISHU,
        "https://open.example/open-apis/bot/v2/hook/U",
        "demo-secret",
        "问题已逾期",
        now_ms=1599360473000,
    )
    assert req.body == {
        "timestamp": "1599360473",
        "sign": "3/MaVZ8JLIy4TUG+7KSFJqvUkTKd+HWY8g+56DZWq8s=",
        "msg_type": "text",
        "content": {"text": "问题已逾期"},
    }
    assert json.loads(req.data()) == req.body


@pytest.mark.parametrize(
    "url", ["ftp://host/x", "javascript:alert(1)", "qyapi.weixin.qq.com/x", "", "https://"]
)
def test_check_endpoint_refuses_what_is_not_http(url):
    assert check_endpoint(url) is not None


def test_check_endpoint_accepts_government_hosts():
    assert check_endpoint("http://10.1.2.3:8080/robot/send?access_token=T") is None


def test_redacted_url_hides_key_and_path():
    shown = redacted_url("https://qyapi.example/cgi-bin/webhook/send?key=SECRETKEY")
    assert "SECRETKEY" not in shown and "webhook" not in shown and "qyapi.example" in shown


def test_truncate_bytes_keeps_whole_characters():
    assert truncate_bytes("督办" * 10, 10).encode().__len__() <= 10
    assert truncate_bytes("短", 10) == "短"


@pytest.mark.parametrize(
    ("status", "body", "ok", "limited"),
    [
        (200, b'{"errcode":0,"errmsg":"ok"}', True, False),
        (200, b'{"code":0,"msg":"success"}', True, False),
        (200, b'{"errcode":45009,"errmsg":"api freq out of limit"}', False, True),
        (200, b'{"errcode":130101,"errmsg":"send too fast"}', False, True),
        (429, b"", False, True),
        (200, b'{"errcode":310000,"errmsg":"sign not match"}', False, False),
        (502, b"<html>bad gateway</html>", False, False),
    ],
)
def test_read_answer(status, body, ok, limited):
    answer = read_answer(status, body)
    assert (answer.ok, answer.rate_limited) == (ok, limited)

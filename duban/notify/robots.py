"""Chat-group robots of 企业微信, 钉钉 and 飞书 (and their government editions, whose hosts are
configuration): signing, payloads, size limits and how each platform says "sent".

Pure functions, no I/O: the sender (`notify.delivery`) posts what these build. The URL and the
secret are never logged or shown back: `redacted_url` is the only form a log or a page gets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlsplit

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Platform(TextChoices):
    WECOM = "wecom", _("企业微信（含政务微信）")
    DINGTALK = "dingtalk", _("钉钉（含政务钉钉）")
    FEISHU = "feishu", _("飞书")


# Bytes of the message text each platform accepts (企业微信 text 2048; 飞书 whole body 20 KB).
TEXT_LIMIT = {Platform.WECOM: 2048, Platform.DINGTALK: 18000, Platform.FEISHU: 18000}
# Messages a minute one robot accepts; 钉钉 blocks a robot for 10 minutes past 20.
RATE_PER_MINUTE = 20
SIGNED = {Platform.DINGTALK, Platform.FEISHU}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉: urlencode(base64(HMAC-SHA256(key=secret, msg=f"{ts_ms}\\n{secret}")))."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """飞书: base64(HMAC-SHA256(key=f"{ts_s}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check_endpoint(url: str) -> str | None:
    """Why a robot URL is refused, or None when it is an http(s) URL with a host."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return str(_("机器人地址必须是 http:// 或 https:// 开头的完整网址。"))
    return None


def redacted_url(url: str) -> str:
    """The URL as logs and pages may show it: scheme and host only."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def truncate_bytes(text: str, limit: int) -> str:
    """Cut text to at most `limit` UTF-8 bytes on a character boundary, marking the cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    cut = data[: limit - len("…".encode())].decode(errors="ignore")
    return cut + "…"


@dataclass(frozen=True)
class Request:
    url: str
    body: dict[str, Any]

    def data(self) -> bytes:
        return json.dumps(self.body, ensure_ascii=False).encode()


def build_request(
    platform: str,
    url: str,
    secret: str,
    text: str,
    *,
    mobiles: Sequence[str] = (),
    now_ms: int,
) -> Request:
    """The POST one text message needs: URL (with 钉钉's signature), JSON body (with 飞书's)."""
    mobiles = [m for m in mobiles if m]
    if platform == Platform.WECOM:
        content = truncate_bytes(text, TEXT_LIMIT[Platform.WECOM])
        inner: dict[str, Any] = {"content": content}
        if mobiles:
            inner["mentioned_mobile_list"] = list(mobiles)
        return Request(url, {"msgtype": "text", "text": inner})
    if platform == Platform.DINGTALK:
        # 钉钉 @s a number only when it also appears in the text.
        if mobiles:
            text = text + "\n" + " ".join(f"@{m}" for m in mobiles)
        body = {
            "msgtype": "text",
            "text": {"content": truncate_bytes(text, TEXT_LIMIT[Platform.DINGTALK])},
            "at": {"atMobiles": list(mobiles), "isAtAll": False},
        }
        if secret:
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}timestamp={now_ms}&sign={dingtalk_sign(secret, now_ms)}"
        return Request(url, body)
    if platform == Platform.FEISHU:
        body = {
            "msg_type": "text",
            "content": {"text": truncate_bytes(text, TEXT_LIMIT[Platform.FEISHU])},
        }
        if secret:
            ts = now_ms // 1000
            body = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **body}
        return Request(url, body)
    raise ValueError(platform)


@dataclass(frozen=True)
class Answer:
    ok: bool
    # The platform asked us to slow down: retry later, the robot is not broken.
    rate_limited: bool
    detail: str


# 企业微信 45009 and 钉钉 130101 are "too many messages"; 飞书 answers 9499 or HTTP 429.
RATE_LIMIT_CODES = {45009, 130101, 9499, 11232}


def read_answer(status: int, body: bytes) -> Answer:
    """Whether the platform accepted the message, from its HTTP status and JSON answer."""
    text = body.decode(errors="replace")[:500]
    if status == 429:
        return Answer(False, True, text)
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return Answer(False, False, f"HTTP {status}: {text}")
    code = (
        data.get("errcode", data.get("code", data.get("StatusCode")))
        if isinstance(data, dict)
        else None
    )
    if status == 200 and code == 0:
        return Answer(True, False, text)
    return Answer(False, code in RATE_LIMIT_CODES, f"HTTP {status}: {text}")

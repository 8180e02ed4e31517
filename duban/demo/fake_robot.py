"""A local fake of the 企业微信, 钉钉 and 飞书 robot endpoints, on 127.0.0.1, for tests and the
benchmark: it checks each platform's signature and payload, counts per-minute rates like the
platforms do, and can be told to answer errors.

Paths: /wecom/cgi-bin/webhook/send?key=KEY, /dingtalk/robot/send?access_token=T (signed with
SECRET), /feishu/open-apis/bot/v2/hook/UUID (signed with SECRET). Times come from time.time(),
so a test that freezes or moves the clock (time_machine) moves the fake too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

KEY = "wecom-key-0001"
SECRET = "SECfake-secret-0001"  # noqa: S105 (the fake's own, public on purpose)


@dataclass
class Received:
    platform: str
    at: float
    body: dict[str, Any]


@dataclass
class FakeRobots:
    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    # Answer the next N requests with this error ({"errcode": …}).
    fail_next: int = 0
    fail_code: int = 310000
    limit_per_minute: int = 20

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, platform: str) -> str:
        return {
            "wecom": f"{self.base}/wecom/cgi-bin/webhook/send?key={KEY}",
            "dingtalk": f"{self.base}/dingtalk/robot/send?access_token=token-0001",
            "feishu": f"{self.base}/feishu/open-apis/bot/v2/hook/uuid-0001",
        }[platform]

    def max_in_a_minute(self, platform: str | None = None) -> int:
        times = sorted(r.at for r in self.received if platform in (None, r.platform))
        best = 0
        for i, t in enumerate(times):
            j = i
            while j < len(times) and times[j] < t + 60:
                j += 1
            best = max(best, j - i)
        return best

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _dingtalk_ok(query: dict[str, list[str]]) -> bool:
    ts = query.get("timestamp", [""])[0]
    sign = query.get("sign", [""])[0]  # parse_qs has url-decoded it
    digest = hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode()
    return bool(ts) and hmac.compare_digest(sign, expected)


def _feishu_ok(body: dict[str, Any]) -> bool:
    ts = str(body.get("timestamp", ""))
    digest = hmac.new(f"{ts}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    return bool(ts) and hmac.compare_digest(
        str(body.get("sign", "")), base64.b64encode(digest).decode()
    )


def start(port: int = 0) -> FakeRobots:
    """Serve on 127.0.0.1 (`port` 0: any free port) in a daemon thread."""
    state: dict[str, FakeRobots] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, data: dict[str, Any]) -> None:
            raw = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            fake = state["fake"]
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            length = int(self.headers.get("Content-Length", "0"))
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._answer(400, {"errcode": 40001, "errmsg": "bad json"})
            platform = parts.path.split("/")[1]
            with lock:
                ok_code = {"errcode": 0, "errmsg": "ok"}
                if platform == "wecom":
                    good = query.get("key") == [KEY] and body.get("msgtype") == "text"
                    good = good and len(body["text"]["content"].encode()) <= 2048
                    limit_code = 45009
                elif platform == "dingtalk":
                    good = _dingtalk_ok(query) and body.get("msgtype") == "text"
                    good = good and all(
                        f"@{m}" in body["text"]["content"] for m in body["at"]["atMobiles"]
                    )
                    limit_code = 130101
                elif platform == "feishu":
                    good = _feishu_ok(body) and body.get("msg_type") == "text"
                    ok_code = {"code": 0, "msg": "success"}
                    limit_code = 9499
                else:
                    return self._answer(404, {"errcode": 404})
                if not good:
                    fake.rejected.append(platform)
                    return self._answer(200, {"errcode": 310000, "errmsg": "sign not match"})
                if fake.fail_next > 0:
                    fake.fail_next -= 1
                    return self._answer(200, {"errcode": fake.fail_code, "errmsg": "error"})
                now = time.time()
                recent = [r for r in fake.received if r.platform == platform and r.at > now - 60]
                if len(recent) >= fake.limit_per_minute:
                    fake.rejected.append(f"{platform}:rate")
                    return self._answer(200, {"errcode": limit_code, "errmsg": "too fast"})
                fake.received.append(Received(platform, now, body))
            return self._answer(200, ok_code)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    fake = FakeRobots(server)
    state["fake"] = fake
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake

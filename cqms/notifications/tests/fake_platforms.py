"""A real HTTP server on 127.0.0.1 that plays the three group-bot platforms.

It checks what the platforms check (ecosystem notes, section 2): the WeCom key in the URL; the
DingTalk signature and millisecond timestamp in the URL; the Feishu signature and second
timestamp in the body (each computed the way the platform documents it, independently of our
senders); keywords; body sizes; and the rate limits (WeCom and DingTalk 20 per minute, DingTalk
then silent for ten minutes; Feishu 100 per minute and 5 per second). It answers with the
documented error bodies and records every request it got.
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
from urllib.parse import parse_qs, urlsplit


@dataclass
class Bot:
    kind: str
    token: str
    secret: str = ""
    keyword: str = ""
    requests: list[float] = field(default_factory=list)  # times of counted requests
    silent_until: float = 0.0


@dataclass
class Received:
    kind: str
    token: str
    payload: dict
    headers: dict
    answer: dict
    status: int

    @property
    def accepted(self) -> bool:
        return self.status == 200 and self.answer.get("errcode", self.answer.get("code")) == 0

    @property
    def text(self) -> str:
        """Everything readable in the message (title, body, card), for assertions."""
        return json.dumps(self.payload, ensure_ascii=False)


def dingtalk_expected_sign(secret: str, timestamp: str) -> str:
    string_to_sign = f"{timestamp}\n{secret}"
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_expected_sign(secret: str, timestamp: str) -> str:
    string_to_sign = f"{timestamp}\n{secret}"
    digest = hmac.new(string_to_sign.encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class FakePlatforms:
    def __init__(self):
        self.bots: dict[tuple[str, str], Bot] = {}
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.holds: dict[str, threading.Event] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakePlatforms:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_bot(self, kind: str, token: str, *, secret: str = "", keyword: str = "") -> str:
        """Register a robot; returns its webhook URL as the platform would show it."""
        self.bots[(kind, token)] = Bot(kind, token, secret, keyword)
        if kind == "wecom":
            return f"{self.base}/cgi-bin/webhook/send?key={token}"
        if kind == "dingtalk":
            return f"{self.base}/robot/send?access_token={token}"
        return f"{self.base}/open-apis/bot/v2/hook/{token}"

    def hold(self, token: str) -> threading.Event:
        """Keep the robot's next answers back (the request is received) until the event is
        set: a sender waiting for the platform, to be killed meanwhile."""
        self.holds[token] = threading.Event()
        return self.holds[token]

    def messages(self, kind: str | None = None, *, accepted: bool = True) -> list[Received]:
        with self.lock:
            return [
                r
                for r in self.received
                if (kind is None or r.kind == kind) and (r.accepted or not accepted)
            ]

    # --- the platforms ---------------------------------------------------------------

    def _handler_class(self):
        platforms = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                try:
                    payload = json.loads(raw.decode("utf-8"))
                except ValueError:
                    payload = {}
                if parts.path == "/cgi-bin/webhook/send":
                    kind, token = "wecom", (query.get("key") or [""])[0]
                    status, answer = platforms._wecom(token, payload)
                elif parts.path == "/robot/send":
                    kind, token = "dingtalk", (query.get("access_token") or [""])[0]
                    status, answer = platforms._dingtalk(token, query, payload)
                elif parts.path.startswith("/open-apis/bot/v2/hook/"):
                    kind, token = "feishu", parts.path.rsplit("/", 1)[-1]
                    status, answer = platforms._feishu(token, payload, len(raw))
                else:
                    kind, token, status, answer = "", "", 404, {"error": "not found"}
                with platforms.lock:
                    platforms.received.append(
                        Received(
                            kind,
                            token,
                            payload,
                            {k.lower(): v for k, v in self.headers.items()},
                            answer,
                            status,
                        )
                    )
                held = platforms.holds.get(token)
                if held is not None:
                    held.wait(60)
                body = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender was killed while we held the answer back

        return Handler

    def _count(self, bot: Bot, now: float, window: float) -> int:
        return sum(1 for t in bot.requests if t > now - window)

    def _wecom(self, token, payload):
        bot = self.bots.get(("wecom", token))
        if bot is None:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        with self.lock:
            now = time.time()
            if self._count(bot, now, 60) >= 20:
                return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
            bot.requests.append(now)
        kind = payload.get("msgtype")
        if kind == "markdown":
            content = payload.get("markdown", {}).get("content", "")
            if len(content.encode("utf-8")) > 4096:
                return 200, {
                    "errcode": 40058,
                    "errmsg": "markdown.content exceed max length 4096",
                }
        elif kind == "text":
            if len(payload.get("text", {}).get("content", "").encode("utf-8")) > 2048:
                return 200, {"errcode": 40058, "errmsg": "text.content exceed max length 2048"}
        else:
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _dingtalk(self, token, query, payload):
        bot = self.bots.get(("dingtalk", token))
        if bot is None:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        now = time.time()
        if bot.secret:
            timestamp = (query.get("timestamp") or [""])[0]
            sign = (query.get("sign") or [""])[0]
            if not timestamp.isdigit() or abs(int(timestamp) / 1000 - now) > 3600:
                return 200, {"errcode": 310000, "errmsg": "invalid timestamp"}
            if not hmac.compare_digest(sign, dingtalk_expected_sign(bot.secret, timestamp)):
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        with self.lock:
            if bot.silent_until > now:
                return 200, {
                    "errcode": 130101,
                    "errmsg": "send too fast, exceed 20 times per minute",
                }
            if self._count(bot, now, 60) >= 20:
                bot.silent_until = now + 600
                return 200, {
                    "errcode": 130101,
                    "errmsg": "send too fast, exceed 20 times per minute",
                }
            bot.requests.append(now)
        if bot.keyword and bot.keyword not in json.dumps(payload, ensure_ascii=False):
            return 200, {"errcode": 310000, "errmsg": "keywords not in content"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _feishu(self, token, payload, size):
        bot = self.bots.get(("feishu", token))
        if bot is None:
            return 200, {
                "code": 19001,
                "msg": "param invalid: incoming webhook access token invalid",
            }
        if size > 20 * 1024:
            return 400, {"code": 9499, "msg": "Bad Request", "data": {}}
        now = time.time()
        if bot.secret:
            timestamp = str(payload.get("timestamp", ""))
            sign = str(payload.get("sign", ""))
            if (
                not timestamp.isdigit()
                or abs(int(timestamp) - now) > 3600
                or not hmac.compare_digest(sign, feishu_expected_sign(bot.secret, timestamp))
            ):
                return 200, {
                    "code": 19021,
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                    "data": {},
                }
        with self.lock:
            if self._count(bot, now, 1) >= 5 or self._count(bot, now, 60) >= 100:
                return 200, {"code": 11232, "msg": "frequency limited psm", "data": {}}
            bot.requests.append(now)
        if bot.keyword and bot.keyword not in json.dumps(payload, ensure_ascii=False):
            return 200, {"code": 19024, "msg": "Key Words Not Found", "data": {}}
        return 200, {"code": 0, "msg": "success", "data": {}}

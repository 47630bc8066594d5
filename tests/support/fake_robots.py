"""Local fakes of the platforms beside Slack, spoken to over real HTTP and SMTP by the project's transports:
DingTalk, WeCom and Feishu group robots (checking token, 加签 signature and timestamp, and size limits as the
real ones do, and able to throttle, fail or go down), and a mail server (aiosmtpd) that keeps what it gets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections import deque
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller

from support.fake_http import FakeHttpServer, reply

TOKEN = "robot-token-CANARY-51c2"
SECRET = "SEC-CANARY-8d0e3b7a"
LIMITS = {"dingtalk": 20_000, "feishu": 20_000}  # request body bytes; WeCom: markdown content 4,096 bytes
PER_MINUTE = {"dingtalk": (20, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
              "wecom": (20, {"errcode": 45009, "errmsg": "api freq out of limit"}),
              "feishu": (100, {"code": 11232, "msg": "frequency limited"})}
PATHS = {"/robot/send": "dingtalk", "/cgi-bin/webhook/send": "wecom", "/open-apis/bot/v2/hook/": "feishu"}
OK = {"dingtalk": {"errcode": 0, "errmsg": "ok"}, "wecom": {"errcode": 0, "errmsg": "ok"},
      "feishu": {"code": 0, "msg": "success"}}


class FakeRobots(FakeHttpServer):
    """One server for the three robots; each kind's messages in `received[kind]`, in order."""

    def __init__(self, port: int = 0) -> None:
        self.received: dict[str, list[dict[str, Any]]] = {"dingtalk": [], "wecom": [], "feishu": []}
        self.requests = 0
        self.refusals: list[str] = []  # why requests were refused (bad signature, too long, too many …)
        self._times: dict[str, list[float]] = {"dingtalk": [], "wecom": [], "feishu": []}
        self._failures: deque[tuple[int, dict[str, Any] | None, dict[str, str]]] = deque()
        self._lock = threading.Lock()
        super().__init__(port)
        self.start()

    def url(self, kind: str, token: str = TOKEN) -> str:
        base = f"http://127.0.0.1:{self._port}"
        return {"dingtalk": f"{base}/robot/send?access_token={token}",
                "wecom": f"{base}/cgi-bin/webhook/send?key={token}",
                "feishu": f"{base}/open-apis/bot/v2/hook/{token}"}[kind]

    def fail_next(self, times: int, status: int = 200, body: dict[str, Any] | None = None,
                  retry_after: int | None = None) -> None:
        """The next requests answer `status` (with `body`, e.g. a robot's rate-limit code under HTTP 200)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        for _ in range(times):
            self._failures.append((status, body, headers))

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests += 1
        raw = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        url = urlparse(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        kind = next((k for prefix, k in PATHS.items() if url.path.startswith(prefix)), None)
        if kind is None:
            return reply(request, 404, {"error": "not found"})
        if self._failures:
            status, body, headers = self._failures.popleft()
            return reply(request, status, body or {"error": "failure"}, headers)
        payload = json.loads(raw.decode("utf-8"))
        refused = self._refusal(kind, url.path, query, payload, len(raw)) or self._throttled(kind)
        if refused:
            self.refusals.append(refused[1]["errmsg" if "errmsg" in refused[1] else "msg"])
            return reply(request, 200, refused[1])
        with self._lock:
            self.received[kind].append(payload)
        return reply(request, 200, OK[kind])

    def next_minute(self) -> None:
        """A minute has passed, as far as the robots' per-minute limits go."""
        with self._lock:
            self._times = {kind: [] for kind in self._times}

    def _throttled(self, kind: str) -> tuple[int, dict[str, Any]] | None:
        """As the platforms do: more than their number of messages in a minute are refused."""
        limit, answer = PER_MINUTE[kind]
        with self._lock:
            now = time.monotonic()
            self._times[kind] = [t for t in self._times[kind] if now - t < 60] + [now]
            return (429, answer) if len(self._times[kind]) > limit else None

    def _refusal(self, kind: str, path: str, query: dict[str, str], payload: dict[str, Any],
                 size: int) -> tuple[int, dict[str, Any]] | None:
        if kind == "dingtalk":
            if query.get("access_token") != TOKEN:
                return 300001, {"errcode": 300001, "errmsg": "token is not exist"}
            stamp = query.get("timestamp", "0")
            fresh = abs(time.time() * 1000 - int(stamp)) < 3_600_000  # DingTalk: within one hour
            if not fresh or query.get("sign") != dingtalk_sign(stamp, SECRET):
                return 310000, {"errcode": 310000, "errmsg": "sign not match"}
            if size > LIMITS["dingtalk"]:
                return 460101, {"errcode": 460101, "errmsg": "message too long"}
        if kind == "wecom":
            if query.get("key") != TOKEN:
                return 93000, {"errcode": 93000, "errmsg": "invalid webhook url"}
            if len(payload.get("markdown", {}).get("content", "").encode("utf-8")) > 4096:
                return 40058, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        if kind == "feishu":
            if path.rsplit("/", 1)[-1] != TOKEN:
                return 19001, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
            if payload.get("sign") != feishu_sign(payload.get("timestamp", ""), SECRET):
                return 19021, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
            if size > LIMITS["feishu"]:
                return 9499, {"code": 9499, "msg": "request body too large"}
        return None


def dingtalk_sign(timestamp: str, secret: str) -> str:
    """Written from DingTalk's documentation, independently of the project's code."""
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def feishu_sign(timestamp: str, secret: str) -> str:
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), b"", digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


class FakeMailServer:
    """A mail server on a loopback port (aiosmtpd); `mails` are the messages it accepted, parsed."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.port = _free_port()
        self.answer: str | None = None  # e.g. "451 4.3.0 try again later" for the next DATA
        self.controller: Controller | None = None
        self.start()

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's handler hook
        if self.answer:
            answer, self.answer = self.answer, None
            return answer
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.mails.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

"""A local fake of the Slack Web API (and an incoming webhook) for tests: the real slack_sdk client talks
to it over HTTP. It checks the bearer token, records chat.postMessage calls, and can be told to fail."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from support.fake_http import FakeHttpServer, reply

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_PATH = "/services/T000/B000/fake"


class FakeSlack(FakeHttpServer):
    def __init__(self, token: str = "xoxb-test-token", port: int = 0) -> None:
        self.token = token
        self.messages: list[dict[str, Any]] = []  # accepted posts, in order, with their ts
        self.requests = 0  # every HTTP request, failed ones included
        self._failures: deque[tuple[int, dict[str, str], dict[str, Any]]] = deque()
        self.hang_seconds = 0.0  # each request waits this long, then is handled (Slack slow, not down)
        self.history_readable = True  # False: the bot lacks channels:history (lookups answer missing_scope)
        self.lookups = 0
        self._lock = threading.Lock()
        self._counter = 0
        super().__init__(port)
        self.start()

    # --- control -------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self._port}{WEBHOOK_PATH}"

    def fail_next(self, times: int, status: int = 500, retry_after: int | None = None,
                  error: str = "internal_error") -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        for _ in range(times):
            self._failures.append((status, headers, {"ok": False, "error": error}))

    def refuse_token(self) -> None:
        self.token = "a-token-nobody-has"

    # --- serving -------------------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests += 1
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length).decode("utf-8")
        path, _, query = request.path.partition("?")
        if self.hang_seconds:
            time.sleep(self.hang_seconds)
        if self._failures:
            status, headers, body = self._failures.popleft()
            return reply(request, status, body, headers)
        if request.path == WEBHOOK_PATH:
            payload = json.loads(raw)
            return self._accept(request, payload, "webhook", webhook=True)
        if path not in ("/api/chat.postMessage", *READ_METHODS):
            return reply(request, 404, {"ok": False, "error": "unknown_method"})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return reply(request, 200, {"ok": False, "error": "invalid_auth"})
        payload = json.loads(raw) if raw.startswith("{") else dict(parse_qsl(raw or query))
        if path in READ_METHODS:
            return reply(request, 200, READ_METHODS[path](self, payload))
        if not payload.get("channel"):
            return reply(request, 200, {"ok": False, "error": "channel_not_found"})
        return self._accept(request, payload, payload["channel"])

    def _accept(self, request, payload: dict[str, Any], channel: str, webhook: bool = False) -> None:
        with self._lock:
            self._counter += 1
            ts = f"{int(time.time())}.{self._counter:06d}"  # a real time: lookups filter by `oldest`
            self.messages.append({**payload, "ts": ts, "channel": channel})
        if webhook:
            request.send_response(200)
            request.send_header("Content-Type", "text/plain")
            request.end_headers()
            request.wfile.write(b"ok")
            return None
        return reply(request, 200, {"ok": True, "channel": channel_id(channel), "ts": ts})

    # --- reading back (what a sender uses to find a message it is unsure it posted) ------------------------
    def _list(self, _: dict[str, str]) -> dict[str, Any]:
        if not self.history_readable:
            return {"ok": False, "error": "missing_scope"}
        names = dict.fromkeys([*WORKSPACE_CHANNELS, *(m["channel"].lstrip("#") for m in self.messages)])
        return {"ok": True, "channels": [{"id": channel_id(n), "name": n} for n in names]}

    def _history(self, query: dict[str, str], replies: bool = False) -> dict[str, Any]:
        if not self.history_readable:
            return {"ok": False, "error": "missing_scope"}
        with self._lock:
            self.lookups += 1
        found = [m for m in self.messages if channel_id(m["channel"]) == query["channel"]
                 and float(m["ts"]) >= float(query.get("oldest") or 0)
                 and (m.get("thread_ts") in (query.get("ts"), None) if replies else not m.get("thread_ts"))
                 and (not replies or query.get("ts") in (m["ts"], m.get("thread_ts")))]
        shown = [{"ts": m["ts"], "text": m.get("text"), "thread_ts": m.get("thread_ts"),
                  **({"metadata": m["metadata"]} if m.get("metadata") and query.get("include_all_metadata")
                     in ("1", "true", True) else {})} for m in reversed(found)]
        return {"ok": True, "messages": shown, "has_more": False}


def channel_id(channel: str) -> str:
    """A stable Slack-style id for a channel name."""
    return "C" + hashlib.sha1(channel.lstrip("#").encode()).hexdigest()[:10].upper()


# The workspace's channels: those the shipped routes name (a channel exists before its first message).
WORKSPACE_CHANNELS = [c.lstrip("#") for c in re.findall(r'"(#[^"]+)"', (ROOT / "deployments" / "channels.toml")
                                                      .read_text("utf-8"))]
READ_METHODS = {
    "/api/conversations.list": FakeSlack._list,
    "/api/conversations.history": FakeSlack._history,
    "/api/conversations.replies": lambda fake, query: fake._history(query, replies=True),
}


def seeded_county_with_its_channel(tmp_path: Path, monkeypatch: Any, slack: FakeSlack,
                                   campaign_channels: dict[str, str], **settings: str) -> str:
    """A seeded roster of 贵州 (40 households), messages to the fake Slack: the campaigns' channels as given,
    `#county` for the first household's county (whose code is returned), `#all` for the rest."""
    from tasks.reference.provinces import parse_provinces
    from tasks.settings import get_settings
    from tasks.storage import db
    from tasks.storage.engine import build_engine
    from tasks.storage.reads import read_table
    from tasks.synthetic.seed import seed_database

    engine = build_engine()
    db.upgrade(engine)
    seed_database(engine, 40, parse_provinces("52"), seed=7)
    code = read_table(engine, "households")["county_code"].iloc[0]
    routes = tmp_path / "channels.toml"
    campaigns = "".join(f'{name} = "{channel}"\n' for name, channel in campaign_channels.items())
    routes.write_text(f'default = "#all"\n[campaigns]\n{campaigns}[counties]\n"{code}" = "#county"\n', "utf-8")
    for key, value in {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": slack.url,
                       "SLACK_CHANNELS_FILE": str(routes), **settings}.items():
        monkeypatch.setenv(f"CAMPAIGNS_{key}", value)
    get_settings.cache_clear()
    return code

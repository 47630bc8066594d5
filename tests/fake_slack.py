"""A local fake of the Slack Web API (and an incoming webhook) for tests: the real slack_sdk client talks
to it over HTTP. It checks the bearer token, records chat.postMessage calls, and can be told to fail."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

WEBHOOK_PATH = "/services/T000/B000/fake"


class FakeSlack:
    def __init__(self, token: str = "xoxb-test-token", port: int = 0) -> None:
        self.token = token
        self.messages: list[dict[str, Any]] = []  # accepted posts, in order, with their ts
        self.requests = 0  # every HTTP request, failed ones included
        self._failures: deque[tuple[int, dict[str, str], dict[str, Any]]] = deque()
        self.hang_seconds = 0.0
        self._lock = threading.Lock()
        self._counter = 0
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self.start()

    # --- control -------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self._port}{WEBHOOK_PATH}"

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, *args) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Take the server down: connections are refused until `start()`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

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
        if self.hang_seconds:
            time.sleep(self.hang_seconds)
        if self._failures:
            status, headers, body = self._failures.popleft()
            return self._reply(request, status, body, headers)
        if request.path == WEBHOOK_PATH:
            payload = json.loads(raw)
            return self._accept(request, payload, "webhook", webhook=True)
        if request.path != "/api/chat.postMessage":
            return self._reply(request, 404, {"ok": False, "error": "unknown_method"})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._reply(request, 200, {"ok": False, "error": "invalid_auth"})
        payload = json.loads(raw) if raw.startswith("{") else dict(
            pair.split("=", 1) for pair in raw.split("&") if pair)
        if not payload.get("channel"):
            return self._reply(request, 200, {"ok": False, "error": "channel_not_found"})
        return self._accept(request, payload, payload["channel"])

    def _accept(self, request, payload: dict[str, Any], channel: str, webhook: bool = False) -> None:
        with self._lock:
            self._counter += 1
            ts = f"1700000000.{self._counter:06d}"
            self.messages.append({**payload, "ts": ts, "channel": channel})
        if webhook:
            request.send_response(200)
            request.send_header("Content-Type", "text/plain")
            request.end_headers()
            request.wfile.write(b"ok")
            return None
        return self._reply(request, 200, {"ok": True, "channel": channel, "ts": ts})

    @staticmethod
    def _reply(request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)

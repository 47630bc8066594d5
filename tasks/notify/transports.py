"""Where messages go: the Slack Web API, an incoming webhook, or the local outbox file (the default)."""

from __future__ import annotations

import json
import logging
import socket
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)

AUTH_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


class DeliveryError(Exception):
    """The message was not delivered this time; it stays pending."""


class AuthError(DeliveryError):
    """The credentials are refused: retrying will not help until someone fixes the setting."""


class Transport(Protocol):
    name: str
    supports_threads: bool

    def send(self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None) -> str:
        """Deliver one message; return its id (Slack `ts`) or raise DeliveryError."""
        ...


def retry_handlers(max_retries: int) -> list:
    # 429 honours Retry-After; 5xx and dropped or timed-out connections back off and retry.
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries),
        ConnectionErrorRetryHandler(max_retry_count=max_retries,
                                    error_types=[URLError, ConnectionError, TimeoutError, socket.timeout]),
    ]


class SlackWebApiTransport:
    name = "slack"
    supports_threads = True

    def __init__(self, token: str, base_url: str, timeout: int, max_retries: int) -> None:
        self.client = WebClient(token=token, base_url=base_url.rstrip("/") + "/", timeout=timeout,
                                retry_handlers=retry_handlers(max_retries))

    def send(self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None) -> str:
        try:
            response = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks or None,
                                                    thread_ts=thread_ts, unfurl_links=False)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in AUTH_ERRORS:
                raise AuthError(f"Slack refused the bot token ({error}): check CAMPAIGNS_SLACK_BOT_TOKEN") from exc
            status = exc.response.status_code if exc.response is not None else "?"
            raise DeliveryError(f"Slack answered {status} {error or ''}".strip()) from exc
        except Exception as exc:  # connection refused, timeout after retries …
            raise DeliveryError(f"Slack unreachable: {type(exc).__name__}: {exc}") from exc
        return str(response["ts"])


class WebhookTransport:
    name = "webhook"
    supports_threads = False  # incoming webhooks cannot reply in threads

    def __init__(self, url: str, timeout: int, max_retries: int) -> None:
        self.client = WebhookClient(url=url, timeout=timeout, retry_handlers=retry_handlers(max_retries))

    def send(self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None) -> str:
        try:
            response = self.client.send(text=text, blocks=blocks or None)
        except Exception as exc:
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code in (401, 403) or response.body in ("invalid_token", "no_service"):
            raise AuthError(f"Slack refused the webhook ({response.status_code} {response.body}): "
                            "check CAMPAIGNS_SLACK_WEBHOOK_URL")
        if response.status_code != 200:
            raise DeliveryError(f"webhook answered {response.status_code} {response.body}")
        return f"webhook-{uuid.uuid4().hex[:12]}"


class LocalOutboxTransport:
    """The embedded default: each message is logged and appended to a JSON-lines file."""

    name = "local"
    supports_threads = True

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, channel: str, text: str, blocks: list[dict[str, Any]], thread_ts: str | None) -> str:
        ts = f"local-{uuid.uuid4().hex[:12]}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"ts": ts, "channel": channel, "thread_ts": thread_ts, "text": text, "blocks": blocks,
                  "sent_at": datetime.now().astimezone().isoformat(timespec="seconds")}
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        log.info("[%s]%s %s", channel, " (thread)" if thread_ts else "", text.splitlines()[0] if text else "")
        return ts

"""Where messages go: the Slack Web API, an incoming webhook, or the local outbox file (the default); the
robots and e-mail are in tasks.notify.robots and tasks.notify.mail. Every transport gets what a message says
(its `body`) and renders it in its platform's format."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from http.client import HTTPException
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
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from tasks.notify import render

log = logging.getLogger(__name__)

AUTH_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
# Slack's answers when the bot may not read a channel's history: the lookup is impossible, not failed.
LOOKUP_REFUSALS = {"missing_scope", "not_in_channel", "channel_not_found"}
# Slack's answers refusing a message itself (its blocks, its channel): sending it again will not help.
MESSAGE_REFUSALS = {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "no_text", "is_archived",
                    "invalid_arguments", "channel_not_found", "not_in_channel"}
METADATA_EVENT = "campaigns_outbox_message"  # marks our posts so a lookup finds them by key


class DeliveryError(Exception):
    """The message was not delivered this time; it stays pending."""


class Unconfirmed(DeliveryError):
    """The request reached Slack but no answer came back (a read timeout, a connection cut mid-answer): Slack
    may have posted the message. The next attempt looks for it in the channel before posting again."""


class Rejected(DeliveryError):
    """The platform refused this message itself (its content, size or channel): it is marked failed, with the
    reason, and the target's other messages go on."""


class LookupRefused(DeliveryError):
    """Slack does not let the bot look in the channel."""


class AuthError(DeliveryError):
    """The credentials are refused: retrying will not help until someone fixes the setting."""


class Retryable(DeliveryError):
    """Throttled (429, a robot's rate-limit code), a 5xx, or refused before the request was sent: worth
    another try in a moment. `wait` is what the server asked for (Retry-After), when it said."""

    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class Transport(Protocol):
    name: str
    supports_threads: bool

    def send(self, channel: str, body: dict[str, Any], thread_ts: str | None, key: str = "") -> str:
        """Deliver one message (tasks.notify.message.Message.body); return its id (Slack `ts`) or raise
        DeliveryError. `key` identifies the message for `find`."""
        ...


def _backoff(state) -> float:
    asked = getattr(state.outcome.exception(), "wait", None)
    if asked is not None:
        return min(float(asked), 60.0)
    return min(0.5 * 2 ** (state.attempt_number - 1), 8.0)


def retrying(max_retries: int) -> Retrying:
    """Retries of one robot or SMTP call: Retry-After when the server gave it, else 0.5, 1, 2 … 8 s."""
    return Retrying(retry=retry_if_exception_type(Retryable), stop=stop_after_attempt(max_retries + 1),
                    wait=_backoff, reraise=True)


def retry_handlers(max_retries: int) -> list:
    # 429 honours Retry-After; 5xx back off and retry. Of the connection errors only those raised before the
    # request was sent (urllib wraps them in URLError): a retry after a read timeout could post twice.
    return [
        RateLimitErrorRetryHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries),
        ConnectionErrorRetryHandler(max_retry_count=max_retries, error_types=[URLError]),
    ]


class SlackWebApiTransport:
    name = "slack"
    supports_threads = True

    def __init__(self, token: str, base_url: str, timeout: int, max_retries: int) -> None:
        self.client = WebClient(token=token, base_url=base_url.rstrip("/") + "/", timeout=timeout,
                                retry_handlers=retry_handlers(max_retries))
        self._channel_ids: dict[str, str] = {}

    def send(self, channel: str, body: dict[str, Any], thread_ts: str | None, key: str = "") -> str:
        text, blocks = render.slack(body)
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": key}} if key else None
        try:
            response = self._call(self.client.chat_postMessage, channel=channel, text=text, blocks=blocks or None,
                                  thread_ts=thread_ts, unfurl_links=False, metadata=metadata)
        except LookupRefused as exc:  # posting, a missing channel is this message's problem
            raise Rejected(f"Slack refused the message for {channel}: {exc}") from exc
        self._channel_ids[channel] = str(response["channel"])
        return str(response["ts"])

    def find(self, channel: str, key: str, since: datetime, thread_ts: str | None) -> str | None:
        """The `ts` of the message posted with `key` since `since`, or None. None too when the bot may not
        read the channel (no channels:history scope): the caller then posts, and a timeout can repeat a
        message, which the log says."""
        try:
            channel_id = self._channel_id(channel)
            pages = {"channel": channel_id, "oldest": f"{since.timestamp() - 60:.6f}", "include_all_metadata": True,
                     "limit": 200}
            method = self.client.conversations_history
            if thread_ts:
                method, pages["ts"] = self.client.conversations_replies, thread_ts
            cursor = None
            while True:
                page = self._call(method, **pages, cursor=cursor)
                for found in page.get("messages") or []:
                    payload = (found.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("key") == key:
                        return str(found["ts"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return None
        except LookupRefused as exc:
            log.warning("cannot look for an unconfirmed message in %s (%s); posting it again, which may repeat it",
                        channel, exc)
            return None

    def _channel_id(self, channel: str) -> str:
        """conversations.history takes a channel's id; routes name channels (#name)."""
        if channel not in self._channel_ids:
            name, cursor = channel.lstrip("#"), None
            while channel not in self._channel_ids:
                page = self._call(self.client.conversations_list, types="public_channel,private_channel",
                                  exclude_archived=True, limit=1000, cursor=cursor)
                for listed in page.get("channels") or []:
                    if name in (listed.get("name"), listed.get("id")):
                        self._channel_ids[channel] = str(listed["id"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor and channel not in self._channel_ids:
                    raise LookupRefused(f"channel {channel} not found")
        return self._channel_ids[channel]

    @staticmethod
    def _call(method: Any, **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            if error in AUTH_ERRORS:
                raise AuthError(f"Slack refused the bot token ({error}): check CAMPAIGNS_SLACK_BOT_TOKEN") from exc
            if error in LOOKUP_REFUSALS:
                raise LookupRefused(error) from exc
            if error in MESSAGE_REFUSALS:
                raise Rejected(f"Slack refused the message ({error})") from exc
            status = exc.response.status_code if exc.response is not None else "?"
            raise DeliveryError(f"Slack answered {status} {error or ''}".strip()) from exc
        except URLError as exc:  # refused or cut before the request was sent, after the client's retries
            raise DeliveryError(f"Slack unreachable: {type(exc).__name__}: {exc}") from exc
        except (TimeoutError, ConnectionError, HTTPException) as exc:
            raise Unconfirmed(f"Slack did not answer: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:  # an answer the client could not read …
            raise DeliveryError(f"Slack call failed: {type(exc).__name__}: {exc}") from exc


class WebhookTransport:
    name = "webhook"
    supports_threads = False  # incoming webhooks cannot reply in threads

    def __init__(self, url: str, timeout: int, max_retries: int) -> None:
        self.client = WebhookClient(url=url, timeout=timeout, retry_handlers=retry_handlers(max_retries))

    def send(self, channel: str, body: dict[str, Any], thread_ts: str | None, key: str = "") -> str:
        text, blocks = render.slack(body)
        try:
            response = self.client.send(text=text, blocks=blocks or None)
        except Exception as exc:
            raise DeliveryError(f"webhook unreachable: {type(exc).__name__}: {exc}") from exc
        if response.status_code in (401, 403) or response.body in ("invalid_token", "no_service"):
            raise AuthError(f"Slack refused the webhook ({response.status_code} {response.body}): "
                            "check CAMPAIGNS_SLACK_WEBHOOK_URL")
        if response.status_code == 400:
            raise Rejected(f"Slack refused the message ({response.body})")
        if response.status_code != 200:
            raise DeliveryError(f"webhook answered {response.status_code} {response.body}")
        return f"webhook-{uuid.uuid4().hex[:12]}"


class LocalOutboxTransport:
    """The embedded default: each message is logged and appended to a JSON-lines file."""

    name = "local"
    supports_threads = True

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, channel: str, body: dict[str, Any], thread_ts: str | None, key: str = "") -> str:
        text, blocks = render.slack(body)
        ts = f"local-{uuid.uuid4().hex[:12]}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"ts": ts, "channel": channel, "thread_ts": thread_ts, "text": text, "blocks": blocks, "body": body,
                  "sent_at": datetime.now().astimezone().isoformat(timespec="seconds")}
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        log.info("[%s]%s %s", channel, " (thread)" if thread_ts else "", text.splitlines()[0] if text else "")
        return ts

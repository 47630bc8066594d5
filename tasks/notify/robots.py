"""Group robots over their documented webhook APIs: DingTalk (钉钉, with 加签), WeCom (企业微信) and Feishu
(飞书). Apprise speaks to them too, but posts to fixed public hosts (no private deployment, no local test
server), answers only True/False (a refused token looks like an outage) and sends WeCom and Feishu as bare
text; so each robot is one small class over httpx here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import httpx

from tasks.notify import render
from tasks.notify.transports import AuthError, DeliveryError, Rejected, Retryable, Unconfirmed, retrying

# What each robot takes per minute (DingTalk throttles a robot for 10 minutes past its 20): beyond it, messages
# stay pending for the next flush instead of being refused.
PER_MINUTE = {"dingtalk": 20, "wecom": 20, "feishu": 100}
# The robots answer HTTP 200 with an error code in the body. "Too many messages" leaves the target for the
# next flush; codes meaning the robot refuses us (wrong token, signature, keyword or IP) stop it until someone
# fixes the setting; any other code refuses this message (its content or size), which is marked failed.
RATE_LIMITED = {"dingtalk": {130101}, "wecom": {45009}, "feishu": {11232}}
REFUSED = {"dingtalk": {300001, 300005, 310000}, "wecom": {93000}, "feishu": {19001, 19021, 19022, 19024}}


# httpx logs each request's URL at INFO; a robot's URL is its credential (and a signature rides along).
CREDENTIALS_IN_URL = re.compile(r"((?:access_token|key|sign)=)[^&\s\"]+|(/bot/v2/hook/)[^/?\s\"]+")


class _HideRobotCredentials(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg, record.args = record.getMessage(), None
        record.msg = CREDENTIALS_IN_URL.sub(lambda m: (m.group(1) or m.group(2)) + "***", str(record.msg))
        return True


logging.getLogger("httpx").addFilter(_HideRobotCredentials())


class RobotTransport:
    """One robot (one group chat). `secret` is read when first needed, so a missing one fails only its target."""

    supports_threads = False  # robots cannot reply in a thread: each message names its run instead

    def __init__(self, kind: str, url: Callable[[], str], secret: Callable[[], str | None], timeout: int,
                 max_retries: int) -> None:
        self.name = kind
        self.kind = kind
        self.per_minute = PER_MINUTE[kind]  # the outbox counts sends against it in the database
        self._url, self._secret = url, secret
        self.max_retries = max_retries
        self.client = httpx.Client(timeout=timeout, transport=httpx.HTTPTransport(retries=0))

    def send(self, channel: str, body: dict[str, Any], thread_ts: str | None, key: str = "") -> str:
        payload = render.RENDERERS[self.kind](body)
        try:
            for attempt in retrying(self.max_retries):
                with attempt:
                    self._post(channel, payload)
        except DeliveryError:
            raise
        except Exception as exc:  # a malformed address or answer: the message waits, the run goes on
            raise DeliveryError(f"{channel} ({self.kind}) could not be sent: {type(exc).__name__}") from None
        return f"{self.kind}-{uuid.uuid4().hex[:12]}"

    def _post(self, channel: str, payload: dict[str, Any]) -> None:
        url, secret = self._url(), self._secret()
        if self.kind == "dingtalk" and secret:
            stamp = str(round(time.time() * 1000))
            url += f"&timestamp={stamp}&sign={quote_plus(dingtalk_sign(stamp, secret))}"
        elif self.kind == "feishu" and secret:
            stamp = str(int(time.time()))
            payload = {**payload, "timestamp": stamp, "sign": feishu_sign(stamp, secret)}
        # UTF-8 as measured by the renderer's size limits (httpx before 0.28 escaped non-ASCII: 6 bytes a 字).
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            response = self.client.post(url, content=data, headers={"Content-Type": "application/json"})
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing was sent: safe to try again
            raise Retryable(f"{channel} ({self.kind}) unreachable: {type(exc).__name__}") from None
        except httpx.TransportError as exc:  # sent, no answer: the robot may have posted it
            raise Unconfirmed(f"{channel} ({self.kind}) did not answer: {type(exc).__name__}") from None
        status = response.status_code
        if status in (429, 503):  # refused before posting: safe to try again
            raise Retryable(f"{channel} ({self.kind}) answered {status}",
                            _retry_after(response.headers.get("Retry-After")))
        if status >= 500:  # a gateway may answer so after the robot posted: next flush, not at once
            raise Unconfirmed(f"{channel} ({self.kind}) answered {status}")
        if status in (401, 403, 404):
            raise AuthError(f"{channel} ({self.kind}) refused the robot's address ({status}): check its url setting")
        if status != 200:
            raise Rejected(f"{channel} ({self.kind}) refused the message ({status})")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise DeliveryError(f"{channel} ({self.kind}) answered with something else than a JSON object")
        code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
        said = str(answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or "")[:200]
        if code in (0, None):
            return
        if code in RATE_LIMITED[self.kind]:  # trying again now would only prolong the throttling
            raise DeliveryError(f"{channel} ({self.kind}) is throttled: {code} {said}")
        if code in REFUSED[self.kind]:
            raise AuthError(f"{channel} ({self.kind}) refused the message: {code} {said}: check the robot's "
                            "url, signing secret and security settings")
        raise Rejected(f"{channel} ({self.kind}) refused the message: {code} {said}")


def dingtalk_sign(timestamp: str, secret: str) -> str:
    """加签: Base64(HMAC-SHA256(key=secret, message=timestamp + "\\n" + secret)); URL-encoded by the caller."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def feishu_sign(timestamp: str, secret: str) -> str:
    """签名校验: Base64(HMAC-SHA256(key=timestamp + "\\n" + secret, message=empty))."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None

"""Group robots over their documented webhook APIs: DingTalk (钉钉, with 加签), WeCom (企业微信) and Feishu
(飞书). Apprise speaks to them too, but posts to fixed public hosts (no private deployment, no local test
server), answers only True/False (a refused token looks like an outage) and sends WeCom and Feishu as bare
text; so each robot is one small class over httpx here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import httpx

from tasks.notify import render
from tasks.notify.transports import AuthError, DeliveryError, Retryable, Unconfirmed, retrying

# The robots answer HTTP 200 with an error code in the body. Codes meaning "too many messages" (20 a minute
# per DingTalk or WeCom robot) are retried like a 429; codes meaning the robot refuses us (wrong token,
# signature, keyword or IP) stop until someone fixes the setting.
# What each robot takes per minute (DingTalk throttles a robot for 10 minutes past its 20): beyond it, messages
# stay pending for the next flush instead of being refused.
PER_MINUTE = {"dingtalk": 20, "wecom": 20, "feishu": 100}
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
    window_seconds = 60.0

    def __init__(self, kind: str, url: Callable[[], str], secret: Callable[[], str | None], timeout: int,
                 max_retries: int) -> None:
        self.name = kind
        self.kind = kind
        self._url, self._secret = url, secret
        self.max_retries = max_retries
        self.client = httpx.Client(timeout=timeout, transport=httpx.HTTPTransport(retries=0))
        self._requests: deque[float] = deque()  # this process's requests in the last window

    def send(self, channel: str, body: dict[str, Any], thread_ts: str | None, key: str = "") -> str:
        payload = render.RENDERERS[self.kind](body)
        for attempt in retrying(self.max_retries):
            with attempt:
                self._post(channel, payload)
        return f"{self.kind}-{uuid.uuid4().hex[:12]}"

    def _post(self, channel: str, payload: dict[str, Any]) -> None:
        url, secret = self._url(), self._secret()
        self._spend(channel)
        if self.kind == "dingtalk" and secret:
            stamp = str(round(time.time() * 1000))
            url += f"&timestamp={stamp}&sign={quote_plus(dingtalk_sign(stamp, secret))}"
        elif self.kind == "feishu" and secret:
            stamp = str(int(time.time()))
            payload = {**payload, "timestamp": stamp, "sign": feishu_sign(stamp, secret)}
        try:
            response = self.client.post(url, json=payload)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # nothing was sent: safe to try again
            raise Retryable(f"{channel} ({self.kind}) unreachable: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:  # sent, no answer: the robot may have posted it
            raise Unconfirmed(f"{channel} ({self.kind}) did not answer: {type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise Retryable(f"{channel} ({self.kind}) answered {response.status_code}",
                            _retry_after(response.headers.get("Retry-After")))
        if response.status_code in (401, 403, 404):
            raise AuthError(f"{channel} ({self.kind}) refused the robot's address ({response.status_code}): "
                            "check its url setting")
        if response.status_code != 200:
            raise DeliveryError(f"{channel} ({self.kind}) answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError as exc:
            raise DeliveryError(f"{channel} ({self.kind}) answered with something else than JSON") from exc
        code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
        said = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage") or ""
        if code in (0, None):
            return
        if code in RATE_LIMITED[self.kind]:
            raise Retryable(f"{channel} ({self.kind}) is throttled: {code} {said}")
        if code in REFUSED[self.kind]:
            raise AuthError(f"{channel} ({self.kind}) refused the message: {code} {said}: check the robot's "
                            "url, signing secret and security settings")
        raise DeliveryError(f"{channel} ({self.kind}) answered {code} {said}")


    def _spend(self, channel: str) -> None:
        now = time.monotonic()
        while self._requests and now - self._requests[0] >= self.window_seconds:
            self._requests.popleft()
        if len(self._requests) >= PER_MINUTE[self.kind]:
            raise DeliveryError(f"{channel} ({self.kind}): 已达每分钟 {PER_MINUTE[self.kind]} 条的上限，其余稍后发送 / "
                                "the robot's per-minute limit is reached; the rest wait for the next flush")
        self._requests.append(now)


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

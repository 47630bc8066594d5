"""The transport of each target: Slack channels share the Slack transport (Web API, webhook or the local
outbox); each robot and mailing list declared in the channels file has its own, with its secrets read from
the environment (or `.env`) or a Prefect Secret block when first needed."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache

from tasks.notify.mail import EmailTransport, SmtpServer
from tasks.notify.robots import RobotTransport
from tasks.notify.routing import Target, is_slack_channel
from tasks.notify.transports import AuthError, Rejected, Transport
from tasks.settings import Settings


class Transports:
    def __init__(self, slack: Transport, targets: dict[str, Target], settings: Settings) -> None:
        self.slack = slack
        self.targets = targets
        self.settings = settings
        self._built: dict[str, Transport] = {}

    def of(self, channel: str) -> Transport:
        target = self.targets.get(channel)
        if target is None:
            return self.slack if is_slack_channel(channel) else UNDECLARED
        if channel not in self._built:
            self._built[channel] = self._build(target)
        return self._built[channel]

    def kinds(self) -> list[str]:
        return [self.slack.name, *sorted({t.kind for t in self.targets.values()})]

    def _build(self, target: Target) -> Transport:
        s = self.settings
        if target.kind == "email":
            return EmailTransport(smtp_server(s), list(target.options["to"]))
        secret = target.options.get("secret")
        return RobotTransport(target.kind, secret_reader(target.options["url"], target.name),
                              secret_reader(secret, target.name) if secret else lambda: None,
                              s.notify_timeout_seconds, s.notify_max_retries)


class _Undeclared:
    """A stored message whose target was since removed from the channels file (or renamed)."""

    name = "undeclared"
    supports_threads = False

    def send(self, channel: str, body: dict, thread_ts: str | None, key: str = "") -> str:
        raise Rejected(f"{channel}: 目标已不在 channels.toml 中 / the target is no longer declared")


UNDECLARED = _Undeclared()


def smtp_server(settings: Settings) -> SmtpServer | None:
    if not settings.smtp_host:
        return None
    if settings.smtp_password is not None:
        password = settings.smtp_password.get_secret_value
    elif settings.smtp_password_block:
        password = secret_reader(f"block:{settings.smtp_password_block}", "smtp")
    else:
        password = lambda: None  # noqa: E731 - a relay without login
    return SmtpServer(settings.smtp_host, settings.smtp_port, settings.smtp_security, settings.smtp_user, password,
                      settings.smtp_sender, settings.notify_timeout_seconds, settings.notify_max_retries)


def secret_reader(reference: str, target: str) -> Callable[[], str]:
    """`env:NAME` (the environment, else `.env`) or `block:NAME` (a Prefect Secret block), read once."""
    kind, _, name = reference.partition(":")

    @cache
    def read() -> str:
        if kind == "env":
            value = os.environ.get(name) or _dotenv().get(name)
        else:
            from prefect.blocks.system import Secret

            try:
                value = str(Secret.load(name).get())
            except Exception as exc:  # no such block, or the Prefect API is unreachable
                raise AuthError(f"{target}: Prefect Secret 块 {name} 读取失败 / cannot read the Secret block "
                                f"({type(exc).__name__})") from None
        value = (value or "").strip()  # a value pasted with its line break
        if not value:
            raise AuthError(f"{target}: 密钥 {reference} 未设置 / the secret {reference} is not set")
        return value

    return read


@cache
def _dotenv() -> dict[str, str | None]:
    from dotenv import dotenv_values

    return dotenv_values(".env") if os.path.exists(".env") else {}

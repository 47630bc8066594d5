"""The notifier every stage uses: mask, store in the outbox, try to deliver; never fail the flow."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from tasks.notify.masking import PersonalDataMasker
from tasks.notify.message import Message
from tasks.notify.outbox import DeliveryReport, deliver_pending, enqueue, pending_count
from tasks.notify.routing import ChannelRouter
from tasks.notify.transports import (
    DeliveryError,
    LocalOutboxTransport,
    SlackWebApiTransport,
    Transport,
    WebhookTransport,
)
from tasks.settings import Settings, get_settings
from tasks.storage.engine import build_engine

log = logging.getLogger(__name__)
BACKOFF_SECONDS = 60.0  # after a failed delivery, only store messages for a while: Slack is likely down


@dataclass
class NotifyOutcome:
    outbox_id: int
    channel: str
    delivered: DeliveryReport | None  # None when delivery was skipped during a back-off


class Notifier:
    def __init__(self, engine: Engine, transport: Transport, router: ChannelRouter,
                 masker: PersonalDataMasker | None = None) -> None:
        self.engine = engine
        self.transport = transport
        self.router = router
        self.masker = masker or PersonalDataMasker(engine)
        self._quiet_until = 0.0
        self._auth_reported = False

    def notify(self, message: Message) -> NotifyOutcome:
        """Store the (masked) message durably, then deliver what this run has pending. With the database
        down (what a failure alert may be about), the message is sent straight away instead."""
        channel = message.channel or self.router.route(message.campaign, message.province, message.county)
        try:
            return self._notify(message, channel)
        except DBAPIError as exc:
            log.error("the outbox cannot be written (%s); sending the message directly", type(exc.orig).__name__)
            # Without the roster, names cannot be looked up: ID numbers are still masked by their pattern.
            text, blocks = PersonalDataMasker(None).mask([message.text, message.blocks])
            try:
                self.transport.send(channel, text, blocks, None)
            except DeliveryError as failed:
                log.error("and the direct send failed too: %s", failed)
                return NotifyOutcome(0, channel, DeliveryReport(failed=1, errors=[str(failed)]))
            return NotifyOutcome(0, channel, DeliveryReport(sent=1))

    def _notify(self, message: Message, channel: str) -> NotifyOutcome:
        text, blocks = self.masker.mask([message.text, message.blocks], keep=message.staff)
        # A rerun that finds the same sends nothing again; one that finds something else says so. The run's
        # link is left out of the comparison: every rerun is a new flow run with a new link.
        digest = hashlib.sha256((message.content or text).encode("utf-8")).hexdigest()[:16]
        outbox_id = enqueue(
            self.engine, dedupe_key=f"{message.dedupe_key}:{digest}"[:200], channel=channel, text=text,
            blocks=blocks,
            campaign_run_id=message.campaign_run_id,
            thread_key=f"{message.campaign_run_id}:{channel}" if message.campaign_run_id else None,
        )
        if time.monotonic() < self._quiet_until:
            return NotifyOutcome(outbox_id, channel, None)
        report = self.flush(campaign_run_id=message.campaign_run_id)
        return NotifyOutcome(outbox_id, channel, report)

    def flush(self, campaign_run_id: str | None = None) -> DeliveryReport:
        report = deliver_pending(self.engine, self.transport, campaign_run_id=campaign_run_id)
        if report.auth_error or report.failed:
            self._quiet_until = time.monotonic() + BACKOFF_SECONDS
        if report.auth_error and not self._auth_reported:
            self._auth_reported = True  # once per process, not once per message
            log.error("notifications are not delivered: %s; %d message(s) wait in the outbox",
                      report.auth_error, pending_count(self.engine))
        elif report.failed:
            log.warning("notification delivery failed (%s); messages stay in the outbox for "
                        "`campaigns outbox flush`", report.errors[-1])
        return report


def build_transport(settings: Settings) -> Transport:
    token = _bot_token(settings)
    if token:
        return SlackWebApiTransport(token, settings.slack_api_url, settings.slack_timeout_seconds,
                                    settings.slack_max_retries)
    if settings.slack_webhook_url is not None:
        return WebhookTransport(settings.slack_webhook_url.get_secret_value(), settings.slack_timeout_seconds,
                                settings.slack_max_retries)
    return LocalOutboxTransport(settings.outbox_path)


def build_router(settings: Settings) -> ChannelRouter:
    """Routes from the channels file; CAMPAIGNS_SLACK_DEFAULT_CHANNEL, when set, overrides its default."""
    override = settings.slack_default_channel if "slack_default_channel" in settings.model_fields_set else None
    path = settings.slack_channels_file or Path(str(files("deployments") / "channels.toml"))
    if not path.exists():
        return ChannelRouter(settings.slack_default_channel)
    return ChannelRouter.from_file(path, default=override)


def _bot_token(settings: Settings) -> str | None:
    if settings.slack_bot_token is not None:
        return settings.slack_bot_token.get_secret_value()
    if settings.slack_bot_token_block:
        from prefect.blocks.system import Secret

        return str(Secret.load(settings.slack_bot_token_block).get())
    return None


def build_notifier(settings: Settings | None = None, engine: Engine | None = None) -> Notifier:
    """The notifier chosen by settings: Slack Web API, incoming webhook, or the local outbox."""
    settings = settings or get_settings()
    return Notifier(engine or build_engine(settings), build_transport(settings), build_router(settings))

"""The notifier every stage uses: route, mask, store in the outbox (or hold for a digest), try to deliver;
never fail the flow."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from tasks.notify.digest import compose_due
from tasks.notify.masking import PersonalDataMasker
from tasks.notify.message import Message, content_of, plain_text
from tasks.notify.outbox import DeliveryReport, deliver_pending, enqueue, pending_count
from tasks.notify.routing import ChannelRouter, DigestRule, Route
from tasks.notify.targets import Transports
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
BACKOFF_SECONDS = 60.0  # after a failed delivery, only store a target's messages for a while: it is likely down


@dataclass
class NotifyOutcome:
    outbox_ids: list[int]
    channels: list[str]
    delivered: DeliveryReport | None  # None when delivery was skipped (held for a digest, or backing off)


class Notifier:
    def __init__(self, engine: Engine, transports: Transports, router: ChannelRouter,
                 masker: PersonalDataMasker | None = None, own_hosts: frozenset[str] = frozenset()) -> None:
        self.engine = engine
        self.own_hosts = own_hosts  # the reports server and the UI: only their addresses become links
        self.transports = transports
        self.router = router
        self.masker = masker or PersonalDataMasker(engine)
        self._quiet_until: dict[str, float] = {}  # per target, after a failed delivery: it is likely down
        self._auth_reported: set[str] = set()

    def notify(self, message: Message) -> NotifyOutcome:
        """Store the (masked) message durably for each of its targets, then deliver what this run has
        pending. With the database down (what a failure alert may be about), it is sent straight away."""
        route = (Route((message.channel,), "explicit") if message.channel
                 else self.router.route(message.campaign, message.province, message.county))
        try:
            ids, held = self._store(message, route)
        except DBAPIError as exc:
            log.error("the outbox cannot be written (%s); sending the message directly", type(exc.orig).__name__)
            return NotifyOutcome([], list(route.targets), self._send_directly(message, route))
        now = time.monotonic()
        if held or all(self._quiet_until.get(c, 0) > now for c in route.targets):
            return NotifyOutcome(ids, list(route.targets), None)
        try:
            report = self.flush(campaign_run_id=message.campaign_run_id, digests=False)
        except Exception:  # stored: the next flush sends it; a notification never fails the run
            log.exception("delivering notifications failed; they stay in the outbox for the next flush")
            report = None
        return NotifyOutcome(ids, list(route.targets), report)

    def _send_directly(self, message: Message, route: Route) -> DeliveryReport:
        # Without the roster, names cannot be looked up: ID numbers are still masked by their pattern.
        body = PersonalDataMasker(None).mask(message.body)
        key = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:24]
        report = DeliveryReport()
        for channel in route.targets:
            try:
                self.transports.of(channel).send(channel, body, None, key=key)
                report.sent += 1
            except DeliveryError as failed:
                log.error("and the direct send to %s failed too: %s", channel, failed)
                report.failed += 1
                report.errors.append(str(failed))
        return report

    def _store(self, message: Message, route: Route) -> tuple[list[int], bool]:
        body = self.masker.mask(message.body, keep=message.staff)
        body["own_hosts"] = sorted(self.own_hosts | {urlsplit(message.link).netloc if message.link else ""} - {""})
        text = plain_text(body)
        content = content_of(body)
        held = self.router.digest.holds(route.level, message.severity)
        ids = []
        for channel in route.targets:
            # A rerun that finds the same sends nothing again; one that finds something else says so. The
            # run's link is left out of the comparison: every rerun is a new flow run with a new link.
            said = message.compared if message.compared is not None else content
            digest = hashlib.sha256(f"{channel}\n{said}".encode()).hexdigest()[:16]
            ids.append(enqueue(
                self.engine, dedupe_key=f"{message.dedupe_key[:180]}:{digest}", channel=channel, text=text,
                body=body, campaign_run_id=message.campaign_run_id, severity=message.severity,
                campaign=message.campaign,
                # A held message is never sent itself: it cannot start a thread the next one would wait for.
                thread_key=f"{message.campaign_run_id}:{channel}" if message.campaign_run_id and not held else None,
                digest_slot=self.router.digest.slot(datetime.now().astimezone()) if held else None,
            ))
        return ids, held

    def flush(self, campaign_run_id: str | None = None, digests: bool = True,
              digests_now: bool = False) -> DeliveryReport:
        """Make the digests that are due (`digests_now`: all, at once; `digests=False`: none), then send what is
        pending."""
        if digests or digests_now:
            compose_due(self.engine, self.router.digest, everything=digests_now)
        now = time.monotonic()
        quiet = {c for c, until in self._quiet_until.items() if until > now}
        report = deliver_pending(self.engine, self.transports, campaign_run_id=campaign_run_id, skip=quiet)
        for channel in report.failed_targets:
            self._quiet_until[channel] = now + BACKOFF_SECONDS
        for refused in report.auth_errors:
            if refused not in self._auth_reported:
                self._auth_reported.add(refused)  # once per process and cause, not once per message
                log.error("notifications are not delivered: %s; %d message(s) wait in the outbox",
                          refused, pending_count(self.engine))
        for rejected in report.rejections:
            log.error("a notification was refused and marked failed (outbox, status failed): %s", rejected)
        if report.failed:
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
        return ChannelRouter((settings.slack_default_channel,), digest=DigestRule(tz=settings.tz))
    return ChannelRouter.from_file(path, default=override, tz=settings.tz)


def _bot_token(settings: Settings) -> str | None:
    if settings.slack_bot_token is not None:
        return settings.slack_bot_token.get_secret_value()
    if settings.slack_bot_token_block:
        from prefect.blocks.system import Secret

        return str(Secret.load(settings.slack_bot_token_block).get())
    return None


def build_notifier(settings: Settings | None = None, engine: Engine | None = None) -> Notifier:
    """The notifier chosen by settings: Slack Web API, incoming webhook, or the local outbox, and the robots
    and mailing lists the channels file declares."""
    # Runs pass their own settings; a failure hook (tasks.notify.hooks) and a test have none: the edge.
    settings = settings or get_settings()
    router = build_router(settings)
    from prefect.settings import PREFECT_UI_URL

    own = {urlsplit(url).netloc for url in (settings.reports_url, settings.prefect_ui_url, PREFECT_UI_URL.value())
           if url}
    return Notifier(engine or build_engine(settings), Transports(build_transport(settings), router.targets, settings),
                    router, own_hosts=frozenset(own))


class FlushSummary(TypedDict):
    """What the outbox flush flow returns: messages sent, still pending, and failed on this attempt."""
    sent: int
    pending: int
    failed: int


@dataclass
class Flushed:
    """What a flush of the outbox did: its delivery report, what is still pending, and through what."""

    report: DeliveryReport
    left: int
    via: list[str]

    def summary(self) -> FlushSummary:
        return FlushSummary(sent=self.report.sent, pending=self.left, failed=self.report.failed)


def flush_outbox(settings: Settings, *, digests_now: bool = False) -> Flushed:
    """Deliver every pending notification, oldest first, and the digests that are due (`digests_now`: all
    of them, with what they hold so far): the outbox flush flow's work, and `campaigns outbox flush`'s."""
    notifier = build_notifier(settings)
    report = notifier.flush(digests_now=digests_now)
    return Flushed(report, pending_count(notifier.engine), notifier.transports.kinds())

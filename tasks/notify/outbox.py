"""The durable outbox: every message is stored before it is sent and marked sent only on success, so
nothing is lost while a platform is down and a rerun or a second flusher sends nothing twice. Each target
keeps its own order: a DingTalk outage holds DingTalk's messages, not the e-mails."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from tasks.model import OutboxMessage
from tasks.notify.routing import SHANGHAI, SLOT_FORMAT
from tasks.notify.transports import AuthError, DeliveryError, Rejected, Transport

STALE_CLAIM = timedelta(minutes=15)  # a flusher that died mid-send frees its claim after this
RETRY_AFTER = timedelta(minutes=10)  # a message that failed is due again (for the watcher) after this
WAITING = ("pending", "sending")


class TransportsByTarget(Protocol):
    def of(self, channel: str) -> Transport: ...


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # replies whose thread parent is not delivered yet, messages past a robot's allowance
    auth_errors: list[str] = field(default_factory=list)  # one per target whose credentials were refused
    rejections: list[str] = field(default_factory=list)  # messages the platform refused: marked failed
    errors: list[str] = field(default_factory=list)
    failed_targets: set[str] = field(default_factory=set)  # down, throttled or refused this time

    @property
    def auth_error(self) -> str | None:
        return "; ".join(self.auth_errors) or None


def enqueue(engine: Engine, *, dedupe_key: str, channel: str, text: str, body: dict[str, Any],
            campaign_run_id: str | None, thread_key: str | None, severity: str | None = None,
            campaign: str | None = None, digest_slot: str | None = None) -> int:
    """Store a message (already masked); a message with the same dedupe key is not stored again. With a
    `digest_slot` it is held for that digest instead of being sent."""
    with engine.begin() as conn:
        existing = conn.execute(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)).scalar()
        if existing is not None:
            return existing
    try:
        with engine.begin() as conn:
            return conn.execute(OutboxMessage.__table__.insert().values(
                dedupe_key=dedupe_key, campaign_run_id=campaign_run_id, channel=channel, thread_key=thread_key,
                text=text, body=body, severity=severity, campaign=campaign, digest_slot=digest_slot,
                status="held" if digest_slot else "pending", attempts=0, created_at=datetime.now(),
            ).returning(OutboxMessage.id)).scalar_one()
    except IntegrityError:  # a concurrent run stored it first
        with engine.connect() as conn:
            return conn.execute(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)).scalar_one()


def deliver_pending(engine: Engine, transports: TransportsByTarget, *, campaign_run_id: str | None = None,
                    skip: frozenset[str] | set[str] = frozenset()) -> DeliveryReport:
    """Send pending messages in the order they were stored; threads start with their first message. A
    target that fails is left for the next flush with all its later messages; the others go on."""
    report = DeliveryReport()
    now = datetime.now()
    claimable = or_(OutboxMessage.status == "pending",
                    and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - STALE_CLAIM))
    query = (select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.thread_key, OutboxMessage.status,
                    OutboxMessage.attempts).where(claimable).order_by(OutboxMessage.id))
    if campaign_run_id is not None:
        query = query.where(OutboxMessage.campaign_run_id == campaign_run_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    # One Slack token serves every Slack channel: when it is refused or Slack is down, all of them wait.
    stopped = {id(transports.of(channel)) for channel in skip}
    allowance: dict[str, int] = {}
    for message_id, channel, thread_key, status, attempts in rows:
        transport = transports.of(channel)
        if id(transport) in stopped:
            continue
        per_minute = getattr(transport, "per_minute", None)
        if per_minute is not None:  # counted in the database: every process's sends count
            if channel not in allowance:
                allowance[channel] = per_minute - _sent_in_last_minute(engine, channel)
            if allowance[channel] <= 0:
                report.waiting += 1
                continue
            allowance[channel] -= 1
        thread_ts, ready = _thread_parent(engine, transport, message_id, thread_key)
        if not ready:
            report.waiting += 1
            continue
        if not _claim(engine, message_id, claimable):
            continue  # another flusher has it
        try:
            # Tried before (or claimed by a flusher that died while sending): Slack may have it already.
            _send(engine, transport, message_id, thread_ts, tried=attempts > 0 or status == "sending")
            report.sent += 1
        except Rejected as exc:  # this message, not the target: the others go on
            _release(engine, message_id, str(exc), status="failed")
            report.rejections.append(str(exc))
        except DeliveryError as exc:
            _release(engine, message_id, str(exc))
            stopped.add(id(transport))  # keep its order: try it again at the next flush
            report.failed_targets.add(channel)
            if isinstance(exc, AuthError):
                report.auth_errors.append(str(exc))
            else:
                report.failed += 1
                report.errors.append(str(exc))
    return report


def _sent_in_last_minute(engine: Engine, channel: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).where(
            OutboxMessage.channel == channel, OutboxMessage.sent_at >= datetime.now() - timedelta(minutes=1),
            OutboxMessage.status == "sent")).scalar_one()


def pending_count(engine: Engine, tz: ZoneInfo = SHANGHAI) -> int:
    """Messages waiting to be sent: those pending, and those held for a digest that is due."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).where(or_(
            OutboxMessage.status.in_(WAITING), _digest_due(tz)))).scalar_one()


def due_count(engine: Engine, tz: ZoneInfo = SHANGHAI) -> int:
    """What a flush would try now (the housekeeping watcher starts one for it): new messages, due digests, and
    failed attempts once RETRY_AFTER has passed; a target down for a day is not tried every minute."""
    retry = datetime.now() - RETRY_AFTER
    with engine.connect() as conn:
        return conn.execute(select(func.count()).where(or_(
            and_(OutboxMessage.status.in_(WAITING),
                 or_(OutboxMessage.attempts == 0, OutboxMessage.claimed_at.is_(None),
                     OutboxMessage.claimed_at < retry)),
            _digest_due(tz)))).scalar_one()


def _digest_due(tz: ZoneInfo):
    return and_(OutboxMessage.status == "held", OutboxMessage.digest_slot <= datetime.now(tz).strftime(SLOT_FORMAT))


def held_count(engine: Engine) -> int:
    """Messages waiting for their digest (due or not)."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).where(OutboxMessage.status == "held")).scalar_one()


def stored_body(row: Any) -> dict[str, Any]:
    """What a stored message says; rows stored before bodies were kept only have their text."""
    if row["body"]:
        return row["body"]
    title, *rest = (row["text"] or "").splitlines() or [""]
    return {"title": title, "figures": [], "actions": rest, "link": None, "run": None, "severity": "info"}


def _thread_parent(engine: Engine, transport: Transport, message_id: int, thread_key: str | None):
    if not thread_key or not transport.supports_threads:
        return None, True
    with engine.connect() as conn:
        parent = conn.execute(select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.slack_ts)
                              .where(OutboxMessage.thread_key == thread_key)
                              .order_by(OutboxMessage.id).limit(1)).one()
    if parent.id == message_id:
        return None, True
    return parent.slack_ts, parent.status == "sent"


def _claim(engine: Engine, message_id: int, claimable) -> bool:
    with engine.begin() as conn:
        result = conn.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, claimable)
                              .values(status="sending", claimed_at=datetime.now()))
        return result.rowcount == 1


def _send(engine: Engine, transport: Transport, message_id: int, thread_ts: str | None, tried: bool) -> None:
    """Post the message, unless an earlier attempt Slack did not confirm turns out to have posted it."""
    with engine.connect() as conn:
        row = conn.execute(select(OutboxMessage.__table__).where(OutboxMessage.id == message_id)).one()._mapping
    key = hashlib.sha256(row["dedupe_key"].encode("utf-8")).hexdigest()[:24]  # the platform sees a digest, not our key
    find = getattr(transport, "find", None)
    ts = find(row["channel"], key, row["created_at"], thread_ts) if tried and find is not None else None
    if ts is None:
        ts = transport.send(row["channel"], stored_body(row), thread_ts, key=key)
    with engine.begin() as conn:
        conn.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
            status="sent", slack_ts=ts, sent_at=datetime.now(), attempts=OutboxMessage.attempts + 1,
            last_error=None))


def _release(engine: Engine, message_id: int, error: str, status: str = "pending") -> None:
    with engine.begin() as conn:
        conn.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(
            status=status, attempts=OutboxMessage.attempts + 1, last_error=error[:2000]))

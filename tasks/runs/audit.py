"""The append-only audit trail: every campaign run, ingest, approval and publication, with who or what did
it, when, and with which parameters. The database refuses to change or delete its rows (migration 0006), so
what is written here stays as written. Nothing personal goes in: parameters are campaign parameters, file
names and free text pass through the same masking as messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert

from tasks.model import AuditEvent
from tasks.notify.masking import PersonalDataMasker
from tasks.storage.retries import with_retries

ACTIONS = ("run.started", "run.refused", "run.finished", "ingest.loaded", "ingest.rejected", "ingest.rechecked",
           "ingest.mapping_saved", "reference.loaded", "reference.rejected",
           "release.approved", "release.approval_refused", "release.rejected", "release.blocked", "release.expired",
           "release.published")


def record_event(target: Engine | Connection, action: str, actor: str | None, *, subject: str | None = None,
                 run_id: str | None = None, parameters: dict[str, Any] | None = None,
                 detail: str | None = None) -> None:
    """Append one event. `target`: an engine (its own transaction) or the caller's connection, so that an
    event and what it records commit together."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: one of {', '.join(ACTIONS)}")
    if isinstance(target, Connection):  # inside the caller's transaction, which its own retry covers
        target.execute(insert(AuditEvent).values(**_row(target.engine, actor, action, subject, run_id, parameters,
                                                        detail)))
        return

    def append() -> None:
        with target.begin() as conn:
            conn.execute(insert(AuditEvent).values(**_row(target, actor, action, subject, run_id, parameters,
                                                          detail)))

    # A dropped connection (a server restart) is retried like any write: a run must not fail over its record.
    with_retries(append, f"audit {action}")


def _row(engine: Engine, actor: str | None, action: str, subject: str | None, run_id: str | None,
         parameters: dict[str, Any] | None, detail: str | None) -> dict[str, Any]:
    # The same masking as messages: ID numbers by pattern, names found in the roster.
    subject, detail, parameters = PersonalDataMasker(engine).mask([subject or "", detail or "", parameters or {}])
    return {"at": datetime.now(), "actor": (actor or "unknown")[:100], "action": action,
            "subject": subject[:200] or None, "campaign_run_id": run_id, "parameters": parameters,
            "detail": detail[:4000] or None}

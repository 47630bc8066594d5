"""Campaign runs: one row per campaign, period and mode, with an id derived from them, so that running the
same campaign for the same period again replaces its findings instead of adding a second set.

A run is held by one process at a time (`holder`, host:pid): a second run of the same campaign and period
started while the first is alive is refused with a message naming it, so their writes never interleave.
Once the holder is gone (finished, crashed, killed), the next run takes the row over."""

from __future__ import annotations

import os
import socket
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, select, update
from sqlalchemy.exc import IntegrityError

from tasks.model import AuditEvent, CampaignRun
from tasks.runs.audit import record_event
from tasks.storage.retries import with_retries

NAMESPACE = uuid.UUID("6f1c2a9e-5b1d-4c3e-9f0a-2d7e8b4c1a00")
# A holder on another machine cannot be asked whether it lives; after this long its run is taken as dead.
REMOTE_HOLDER_STALE = timedelta(hours=12)
CLAIM_ATTEMPTS = 5


class RunRefused(RuntimeError):
    """Another process is running the same campaign for the same period."""


class _ClaimConflict(Exception):
    """The run's row changed between reading and claiming it."""


def campaign_run_id(kind: str, period: str, mode: str | None = None) -> str:
    """The same campaign, period and mode always get the same id."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}|{period}|{mode or ''}"))


def last_completed(engine: Engine, run_id: str) -> dict[str, Any]:
    """What the run's last completed run recorded at its end ({}: never completed): the roster watermark it
    read, the digest of its inputs (tasks.runs.answered). From the audit trail: the run's own row is replaced
    when it starts again, and a failed rerun must not lose what the last completed one read."""
    query = (select(AuditEvent.parameters, AuditEvent.at).where(AuditEvent.campaign_run_id == run_id,
                                                                AuditEvent.action == "run.finished")
             .order_by(AuditEvent.id.desc()))
    with engine.connect() as conn:
        for parameters, at in conn.execute(query):
            if (parameters or {}).get("status") == "completed":
                return {**parameters, "finished_at": f"{at:%Y-%m-%d %H:%M:%S}"}
    return {}


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def start_run(engine: Engine, kind: str, period: str, mode: str | None = None, *,
              parameters: dict[str, Any] | None = None, launched_by: str | None = None,
              flow_run_id: str | None = None, watermark: int | None = None) -> str:
    """Claim the run of `kind` for `period` and `mode` for this process (recorded, or restarted), and return
    its id; RunRefused while another live process holds it."""
    run_id = campaign_run_id(kind, period, mode)
    values = {"kind": kind, "period": period, "mode": mode, "parameters": parameters or {},
              "launched_by": launched_by, "status": "running", "started_at": datetime.now(),
              "finished_at": None, "flow_run_id": flow_run_id, "error": None, "holder": this_process(),
              "watermark": watermark}
    subject = _subject(kind, period, mode)
    try:
        with_retries(lambda: _claim_racing(engine, run_id, values), f"start {subject}")
    except RunRefused as refused:
        record_event(engine, "run.refused", launched_by, subject=subject, run_id=run_id, parameters=parameters,
                     detail=str(refused))
        raise
    record_event(engine, "run.started", launched_by, subject=subject, run_id=run_id, parameters=parameters)
    return run_id


def _claim_racing(engine: Engine, run_id: str, values: dict[str, Any]) -> None:
    for attempt in range(CLAIM_ATTEMPTS):
        try:
            return _claim(engine, run_id, values)
        except (IntegrityError, _ClaimConflict):
            # Two claims at once: the other inserted the row first, or changed it since we read. Read again:
            # now the other's claim is what we see. (A lock is a transient error for with_retries.)
            if attempt == CLAIM_ATTEMPTS - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _claim(engine: Engine, run_id: str, values: dict[str, Any]) -> None:
    with engine.begin() as conn:
        held = conn.execute(select(CampaignRun.status, CampaignRun.holder, CampaignRun.started_at,
                                   CampaignRun.flow_run_id).where(CampaignRun.id == run_id)).first()
        if held is None:
            conn.execute(CampaignRun.__table__.insert().values(id=run_id, **values))
            return
        if held.status == "running" and held.holder != values["holder"] and _alive(held):
            raise RunRefused(
                f"{values['kind']} {values['period']} is already running (since {held.started_at:%Y-%m-%d %H:%M}, "
                f"process {held.holder}, flow run {held.flow_run_id or '-'}): wait for it to finish, or stop it "
                "first; this run has changed nothing")
        # Compare and set: only if the row is still as read, so two takeovers cannot both succeed.
        same = and_(CampaignRun.id == run_id, CampaignRun.status == held.status,
                    CampaignRun.holder.is_(None) if held.holder is None else CampaignRun.holder == held.holder)
        if conn.execute(update(CampaignRun).where(same).values(**values)).rowcount != 1:
            raise _ClaimConflict(run_id)


def _alive(held) -> bool:
    """Whether the process holding a running run still lives: asked directly on this machine; on another,
    taken as alive until REMOTE_HOLDER_STALE has passed since it started."""
    host, _, pid = (held.holder or "").rpartition(":")
    if not host or not pid.isdigit():
        return False  # a row from before holders were recorded
    if host != socket.gethostname():
        return datetime.now() - held.started_at < REMOTE_HOLDER_STALE
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def finish_run(engine: Engine, run_id: str, status: str, error: str | None = None, rows_rechecked: int = 0,
               inputs: str | None = None, answered_by: str | None = None) -> None:
    """Close the run this process holds; a run taken over by another process is left to it. `rows_rechecked`:
    roster rows the run checked again because their rules changed (tasks.runs.inputs); `inputs`: the digest
    of what its answer is made of; `answered_by`: when it gave the answer of an earlier run with the same
    inputs, when that run finished (tasks.runs.answered)."""
    with_retries(lambda: _finish(engine, run_id, status, error, rows_rechecked, inputs, answered_by),
                 "record the end of the run")


def _finish(engine: Engine, run_id: str, status: str, error: str | None, rows_rechecked: int,
            inputs: str | None, answered_by: str | None) -> None:
    with engine.begin() as conn:
        held = conn.execute(select(CampaignRun.kind, CampaignRun.period, CampaignRun.mode, CampaignRun.launched_by,
                                   CampaignRun.holder, CampaignRun.watermark).where(CampaignRun.id == run_id)).first()
        if held is None or held.holder not in (None, this_process()):
            return
        conn.execute(update(CampaignRun).where(CampaignRun.id == run_id).values(
            status=status, finished_at=datetime.now(), error=error, holder=None, rows_rechecked=rows_rechecked))
        record_event(conn, "run.finished", held.launched_by,
                     subject=_subject(held.kind, held.period, held.mode), run_id=run_id,
                     parameters={"status": status, "watermark": held.watermark, "rows_rechecked": rows_rechecked,
                                 **({"inputs_digest": inputs} if inputs else {}),
                                 **({"answered_by": answered_by} if answered_by else {})},
                     detail=error)


def _subject(kind: str, period: str, mode: str | None) -> str:
    """How the audit trail and messages name a run: "screening 2023 progress:2023-06-30"."""
    return f"{kind} {period}" + (f" {mode}" if mode else "")


def scheduled_now() -> datetime:
    """The run's scheduled start time in the campaigns' time zone (outside a flow run: now). Periods default
    from it, so a late or retried scheduled run still covers the period it was scheduled for."""
    from prefect.runtime import flow_run

    from tasks.settings import get_settings

    tz = get_settings().tz  # a form's default, computed as Prefect builds the form: before any run's context
    if flow_run.get_id():
        return flow_run.scheduled_start_time.astimezone(tz)
    return datetime.now(tz)


def launched_by() -> str:
    """Who or what started this run, for the audit trail: a deployment's schedule, a person through the UI
    or API (a deployment run that was not auto-scheduled), or the command line / a direct call."""
    from prefect.runtime import deployment, flow_run

    if not flow_run.get_id():
        return "cli"
    if not deployment.get_id():
        return "cli (flow called directly)"
    from prefect import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(flow_run.get_id())
    who = run.created_by.display_value if run.created_by else None
    if run.auto_scheduled:
        return f"schedule of deployment {deployment.name}"
    return f"{who or 'UI or API'} via deployment {deployment.name}"

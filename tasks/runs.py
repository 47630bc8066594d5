"""Campaign runs: one row per campaign, period and mode, with an id derived from them, so that running the
same campaign for the same period again replaces its findings instead of adding a second set."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from tasks.model import CampaignRun

NAMESPACE = uuid.UUID("6f1c2a9e-5b1d-4c3e-9f0a-2d7e8b4c1a00")


def campaign_run_id(kind: str, period: str, mode: str | None = None) -> str:
    """The same campaign, period and mode always get the same id."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}|{period}|{mode or ''}"))


def start_run(engine: Engine, kind: str, period: str, mode: str | None = None, *,
              parameters: dict[str, Any] | None = None, launched_by: str | None = None,
              flow_run_id: str | None = None) -> str:
    """Record (or restart) the run of `kind` for `period` and `mode`; returns its id."""
    run_id = campaign_run_id(kind, period, mode)
    values = {"kind": kind, "period": period, "mode": mode, "parameters": parameters or {},
              "launched_by": launched_by, "status": "running", "started_at": datetime.now(),
              "finished_at": None, "flow_run_id": flow_run_id, "error": None}
    with engine.begin() as conn:
        exists = conn.execute(select(CampaignRun.id).where(CampaignRun.id == run_id)).scalar()
        if exists:
            conn.execute(update(CampaignRun).where(CampaignRun.id == run_id).values(**values))
        else:
            conn.execute(CampaignRun.__table__.insert().values(id=run_id, **values))
    return run_id


def finish_run(engine: Engine, run_id: str, status: str, error: str | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(update(CampaignRun).where(CampaignRun.id == run_id).values(
            status=status, finished_at=datetime.now(), error=error))


def scheduled_now() -> datetime:
    """The run's scheduled start time in the campaigns' time zone (outside a flow run: now). Periods default
    from it, so a late or retried scheduled run still covers the period it was scheduled for."""
    from prefect.runtime import flow_run

    from tasks.settings import get_settings

    tz = get_settings().tz
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

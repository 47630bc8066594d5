"""Housekeeping without noise: the inbox sweep and the outbox flush run only when there is something to do.

Scheduled every few minutes they added about 430 empty runs a day to the runs list and buried the
campaigns. Instead a watcher (a thread of `campaigns serve`, or `campaigns housekeeping` beside the workers
of a work-pool deployment) looks every `CAMPAIGNS_HOUSEKEEPING_SECONDS` at the inbox and the outbox, which
costs a directory listing and a count, and creates a run of the deployment only when files have settled in
the inbox or messages wait, and no run of it is already queued or running. The runs it creates carry the
tag `housekeeping`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from tasks.settings import Settings

log = logging.getLogger("campaigns.housekeeping")
TAG = "housekeeping"


def inbox_files(settings: Settings, engine: Engine) -> int:
    from tasks.ingest.inbox import settled_files

    return len(settled_files(settings)[0])  # files still being copied wait for a later look


def outbox_messages(settings: Settings, engine: Engine) -> int:
    from tasks.notify.outbox import due_count

    return due_count(engine, settings.tz)


@dataclass(frozen=True)
class Chore:
    deployment: str  # the campaign key in deployments.definitions
    work: Callable[[Settings, Engine], int]  # how much is waiting


CHORES = (Chore("ingest-inbox", inbox_files), Chore("outbox-flush", outbox_messages))


def look_once(settings: Settings, engine: Engine, chores: tuple[Chore, ...] = CHORES) -> list[str]:
    """One look: a run of each chore's deployment that has work waiting and no run queued or running. Returns
    the deployments started."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    from deployments.definitions import deployment_path

    started = []
    with get_client(sync_client=True) as client:
        for chore in chores:
            if not chore.work(settings, engine):
                continue
            deployment = client.read_deployment_by_name(deployment_path(chore.deployment))
            active = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
                    any_=[StateType.SCHEDULED, StateType.PENDING, StateType.RUNNING]))), limit=1)
            if active:
                continue
            client.create_flow_run_from_deployment(deployment.id, tags=[TAG])
            started.append(chore.deployment)
    return started


def watch(settings: Settings, stop: threading.Event, api_url: str | None = None) -> None:
    """Look until `stop` is set. A failed look (the server restarting, the database busy) is logged and
    tried again at the next one: housekeeping never stops the server."""
    from contextlib import nullcontext

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from deployments import board
    from tasks.storage.engine import build_engine

    # One engine for the watcher's life: one per look would leave a connection pool behind every minute.
    engine = build_engine(settings)
    digest = None
    # A thread does not inherit the caller's Prefect settings context: the API address is passed in.
    with temporary_settings(updates={PREFECT_API_URL: api_url}) if api_url else nullcontext():
        while not stop.wait(settings.housekeeping_seconds):
            try:
                for name in look_once(settings, engine):
                    log.info("housekeeping: started a run of %s", name)
                digest = board.publish(board.board(engine), digest)
            except Exception:  # logged; the next look tries again
                log.exception("housekeeping: the look failed; trying again in %s s", settings.housekeeping_seconds)

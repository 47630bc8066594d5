"""Housekeeping leaves no empty runs: the inbox sweep and the outbox flush get a run only when files have
settled in the inbox or messages wait, and never a second one while one is queued."""

from __future__ import annotations

import os
import time

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

from deployments.definitions import SPEC_BY_NAME, runner_deployments
from deployments.housekeeping import TAG, look_once
from tasks.notify.outbox import enqueue
from tasks.settings import get_settings
from tasks.storage import db
from tasks.storage.engine import build_engine


def runs_of(name: str) -> list:
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(any_=[SPEC_BY_NAME[name].title])))


def test_runs_only_when_there_is_work(prefect_harness, monkeypatch, tmp_path):
    monkeypatch.setenv("CAMPAIGNS_INBOX_DIR", str(tmp_path / "inbox"))
    monkeypatch.setenv("CAMPAIGNS_INBOX_SETTLE_SECONDS", "60")
    get_settings.cache_clear()
    settings = get_settings()
    engine = build_engine(settings)
    db.upgrade(engine)
    for deployment in runner_deployments():
        deployment.apply()
    before = {name: len(runs_of(name)) for name in ("ingest-inbox", "outbox-flush")}
    # The housekeeping deployments have no schedules: nothing runs every few minutes by itself.
    assert not SPEC_BY_NAME["ingest-inbox"].schedules and not SPEC_BY_NAME["outbox-flush"].schedules

    assert look_once(settings, engine) == []  # an empty inbox, an empty outbox: no run
    copying = settings.inbox_dir / "520102" / "农户.csv"
    copying.parent.mkdir(parents=True)
    copying.write_text("户编号\n", encoding="utf-8")
    assert look_once(settings, engine) == []  # still being copied (younger than the settle time)

    settled = time.time() - 120
    os.utime(copying, (settled, settled))
    enqueue(engine, dedupe_key="k1", channel="#c", text="t", body={"title": "t"}, campaign_run_id=None,
            thread_key=None)
    assert sorted(look_once(settings, engine)) == ["ingest-inbox", "outbox-flush"]
    assert look_once(settings, engine) == []  # one run each is queued: no second
    for name in ("ingest-inbox", "outbox-flush"):
        created = runs_of(name)
        assert len(created) == before[name] + 1 and sum(TAG in r.tags for r in created) == 1

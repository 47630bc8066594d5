"""A release launched through the served deployment, as the UI, a schedule or a backfill launches it: it waits
for its approver past its leases and is published; its period is held (a second run of it is refused) while
other periods run; the period board says 待审核 meanwhile.

Before, the deployment's concurrency limit was given back when the run paused, and the runner's next lease
renewal ("410 Gone") killed the waiting run about four minutes in; another release took the slot meanwhile."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL
from prefect.states import Cancelled
from support.release_helpers import WANG_CODE

from deployments.board import board
from deployments.definitions import SPEC_BY_NAME, deployment_path
from deployments.serve import serve_reports, stop
from tasks.outputs.links import approval_link
from tasks.runs.period_slot import slot_name
from tasks.settings import get_settings

ROOT = Path(__file__).parents[2]
LEASE_SECONDS = 60  # the least Prefect's server takes
SERVE = ("from prefect import serve\n"
         "from deployments.definitions import SPEC_BY_NAME, runner_deployments\n"
         "serve(*[d for d in runner_deployments() if d.name == SPEC_BY_NAME['release'].title])\n")


@pytest.fixture
def served_release(prefect_harness, seeded, approvers, monkeypatch, tmp_path):
    """The release deployment served by a runner process, as `campaigns serve` serves it, over a deployment
    registered before with a limit of one run at a time (an office's server from before the change), and
    the reports' server with its approval page."""
    monkeypatch.setenv("CAMPAIGNS_RELEASE_SLOT_LEASE_SECONDS", str(LEASE_SECONDS))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("CAMPAIGNS_REPORTS_URL", f"http://127.0.0.1:{port}/")
    get_settings.cache_clear()
    reports = serve_reports("127.0.0.1", port, tmp_path / "served", PREFECT_API_URL.value())
    _cancel_open_releases()  # the session's server is shared: another test's backfill left runs to pick up
    spec = SPEC_BY_NAME["release"]
    spec.load_flow().to_deployment(spec.title, concurrency_limit=1).apply()
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_RUNNER_POLL_FREQUENCY": "2",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    log = (tmp_path / "runner.log").open("wb")
    runner = subprocess.Popen([sys.executable, "-c", SERVE], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield seeded
    finally:
        stop(runner)
        reports.shutdown()
        _cancel_open_releases()


def _cancel_open_releases() -> None:
    """Every release run the shared server holds open or scheduled, cancelled: a runner serving the release
    deployment would otherwise run them (a backfill's periods), and they would hold their periods."""
    with get_client(sync_client=True) as client:
        for run in client.read_flow_runs(limit=200):
            if run.state and run.state.type.value in ("PAUSED", "RUNNING", "PENDING", "SCHEDULED") and \
                    run.name.startswith("release "):
                client.set_flow_run_state(run.id, Cancelled(), force=True)


def _launch(period: str, **params) -> str:
    run = run_deployment(deployment_path("release"), parameters={"params": {"period": period, **params}},
                         timeout=0)
    return str(run.id)


def _post(url: str, fields: dict) -> str:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode("utf-8"), method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8")


def _wait(run_id: str, *types: str, seconds: float = 240) -> object:
    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            run = client.read_flow_run(run_id)
            if run.state and run.state.type.value in types:
                return run
            time.sleep(1)
    raise AssertionError(f"flow run {run_id} did not reach {types}: {run.state}")


def test_a_served_release_waits_past_its_leases_and_is_published(served_release):
    engine = served_release
    deadline = time.monotonic() + 120
    with get_client(sync_client=True) as client:  # serving it again takes the old limit away
        while (limit := client.read_deployment_by_name(deployment_path("release")).global_concurrency_limit) \
                and time.monotonic() < deadline:
            time.sleep(1)
    assert limit is None

    first = _launch("2023Q2")
    paused = _wait(first, "PAUSED", "FAILED", "CRASHED", "COMPLETED")
    assert paused.state.type.value == "PAUSED", paused.state
    paused_at = time.monotonic()
    assert paused.state.state_details.deployment_concurrency_lease_id is None
    assert {(r.campaign, r.period): r.state for r in board(engine)}[("release", "2023Q2")] == "待审核"

    # The period is held: a second run of it is refused, naming the waiting one; another period runs.
    second = _wait(_launch("2023Q2"), "FAILED", "COMPLETED", "CRASHED", "PAUSED", seconds=180)
    assert second.state.type.value == "FAILED" and "已有一次运行" in second.state.message, second.state
    other = _wait(_launch("2023Q1", dry_run=True), "COMPLETED", "FAILED", "CRASHED", seconds=180)
    assert other.state.type.value == "COMPLETED", other.state
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(slot_name("release", "2023Q2"))
    assert (limit.limit, limit.active_slots) == (1, 1)

    # Past the slot's lease (renewed at 3/4 of it) and more: still waiting, nothing crashed.
    time.sleep(max(0.0, paused_at + LEASE_SECONDS * 1.3 - time.monotonic()))
    assert _wait(first, "PAUSED", "CRASHED", "FAILED").state.type.value == "PAUSED"

    # Answered on the approval page the messages link, its code field a password field (the UI's is not).
    page = approval_link(first, get_settings())
    with urllib.request.urlopen(page, timeout=30) as response:
        shown = response.read().decode("utf-8")
    assert '<input type="password" autocomplete="off" name="approval_code"' in shown and "【本期数字】" in shown
    assert page in shown  # the run's own form description links the page too
    answer = {"decision": "批准发布", "reviewer": "王审核", "approval_code": WANG_CODE, "comment": "同意发布",
              "acknowledge_large_changes": "true", "explanation": "核实无误"}
    with pytest.raises(urllib.error.HTTPError) as refused:  # the server's own check of the form: a name
        _post(page, {**answer, "reviewer": ""})
    assert refused.value.code == 422 and "reviewer" in refused.value.read().decode("utf-8")
    assert _wait(first, "PAUSED", "CRASHED", "FAILED").state.type.value == "PAUSED"
    assert "已提交" in _post(page, answer)
    done = _wait(first, "COMPLETED", "FAILED", "CRASHED", "CANCELLED")
    assert done.state.type.value == "COMPLETED", done.state
    with engine.connect() as conn:
        published = conn.execute(sa.text("SELECT status, version, reviewer FROM releases WHERE period = '2023Q2' "
                                         "ORDER BY id")).all()
    assert published[-1] == ("published", 1, "王审核")
    with get_client(sync_client=True) as client:  # the period is free again
        assert client.read_global_concurrency_limit_by_name(slot_name("release", "2023Q2")).active_slots == 0


@flow(name="placeholder")
def placeholder() -> None: ...


def test_a_slot_left_by_no_open_run_is_taken_and_one_held_by_an_open_run_is_refused(prefect_harness):
    """A restarted server forgets its leases but not the slot counts: a period must not stay blocked."""
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate
    from prefect.states import Paused

    from tasks.runs.period_slot import period_slot
    from tasks.runs.record import RunRefused

    slot = {"flow_name": "placeholder", "run_prefix": "release 2021Q4 ", "lease_seconds": 60}
    with period_slot("release", "2021Q4", **slot):
        pass
    with get_client(sync_client=True) as client:  # a slot counted with no lease behind it
        client.update_global_concurrency_limit(slot_name("release", "2021Q4"),
                                               GlobalConcurrencyLimitUpdate(active_slots=1))
    with period_slot("release", "2021Q4", **slot):
        with get_client(sync_client=True) as client:
            assert client.read_global_concurrency_limit_by_name(slot_name("release", "2021Q4")).active_slots == 1
            waiting = client.create_flow_run(placeholder, name="release 2021Q4 全年")
            client.set_flow_run_state(waiting.id, Paused(), force=True)
        refused = f"release 2021Q4 已有一次运行（release 2021Q4 全年，待审核，flow run {waiting.id}"
        with pytest.raises(RunRefused, match=refused), period_slot("release", "2021Q4", **slot):
            pass
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(waiting.id, Cancelled(), force=True)
        assert client.read_global_concurrency_limit_by_name(slot_name("release", "2021Q4")).active_slots == 0

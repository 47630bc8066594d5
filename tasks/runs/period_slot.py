"""One run of a period at a time, across processes and machines, for a flow that waits for a person.

A deployment's own concurrency limit cannot do this for a release: Prefect gives a deployment's slot back when
its run pauses (the server's ReleaseFlowConcurrencySlots treats Paused as leaving Running), and the runner's
next renewal of that lease then gets "410 Gone" and kills the paused run, so a release launched from the UI,
a schedule or a backfill crashed about four minutes into its wait, and another run took the slot meanwhile.
Instead the flow holds a Prefect global concurrency limit named after its period, for its whole life, its
wait included: the lease is renewed by the flow's own process, and comes back to the limit once that process
is gone (after `lease_seconds`), so a killed run does not block its period."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress

from tasks.runs.record import RunRefused

log = logging.getLogger(__name__)

OPEN_STATES = ("PENDING", "RUNNING", "PAUSED", "CANCELLING")
WAIT_SECONDS = 5  # a run that has just ended gives its slot back within this
# How people read a Prefect run's state type, here and on the period board (deployments.board).
PREFECT_STATE_LABELS = {"PAUSED": "待审核", "RUNNING": "运行中", "PENDING": "启动中", "SCHEDULED": "已排期",
                        "CANCELLING": "取消中", "CANCELLED": "已取消", "CRASHED": "中断（进程退出）", "FAILED": "失败"}


def slot_name(campaign: str, period: str) -> str:
    """`release-2026Q3`: the global concurrency limit of a campaign's period, as the UI's Concurrency page lists it."""
    return f"{campaign}-{period}"


@contextmanager
def period_slot(campaign: str, period: str, *, flow_name: str, run_prefix: str, lease_seconds: float,
                flow_run_id: str | None = None) -> Iterator[None]:
    """Hold the slot of `campaign`'s `period` while the block runs; RunRefused, naming the run that holds it,
    when another open run of `flow_name` whose name starts with `run_prefix` has it. A slot held by no open
    run (the server restarted and forgot its leases) is given back and taken."""
    from prefect.client.schemas.objects import ConcurrencyLeaseHolder
    from prefect.concurrency.sync import concurrency

    name = slot_name(campaign, period)
    taken = _taken(name)
    holder = ConcurrencyLeaseHolder(type="flow_run", id=flow_run_id) if flow_run_id else None

    def take():
        # A failed renewal (a restarted server forgets its leases) must not end a release waiting for its
        # approver: the run's own record still keeps a second run of the period out.
        return concurrency(name, occupy=1, timeout_seconds=WAIT_SECONDS, lease_duration=lease_seconds,
                           strict=True, holder=holder, raise_on_lease_renewal_failure=False)

    with ExitStack() as stack:
        try:
            if taken:  # asking would only wait
                raise TimeoutError(name)
            stack.enter_context(take())
        except TimeoutError:
            others = _open_runs(flow_name, run_prefix, exclude=flow_run_id)
            if others:
                other = others[0]
                state = PREFECT_STATE_LABELS.get(other.state.type.value, other.state.name) if other.state else "-"
                raise RunRefused(
                    f"{run_prefix.strip()} 已有一次运行（{other.name}，{state}，flow run {other.id}），同一期间一次只能"
                    f"运行一次：请等它结束，或先在界面中取消它；本次运行未做任何更改 / {run_prefix.strip()} is already "
                    f"running ({other.name}, {other.state.name if other.state else '-'}): wait for it or cancel "
                    "it first; this run changed nothing") from None
            log.warning("%s: held by no open run (a restarted Prefect server forgets its leases); given back", name)
            _give_back(name)
            stack.enter_context(take())
        yield


def _taken(name: str) -> bool:
    """Whether the period's slot is taken now; the limit is created on the period's first run."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):  # another run of the period created it meanwhile
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
            return False
    return limit.active_slots >= limit.limit


def _give_back(name: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate

    with get_client(sync_client=True) as client:
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=0))


def _open_runs(flow_name: str, run_prefix: str, exclude: str | None) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterName,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
            flow_run_filter=FlowRunFilter(
                name=FlowRunFilterName(like_=run_prefix),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType(s) for s in OPEN_STATES]))))
    return [r for r in runs if r.name.startswith(run_prefix) and str(r.id) != (exclude or "")]

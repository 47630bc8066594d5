"""The roster stage of the national campaigns (assessment, press releases), split by province partition.

Each partition reads and checks its provinces' roster and per-household programme tables on a worker
(tasks.partitions says where), and hands back only what the campaign counts from them: sums per province
and county, never the rows. Reading and checking the roster is most of these campaigns' time, and its rows
are most of their memory; what crosses back to the flow is a few hundred numbers per province."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.partitions.plan import label_provinces, plan_partitions, province_sizes
from tasks.partitions.province_cut import Partition, split_province
from tasks.partitions.runner import release_memory, worker_count
from tasks.quality.store import forget_other_scopes
from tasks.runs.inputs import national_inputs, roster_inputs
from tasks.runs.stage import CampaignContext, StageFailed
from tasks.settings import get_settings
from tasks.storage.retries import TRANSIENT_RETRIES, with_retries

# What a campaign counts from one partition's checked tables; module-level, so it can cross to a worker.
Counter = Callable[..., Any]
T = TypeVar("T")


@task(name="check and count roster", task_run_name="roster {label}", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def count_partition(ctx: CampaignContext, part: Partition, label: str, as_of: pd.Timestamp,
                    counter: Counter, options: dict[str, Any]) -> tuple[Any, CampaignContext]:
    """Roster and per-household programme tables of the partition's provinces, checked →
    `counter(tables, **options)`."""
    work = ctx.fork()
    try:
        tables = roster_inputs(work, part.codes, as_of, scope=label)
        with work.timed("count", rows=len(tables["households"]) + len(tables["persons"]), scope=label):
            counted = counter(tables, **options)
        del tables
        return counted, work
    finally:
        release_memory()


def plan(ctx: CampaignContext, provinces: list[str], budget: int | None = None,
         part_budget: int | None = None) -> list[Partition]:
    """Partitions of `provinces` of at most `budget` households (default: CAMPAIGNS_PARTITION_HOUSEHOLDS);
    with `part_budget`, a province larger than that is cut into parts of about as many households."""
    settings = get_settings()
    sizes = with_retries(lambda: province_sizes(ctx.engine, provinces), "count households per province")
    budget = budget or settings.partition_households
    # A province to be cut into parts is never grouped with others.
    grouped = plan_partitions(sizes, min(budget, part_budget) if part_budget else budget,
                              1 if settings.dask_address else worker_count(settings))
    partitions: list[Partition] = []
    for codes in grouped:
        if part_budget is not None and len(codes) == 1 and sizes[codes[0]] > part_budget:
            partitions += with_retries(lambda c=codes[0]: split_province(ctx.engine, c, sizes[c], part_budget),
                                       "cut a large province into parts")
        else:
            partitions.append(Partition(codes))
    return partitions


class Pending:
    """Partitions under way: those submitted to the task runner run while the flow does other work; a single
    one runs here when gathered (a worker process costs seconds to start and one partition gains nothing)."""

    def __init__(self, ctx: CampaignContext, partitions: list[Partition], calls: list[Callable[[], Any]],
                 on_done: Callable[[int], None] | None) -> None:
        self.ctx, self.partitions, self.calls, self.on_done = ctx, partitions, calls, on_done

    def gather(self) -> tuple[list[Any], dict[str, str]]:
        """Each result, with its context absorbed into the flow's, and the provinces of the partitions that
        stopped, with the reason (one stopped partition does not stop the others)."""
        results, failed = [], {}
        for done, (part, call) in enumerate(zip(self.partitions, self.calls, strict=True), start=1):
            try:
                result, work = call()
            except StageFailed as exc:
                failed.update(dict.fromkeys(part.codes, str(exc)))
                get_run_logger().error("provinces %s stopped: %s", part.label, exc)
            else:
                results.append(result)
                self.ctx.absorb(work)
            if self.on_done is not None:
                self.on_done(done)
        return results, failed

    def alongside(self, work: Callable[[], T]) -> T:
        """`work()` in the flow while the partitions run. Should it fail, the partitions still finish (and
        record what they found: one run reports every input's problems) before the failure is raised."""
        try:
            return work()
        except Exception:
            self.gather()
            raise

    def counts(self) -> list[Any]:
        """The results, once all have finished. A campaign that ranks or totals the country cannot go on
        without a province, so a stopped partition stops the stage."""
        results, failed = self.gather()
        if failed:
            raise StageFailed("; ".join(dict.fromkeys(failed.values())))
        return results


def start_partitions(ctx: CampaignContext, partitions: list[Partition], partition_task: Task, *args: Any,
                     on_done: Callable[[int], None] | None = None) -> Pending:
    """`partition_task(ctx, partition, label, *args)` for each partition; it hands back (result, its forked
    context)."""
    if not ctx.dry_run:
        with_retries(lambda: forget_other_scopes(ctx.engine, ctx.run_id, {p.label for p in partitions},
                                                 {c for p in partitions for c in p.codes}, label_provinces),
                     "forget the checks of earlier partitions")
    if len(partitions) == 1:
        only = partitions[0]
        calls = [lambda: partition_task(ctx, only, only.label, *args)]
    else:
        calls = [partition_task.submit(ctx, part, part.label, *args).result for part in partitions]
    return Pending(ctx, partitions, calls, on_done)


def run_partitions(ctx: CampaignContext, partitions: list[Partition], partition_task: Task, *args: Any,
                   on_done: Callable[[int], None] | None = None) -> tuple[list[Any], dict[str, str]]:
    """`start_partitions(…)`, gathered."""
    return start_partitions(ctx, partitions, partition_task, *args, on_done=on_done).gather()


def start_roster(ctx: CampaignContext, provinces: list[str], as_of: pd.Timestamp, counter: Counter,
                 **options: Any) -> Pending:
    """`counter`'s result for each partition of `provinces`, under way (`.counts()` gathers them)."""
    budget = get_settings().count_partition_households
    return start_partitions(ctx, plan(ctx, provinces, budget), count_partition, as_of, counter, options)


@task(name="check national inputs", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def check_national_inputs(ctx: CampaignContext, provinces: list[str]) -> dict[str, pd.DataFrame]:
    """Funds, employment and relocation, each through its suite, and the counties: checked in the flow
    while the partitions count the roster."""
    return national_inputs(ctx, provinces)

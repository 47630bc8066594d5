"""The roster stage of the national campaigns (assessment, press releases), split by province partition.

Each partition reads and checks its provinces' roster and per-household programme tables on a worker
(tasks.partitions says where), and hands back only what the campaign counts from them: sums per province
and county, never the rows. Reading and checking the roster is most of these campaigns' time, and its rows
are most of their memory; what crosses back to the flow is a few hundred numbers per province."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from prefect import Task, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from tasks.dbretry import TRANSIENT_RETRIES, with_retries
from tasks.inputs import roster_inputs
from tasks.partitions import partition_label, plan_partitions, province_sizes, worker_count
from tasks.settings import get_settings
from tasks.stage import CampaignContext, StageFailed

# What a campaign counts from one partition's checked tables; module-level, so it can cross to a worker.
Counter = Callable[..., Any]


@task(name="check and count roster", task_run_name="roster {label}", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def count_partition(ctx: CampaignContext, codes: list[str], label: str, as_of: pd.Timestamp,
                    counter: Counter, options: dict[str, Any]) -> tuple[Any, CampaignContext]:
    """Roster and per-household programme tables of `codes`, checked → `counter(tables, **options)`."""
    work = ctx.fork()
    tables = roster_inputs(work, codes, as_of, scope=label)
    with work.timed("count", rows=len(tables["households"]) + len(tables["persons"]), scope=label):
        counted = counter(tables, **options)
    return counted, work


def plan(ctx: CampaignContext, provinces: list[str]) -> list[list[str]]:
    settings = get_settings()
    sizes = with_retries(lambda: province_sizes(ctx.engine, provinces), "count households per province")
    return plan_partitions(sizes, settings.partition_households, 1 if settings.dask_address else worker_count(settings))


def run_partitions(ctx: CampaignContext, partitions: list[list[str]], partition_task: Task, *args: Any,
                   on_done: Callable[[int], None] | None = None) -> tuple[list[Any], dict[str, str]]:
    """`partition_task(ctx, codes, label, *args)` for each partition, which hands back (result, its forked
    context): each result, with its context absorbed into `ctx`, and the provinces of the partitions that
    stopped, with the reason (one stopped partition does not stop the others). Several partitions are
    submitted to the task runner; a single one runs in this process, since a worker process costs seconds to
    start and one partition gains nothing from it."""
    if len(partitions) == 1:
        only = partitions[0]
        calls = [lambda: partition_task(ctx, only, partition_label(only), *args)]
    else:
        calls = [partition_task.submit(ctx, codes, partition_label(codes), *args).result for codes in partitions]
    results, failed = [], {}
    for done, (codes, call) in enumerate(zip(partitions, calls, strict=True), start=1):
        try:
            result, work = call()
        except StageFailed as exc:
            failed.update(dict.fromkeys(codes, str(exc)))
            get_run_logger().error("provinces %s stopped: %s", partition_label(codes), exc)
        else:
            results.append(result)
            ctx.absorb(work)
        if on_done is not None:
            on_done(done)
    return results, failed


def count_roster(ctx: CampaignContext, provinces: list[str], as_of: pd.Timestamp, counter: Counter,
                 **options: Any) -> list[Any]:
    """`counter`'s result for each partition of `provinces`. A campaign that ranks or totals the country
    cannot go on without a province, so a stopped partition stops the stage once all have finished."""
    results, failed = run_partitions(ctx, plan(ctx, provinces), count_partition, as_of, counter, options)
    if failed:
        raise StageFailed("; ".join(dict.fromkeys(failed.values())))
    return results

"""The roster stage of the counting campaigns (assessment, press releases), one task per province partition
(flows.fan_out fans it out).

Each partition reads and checks its provinces' roster and per-household programme tables on a worker
(tasks.partitions.runner says where), and hands back only what the campaign counts from them: sums per province
and county, never the rows. Reading and checking the roster is most of these campaigns' time, and its rows
are most of their memory; what crosses back to the flow is a few hundred numbers per province."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.partitions.partition import Partition
from tasks.partitions.runner import release_memory
from tasks.quality.county_indicators import county_sums
from tasks.runs.context import CampaignContext
from tasks.runs.inputs import national_inputs, roster_inputs
from tasks.storage.retries import TRANSIENT_RETRIES

# What a campaign counts from one partition's checked tables; module-level, so it can cross to a worker.
CountPartition = Callable[..., Any]


class PartitionCounts(NamedTuple):
    counted: Any  # what the campaign's counter made of the partition's tables
    county_sums: pd.DataFrame  # what its counties' indicators are made of (tasks.quality.county_indicators)


@task(name="check and count roster", task_run_name="roster {label}", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def count_partition(ctx: CampaignContext, part: Partition, label: str, as_of: pd.Timestamp,
                    counter: CountPartition, options: dict[str, Any]) -> tuple[PartitionCounts, CampaignContext]:
    """Roster and per-household programme tables of the partition's provinces, checked →
    `counter(tables, **options)`, and the counties' sums (the leads of the year to `as_of`)."""
    work = ctx.fork()
    try:
        tables, households_read = roster_inputs(work, part.codes, as_of, scope=label)
        with work.timed("count", rows=len(tables["households"]) + len(tables["persons"]), scope=label):
            counted = counter(tables, **options)
            leads = tables["leads"]
            sums = county_sums(tables["households"], leads[leads["reported_at"] >= pd.Timestamp(as_of.year, 1, 1)],
                               tables["measures"], households_read)
        del tables
        return PartitionCounts(counted, sums), work
    finally:
        release_memory()


@task(name="check national inputs", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def check_national_inputs(ctx: CampaignContext, provinces: list[str]) -> dict[str, pd.DataFrame]:
    """Funds, employment and relocation, each through its suite, and the counties: checked in the flow
    while the partitions count the roster."""
    return national_inputs(ctx, provinces)

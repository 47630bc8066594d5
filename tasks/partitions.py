"""Province partitions: how a campaign splits the country so that memory stays bounded by the largest
partition, and where the partitions run (a pool of processes sized to the machine, or a Dask cluster).

Small provinces are screened together: each Great Expectations validation has a fixed cost of about half a
second whatever the rows, so 31 small validations cost far more than one large one. A province larger than
the budget is a partition of its own; the screening cuts one larger than CAMPAIGNS_PART_HOUSEHOLDS into parts
(tasks.province_parts), which is what bounds memory at national scale."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import re
from typing import Any

import pyarrow as pa
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner
from sqlalchemy import Engine, func, select

from tasks.model import Household
from tasks.reference.provinces import PROVINCES
from tasks.settings import Settings, get_settings

GB = 1024**3
MEMORY_PER_WORKER = 8 * GB  # a partition of the default budget stays well under this (bench/harness.py)
MIN_SPLIT = 200_000  # households: below this one process does the whole run


def province_sizes(engine: Engine, codes: list[str]) -> dict[str, int]:
    """Households per province, in the order of `codes` (0 for a province with none)."""
    query = (select(Household.province_code, func.count()).where(Household.province_code.in_(codes))
             .group_by(Household.province_code))
    with engine.connect() as conn:
        found = dict(conn.execute(query).all())
    return {code: int(found.get(code, 0)) for code in codes}


def plan_partitions(sizes: dict[str, int], budget: int, workers: int = 1) -> list[list[str]]:
    """Consecutive provinces grouped while their households fit in `budget`, and into about `workers`
    partitions of similar size when the country is large enough to keep every worker busy; one partition
    per province that alone exceeds the budget. Depends only on the sizes and the settings, so a rerun
    splits the same way."""
    if budget < 1:
        raise ValueError("the partition budget must be at least one household")
    total = sum(sizes.values())
    # Below MIN_SPLIT a second worker process costs more to start than it saves.
    share = -(-total // workers) if workers > 1 and total >= MIN_SPLIT else None
    partitions: list[list[str]] = []
    current: list[str] = []
    held = counted = 0
    boundary = share or 0  # where the next worker's share starts, in households counted in province order
    for code, households in sizes.items():
        # A province goes to the side of the share boundary where most of it lies: the nearest cut, so that
        # the workers' partitions come out about equal and none waits on a much larger one.
        past_share = share is not None and counted + households / 2 > boundary
        if current and (held + households > budget or past_share):
            partitions.append(current)
            current, held = [], 0
        while share is not None and counted + households / 2 > boundary:
            boundary += share
        current.append(code)
        held += households
        counted += households
    if current:
        partitions.append(current)
    return partitions


def partition_label(codes: list[str]) -> str:
    """How results and messages name a partition: its province, or its first and last and how many."""
    return codes[0] if len(codes) == 1 else f"{codes[0]}..{codes[-1]} ({len(codes)})"


def label_provinces(label: str) -> set[str]:
    """The provinces a scope label may cover: a province or a part of one, or those from first to last in code
    order (a partition holds consecutive provinces); none for a label of another kind."""
    if re.fullmatch(r"\d{2}( \d+/\d+)?", label):
        return {label[:2]}
    found = re.fullmatch(r"(\d{2})\.\.(\d{2}) \(\d+\)", label)
    return {p.code for p in PROVINCES if found[1] <= p.code <= found[2]} if found else set()


def worker_count(settings: Settings) -> int:
    """Partitions at once: the setting, else as many as the cores and the memory both allow."""
    if settings.workers > 0:
        return settings.workers
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):  # not a POSIX system: assume the memory is no constraint
        memory = MEMORY_PER_WORKER * 64
    return max(1, min(os.cpu_count() or 1, memory // MEMORY_PER_WORKER))


def release_memory() -> None:
    """Hand the memory a partition freed back to the system. A worker process lives on for the next
    partition, and both Arrow's allocator and glibc's keep freed pages for reuse: an idle worker would go on
    holding its largest partition's peak while the flow writes the reports (measured: about 2 GB each)."""
    gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: its allocator returns memory its own way
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def build_task_runner(settings: Settings | None = None) -> Any:
    """A Dask cluster when `CAMPAIGNS_DASK_ADDRESS` is set; else a pool of processes sized to the machine
    (partitions are pandas and GX work, which threads would run one at a time), or one thread when there
    is one worker."""
    settings = settings or get_settings()
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    workers = worker_count(settings)
    if workers > 1:
        return ProcessPoolTaskRunner(max_workers=workers)
    return ThreadPoolTaskRunner(max_workers=1)


class SettingsTaskRunner(TaskRunner):
    """What a flow declares; the runner is chosen from the settings when a run starts. Prefect enters
    `flow.task_runner.duplicate()` for each run, so a deployment served long ago still follows today's
    settings, and a test can point the same flow at a Dask cluster by setting the address."""

    def duplicate(self):
        return build_task_runner()

    def submit(self, task, parameters, wait_for=None, dependencies=None):  # pragma: no cover
        raise RuntimeError("SettingsTaskRunner only chooses a runner; the flow engine uses duplicate()")

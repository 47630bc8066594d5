"""Where partitions run: a pool of processes sized to the machine's cores and memory, or a Dask cluster; and
how a finished partition hands its memory back."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
from collections.abc import Callable
from typing import Any

import pyarrow as pa
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from tasks.partitions import warm
from tasks.partitions.warm import WarmProcessPoolTaskRunner
from tasks.settings import Settings, get_settings

GB = 1024**3
MEMORY_PER_WORKER = 8 * GB  # a partition of the default budget stays well under this (bench/harness.py)


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


def settle() -> None:
    """What is alive now (the modules, GX's context: some 370,000 objects) lives as long as the process:
    frozen out of the cyclic collector's walks, a full collection costs 0.01 s instead of 0.3 s, after each
    partition (`release_memory`) and whenever Python collects on its own. Called once the process has
    imported what it works with, before any partition's data exists (flows.fan_out.prepare_worker, and the
    command line before its flow)."""
    gc.collect()
    gc.freeze()


def build_task_runner(settings: Settings | None = None, prepare: Callable[[], None] | None = None) -> Any:
    """A Dask cluster when `CAMPAIGNS_DASK_ADDRESS` is set; else a pool of processes sized to the machine
    (partitions are pandas and GX work, which threads would run one at a time), each process `prepare`d
    before its first partition, or one thread when there is one worker."""
    # Built when a flow module is imported (its @flow decorator) and again as the run starts: the edge.
    settings = settings or get_settings()
    if settings.dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_address)
    workers = worker_count(settings)
    if workers > 1:
        return WarmProcessPoolTaskRunner(max_workers=workers, initializer=prepare)
    return ThreadPoolTaskRunner(max_workers=1)


def start_workers_early(runner: Any, settings: Settings) -> bool:
    """The worker processes of a flow declaring `runner`, forked now (tasks.partitions.warm): a command calls
    this before its flow, while its temporary Prefect server starts."""
    if not isinstance(runner, SettingsTaskRunner) or settings.dask_address:
        return False
    return warm.start(worker_count(settings), runner.prepare)


class SettingsTaskRunner(TaskRunner):
    """What a flow declares; the runner is chosen from the settings when a run starts. Prefect enters
    `flow.task_runner.duplicate()` for each run, so a deployment served long ago still follows today's
    settings, and a test can point the same flow at a Dask cluster by setting the address. `prepare`: what
    a worker process does before its first partition (picklable: a module's function)."""

    def __init__(self, prepare: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.prepare = prepare

    def duplicate(self):
        return build_task_runner(prepare=self.prepare)

    def submit(self, task, parameters, wait_for=None, dependencies=None):  # pragma: no cover
        raise RuntimeError("SettingsTaskRunner only chooses a runner; the flow engine uses duplicate()")

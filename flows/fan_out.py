"""Fanning a campaign out over its partitions: each partition is a task run on the task runner (a process
pool or a Dask cluster), or in the flow itself when there is only one (a worker process costs seconds to
start and one partition gains nothing)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from prefect import Task, get_run_logger

from tasks.partitions.partition import Partition
from tasks.partitions.runner import SettingsTaskRunner, settle
from tasks.quality.gx import gx_context
from tasks.quality.store import forget_other_scopes
from tasks.runs.check import StageFailed
from tasks.runs.context import CampaignContext
from tasks.storage.retries import with_retries

T = TypeVar("T")


def prepare_worker() -> None:
    """A worker process, before its first partition: GX's context made (seconds, else in the partition's
    first validation), then what the process holds settled (tasks.partitions.runner.settle). A failure
    here only logs: raised, it would break the whole pool, and every partition would fail with
    BrokenProcessPool instead of the partition's first validation saying what is wrong."""
    try:
        gx_context()
    except Exception:
        logging.getLogger(__name__).exception("GX could not be prepared in this worker; its first check will say why")
    settle()


def partition_runner() -> SettingsTaskRunner:
    """The task runner a partitioned campaign declares: its workers prepared."""
    return SettingsTaskRunner(prepare=prepare_worker)


def fan_out(ctx: CampaignContext, partitions: list[Partition], partition_task: Task, *args: Any,
            on_done: Callable[[int], None] | None = None) -> Pending:
    """`partition_task(ctx, partition, label, *args)` for each partition, under way; each hands back (result,
    its forked context). A rerun partitioned otherwise first forgets the checks of the old partitions."""
    if not ctx.dry_run:
        with_retries(lambda: forget_other_scopes(ctx.engine, ctx.run_id, {p.label for p in partitions},
                                                 {c for p in partitions for c in p.codes}, Partition.covered_by),
                     "forget the checks of earlier partitions")
    if len(partitions) == 1:
        only = partitions[0]
        calls = [lambda: partition_task(ctx, only, only.label, *args)]
    else:
        calls = [partition_task.submit(ctx, part, part.label, *args).result for part in partitions]
    return Pending(ctx, partitions, calls, on_done)


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

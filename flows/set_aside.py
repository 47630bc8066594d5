"""The workbooks of rows set aside (tasks.outputs.set_aside), shared among the task runner's workers when a
run has many rows to write again (at national scale, thousands of workbooks and millions of cells: README,
Scale). Each row goes to its county's workbook and its province's. A county lies in one province, so
provinces are dealt out to the workers, each reading and writing its own."""

from __future__ import annotations

import logging

from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.outputs.set_aside import clear_set_aside, plan_set_aside, set_aside_counts, write_set_aside
from tasks.partitions.runner import release_memory, worker_count
from tasks.runs.context import CampaignContext
from tasks.storage.retries import TRANSIENT_RETRIES, with_retries

log = logging.getLogger(__name__)


@task(name="set-aside workbooks", task_run_name="set-aside workbooks {label}", cache_policy=NO_CACHE,
      **TRANSIENT_RETRIES)
def write_set_aside_of(ctx: CampaignContext, codes: list[str], label: str) -> tuple[int, set[str], dict[str, int]]:
    """The workbooks of `codes`' provinces: how many written, those left as they were, and per county the
    rows listed."""
    try:
        written = write_set_aside(ctx.engine, [ctx.run_id], ctx.output_dir, provinces=codes, campaign=ctx.campaign)
        return written.written, written.unchanged, written.listed
    finally:
        release_memory()


def leave_set_aside(ctx: CampaignContext) -> None:
    """The workbooks of rows set aside, those whose rows changed since the campaign last wrote them: in the
    flow's process, or, when they hold many rows (CAMPAIGNS_SET_ASIDE_PARALLEL_ROWS; below it a worker costs
    more to start than it saves), by the workers, a share of the provinces each. Should this fail (it only
    logs), `campaign_run` writes them in the flow's process as it closes."""
    if ctx.dry_run:
        return
    try:
        with ctx.timed("set-aside workbooks") as timing:
            workers = worker_count(ctx.settings)
            # Planned again on a retry: writing describes and masks the planned rows in place.
            tallies, counts = with_retries(lambda: _written_here(ctx, workers, timing),
                                           "write the workbooks of rows set aside")
            if tallies is None:
                clear_set_aside(ctx.output_dir, keep=True, provinces=set(counts))
                shares = [write_set_aside_of.submit(ctx, codes, ",".join(codes))
                          for codes in dealt_out(counts, workers)]
                tallies = [share.result() for share in shares]
    except Exception:
        log.exception("%s: the workbooks of rows set aside could not be written here; the flow writes them",
                      ctx.label)
        return
    ctx.set_aside_written = True
    ctx.workbooks_written = sum(written for written, _, _ in tallies)
    ctx.workbooks_unchanged = set().union(*(unchanged for _, unchanged, _ in tallies))
    ctx.set_aside_listed = {county: rows for *_, listed in tallies for county, rows in listed.items()}


def _written_here(ctx: CampaignContext, workers: int, timing: dict) -> tuple[list[tuple] | None, dict]:
    """The workbooks planned, and written here unless their rows to write again are many (then no tallies:
    the workers write them); and the rows set aside per province."""
    plan = plan_set_aside(ctx.engine, [ctx.run_id], campaign=ctx.campaign)
    timing["rows"] = len(plan.rows)
    counts = set_aside_counts(ctx.engine, [ctx.run_id])
    # A row of no province is for the one writer that sees them all.
    if workers < 2 or None in counts or plan.rows_to_write < ctx.settings.set_aside_parallel_rows:
        written = write_set_aside(ctx.engine, [ctx.run_id], ctx.output_dir, campaign=ctx.campaign, plan=plan)
        return [(written.written, written.unchanged, written.listed)], counts
    return None, counts


def dealt_out(counts: dict[str, int], workers: int) -> list[list[str]]:
    """Provinces in at most `workers` shares of about equal rows: the largest first, each to the share with
    the fewest rows so far."""
    held = [0] * min(workers, len(counts))
    shares: list[list[str]] = [[] for _ in held]
    for code, rows in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        fewest = held.index(min(held))
        held[fewest] += rows
        shares[fewest].append(code)
    return [sorted(codes) for codes in shares if codes]

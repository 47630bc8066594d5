"""Campaign 1: the Q2 concentrated screening (防止返贫监测帮扶集中排查).

Launch → per province: inputs checked, leads matched, risks screened, coverage checked, findings checked and
stored → reports → notifications. One Prefect task per province and stage group, never per household."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE

from flows.county_checks import check_county_indicators
from flows.fan_out import fan_out, partition_runner
from flows.set_aside import leave_set_aside
from tasks.notify.hooks import failure_hook
from tasks.outputs.links import report_link
from tasks.partitions.partition import Partition
from tasks.partitions.plan import plan
from tasks.partitions.runner import release_memory
from tasks.runs.campaign import campaign_run, close_run
from tasks.runs.check import StageFailed
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.form import run_name_of
from tasks.screening import announce
from tasks.screening.answer import answer_again, summary_artifacts
from tasks.screening.params import ScreeningParams
from tasks.screening.partition import (
    PartitionScreening,
    ProvinceScreening,
    forget_other_parts,
    merge_parts,
    parts_by_province,
    screen_partition,
)
from tasks.screening.report import (
    REPORTS_CHECK,
    WORKBOOKS_CHECK,
    ScreeningSummary,
    forget_other_workbooks,
    national_summary,
    people_lists,
    province_sheets,
    unmasked_id_check,
    write_province_workbooks,
    write_reports,
)
from tasks.settings import get_settings
from tasks.storage.retries import TRANSIENT_RETRIES, with_retries


@task(name="announce scope", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def announce_scope(ctx: CampaignContext, params: ScreeningParams) -> dict:
    """Record the run's scope and tell the coordinators (provinces, households, open leads)."""
    figures = announce.scope(ctx.engine, params.province_codes)
    announce.announce_scope(ctx, figures, (params.window_start, params.window_end))
    return figures


@task(name="screen partition", task_run_name="screen partition {label}", cache_policy=NO_CACHE,
      **TRANSIENT_RETRIES)
def screen_one_partition(ctx: CampaignContext, part: Partition, label: str,
                         params: ScreeningParams) -> PartitionScreening:
    """Inputs → matched leads → risk screening → elimination → coverage → timeliness → output check → store,
    for the provinces of one partition, or a part of a province (on a worker process, or a Dask worker)."""
    work = ctx.fork()
    try:
        provinces = screen_partition(work, part, year=params.year, mode=params.mode.value,
                                     window_start=params.window_start, as_of=params.as_of, rules=params.rules)
        if not params.dry_run:
            rows = sum(len(f) for p in provinces for f in p.lists.values())
            with work.timed("province lists", rows=rows, scope=label):
                sheets = province_sheets(provinces)
            checkpoint(work, WORKBOOKS_CHECK, unmasked_id_check(sheets.lists), scope=label)
            with work.timed("province workbooks", rows=rows, scope=label):
                write_province_workbooks(work.output_dir, sheets.sheets, part.part_name)
        return PartitionScreening(provinces, work)
    finally:
        release_memory()


@task(name="report and notify", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def report_and_notify(ctx: CampaignContext, params: ScreeningParams, results: list[ProvinceScreening],
                      failed: dict[str, str], outliers: list[str]) -> ScreeningSummary:
    """summary.json, CSVs and the workbook; the summary, per-province and progress messages; artifacts."""
    changes = None
    if params.mode.value == "progress":
        changes = announce.progress_since_previous(ctx.engine, params.year, params.as_of, params.province_codes,
                                                   announce.list_keys(results))
    header = {"campaign": "screening", "year": params.year, "mode": params.mode.value,
              "as_of": str(params.as_of), "window": [str(params.window_start), str(params.window_end)],
              "run_id": ctx.run_id, "dry_run": params.dry_run, "failed_provinces": failed,
              "roster_watermark": ctx.watermark, "rows_rechecked": ctx.rows_rechecked, "inputs_digest": ctx.inputs,
              "progress": changes, "county_outliers": outliers,
              "findings_stored": sum(len(f) for r in results for f in r.lists.values())}
    summary = national_summary(results, header)
    with ctx.timed("people lists", rows=sum(len(f) for r in results for f in r.lists.values())):
        lists = people_lists(results)
    checkpoint(ctx, REPORTS_CHECK, unmasked_id_check(lists))
    folder = None
    if not params.dry_run:
        with ctx.timed("write reports", rows=sum(len(f) for f in lists.values())):
            write_reports(ctx.output_dir, summary, lists)
        folder = report_link(ctx.output_dir, ctx.settings)
    announce.announce_results(ctx, summary, folder)
    announce.announce_progress(ctx, changes)
    summary_artifacts(ctx, summary, folder)
    return summary


@flow(name="q2-concentrated-screening", flow_run_name=run_name_of(ScreeningParams),
      on_failure=[failure_hook("screening")], on_crashed=[failure_hook("screening")], task_runner=partition_runner())
def concentrated_screening(params: ScreeningParams) -> ScreeningSummary:
    """防止返贫监测帮扶集中排查: find new monitoring objects and risk-eliminated ones, check assistance
    coverage, and account for every problem lead (不漏一户一人)."""
    logger = get_run_logger()
    settings = get_settings()
    with campaign_run(params.run_spec(), params, settings=settings) as ctx:
        answer = answer_again(ctx, params)
        summary, failed = (answer, {}) if answer is not None else _work_out(ctx, params, settings)
    logger.info("screening %s: %s new candidates, %s elimination candidates, %s unmatched leads; reports in %s%s",
                ctx.label, summary["new_candidates"]["total"], summary["elimination_candidates"],
                summary["leads"]["unmatched"], ctx.output_dir,
                f" (the answer of the run finished at {ctx.answered_by}, same inputs)" if ctx.answered_by else "")
    if failed:
        raise StageFailed(f"{len(failed)} province(s) stopped: {', '.join(sorted(failed))}: "
                          + "; ".join(dict.fromkeys(failed.values())))
    return summary


def _work_out(ctx: CampaignContext, params: ScreeningParams, settings) -> tuple[ScreeningSummary, dict[str, str]]:
    announce_scope(ctx, params)
    partitions = plan(ctx.engine, params.province_codes, settings, budget=settings.partition_households,
                      part_budget=settings.part_households)
    if not params.dry_run:
        with_retries(lambda: forget_other_parts(ctx.engine, partitions, year=params.year,
                                                mode=params.mode.value, as_of=params.as_of),
                     "forget findings of provinces cut otherwise")
        forget_other_workbooks(ctx.output_dir, parts_by_province(partitions))
    progress = create_progress_artifact(0.0, key="screening-progress", description=ctx.label)
    screened, failed = fan_out(
        ctx, partitions, screen_one_partition, params,
        on_done=lambda done: update_progress_artifact(progress, 100.0 * done / len(partitions))).gather()
    # A province stopped in one of its parts is reported as stopped, not with the figures of its other parts.
    results: list[ProvinceScreening] = [r for r in merge_parts([p for provinces in screened for p in provinces])
                                        if r.province not in failed]
    outliers = check_county_indicators(ctx, "screening", params.as_of, [r.county_sums for r in results],
                                       params.outliers)
    summary = report_and_notify(ctx, params, results, failed, outliers)
    leave_set_aside(ctx)
    if failed:
        close_run(ctx, "failed", error="; ".join(dict.fromkeys(failed.values())))
    return summary, failed

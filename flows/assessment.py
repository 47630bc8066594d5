"""Campaign 2: the annual assessment and evaluation (考核评估), with the monitoring evaluation of the key
assistance counties (重点帮扶县发展成效监测评价).

Configuration (weights checked) → national inputs checked → the roster checked and counted per partition of
provinces (flows.counting) → indicators, scores, grades, ranks, red line, key counties → output checks →
reports → messages. One Prefect task per stage, and per partition for the roster."""

from __future__ import annotations

from datetime import date

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.counting import check_national_inputs, count_partition
from flows.county_checks import check_county_indicators
from flows.fan_out import fan_out, partition_runner
from flows.set_aside import leave_set_aside
from tasks.assessment.announce import announce_results
from tasks.assessment.config import load_config
from tasks.assessment.evaluate import (
    INDICATOR_SCORES_CHECK,
    SCORES_CHECK,
    WEIGHTS_CHECK,
    assessment_counts,
    evaluate_counts,
    indicator_weights,
)
from tasks.assessment.indicators import RosterCounts
from tasks.assessment.params import AssessmentParams
from tasks.assessment.report import (
    AssessmentResult,
    AssessmentSummary,
    ranking_rows,
    summary_markdown,
    write_reports,
)
from tasks.notify.hooks import failure_hook
from tasks.pairings.year_end import year_end_pairings
from tasks.partitions.plan import plan
from tasks.runs.as_of import describe_changes
from tasks.runs.campaign import campaign_run
from tasks.runs.check import StageFailed
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.form import run_name_of
from tasks.settings import get_settings
from tasks.storage.changes import changed_since
from tasks.storage.retries import TRANSIENT_RETRIES


@task(name="check configuration", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def check_configuration(ctx: CampaignContext, config) -> None:
    """The indicator configuration's weights must sum to 1 (the weights checkpoint)."""
    checkpoint(ctx, WEIGHTS_CHECK, indicator_weights(config))


def revised_records(ctx: CampaignContext, params: AssessmentParams) -> list[str]:
    """Per province, the records of the year recorded late or corrected since the last completed assessment
    of the year read the roster: why its scores may differ from that run's (empty: nothing of the year)."""
    previous = ctx.previous_watermark
    if previous is None or ctx.watermark is None or ctx.watermark <= previous:
        return []
    return describe_changes(changed_since(ctx.engine, previous, date(params.year, 12, 31), params.province_codes))


@task(name="score provinces and key counties", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def score(ctx: CampaignContext, params: AssessmentParams, tables: dict, counts: RosterCounts,
          config, outliers: list[str]) -> AssessmentResult:
    """Indicators, scores, grade, rank, red line, lagging key counties; then the output checkpoints."""
    for table in ("linkage_funds", "employment"):
        if not (tables[table]["year"] == params.year).any():
            # Without the year's programme data the roster's current state alone would be scored.
            raise StageFailed(f"{ctx.label}: no {table} rows for {params.year}: nothing to assess")
    result = evaluate_counts(counts, tables, params.year, config, params.province_codes)
    ctx.suite_parameters["provinces_in_scope"] = len(params.province_codes)
    checkpoint(ctx, SCORES_CHECK, result.ranking)
    checkpoint(ctx, INDICATOR_SCORES_CHECK, result.indicators)
    # The pairings' year-end completion (东西部协作, 中央单位定点帮扶), through its own checkpoint: shown, not scored.
    result.pairings = year_end_pairings(ctx, params.province_codes, params.year)
    result.header = {"campaign": "assessment", "run_id": ctx.run_id, "dry_run": params.dry_run,
                     "provinces_in_scope": len(params.province_codes), "roster_watermark": ctx.watermark,
                     "revised_records": revised_records(ctx, params), "county_outliers": outliers}
    return result


@task(name="report and notify", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def report_and_notify(ctx: CampaignContext, params: AssessmentParams, result: AssessmentResult) -> AssessmentSummary:
    folder = None
    if not params.dry_run:
        write_reports(ctx.output_dir, result)
        folder = str(ctx.output_dir.resolve())
    announce_results(ctx, result, folder)
    create_table_artifact(ranking_rows(result), key="assessment-ranking", description=f"{ctx.label}: ranking")
    create_markdown_artifact(summary_markdown(ctx.label, result, folder), key="assessment-summary",
                             description=ctx.label)
    return result.summary()


@flow(name="annual-assessment", flow_run_name=run_name_of(AssessmentParams), on_failure=[failure_hook("assessment")],
      on_crashed=[failure_hook("assessment")], task_runner=partition_runner())
def annual_assessment(params: AssessmentParams) -> AssessmentSummary:
    """巩固拓展脱贫攻坚成果考核评估: score every province on the policy's indicators, grade and rank them,
    flag the risk of large-scale return to poverty, and list the key assistance counties that lag."""
    logger = get_run_logger()
    settings = get_settings()
    with campaign_run(params.run_spec(), params, settings=settings) as ctx:
        config = load_config(params.config_path, params.year)
        # The roster, per partition of provinces on the task runner: each hands back its counts, not rows.
        # They start first; the configuration and the national inputs are checked here meanwhile.
        partitions = plan(ctx.engine, params.province_codes, settings, budget=settings.count_partition_households)
        roster = fan_out(ctx, partitions, count_partition, pd.Timestamp(params.year, 12, 31), assessment_counts,
                         {"year": params.year, "config": config})

        def configuration_and_national_inputs() -> dict:
            check_configuration(ctx, config)
            return check_national_inputs(ctx, params.province_codes)

        tables = roster.alongside(configuration_and_national_inputs)
        parts = roster.counts()
        outliers = check_county_indicators(ctx, "assessment", date(params.year, 12, 31),
                                           [p.county_sums for p in parts], params.outliers)
        result = score(ctx, params, tables, RosterCounts.combine([p.counted for p in parts]), config, outliers)
        summary = report_and_notify(ctx, params, result)
        leave_set_aside(ctx)
    logger.info("assessment %s: %d provinces scored; reports in %s", params.year, len(result.ranking),
                ctx.output_dir)
    return summary

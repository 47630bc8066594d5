"""The monitoring threshold what-if (监测范围测算): before a province sets next year's 监测范围, how many
households and persons would newly become monitoring candidates at each candidate threshold, by province,
county and type, and how many of today's candidates would no longer be.

Roster as of a date → input check (rows that cannot be tested set aside) → the screening's rules at each
threshold → output check → workbook, chart, message. It records no finding: it is a calculation."""

from __future__ import annotations

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from tasks.notify.hooks import failure_hook
from tasks.outputs.links import report_link
from tasks.reference.provinces import province_name
from tasks.runs.campaign import campaign_run
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.form import run_name_of
from tasks.settings import get_settings
from tasks.storage.reads import read_table
from tasks.storage.retries import TRANSIENT_RETRIES
from tasks.what_if import inputs, report
from tasks.what_if.params import ThresholdWhatIfParams
from tasks.what_if.threshold import monotone, scenarios_of, what_if


@task(name="read households", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def checked_roster(ctx: CampaignContext, params: ThresholdWhatIfParams) -> tuple[pd.DataFrame, dict]:
    """The roster as of the day, through the input check (tasks.what_if.inputs)."""
    return inputs.checked_roster(ctx, params)


@task(name="try thresholds", cache_policy=NO_CACHE)
def try_thresholds(ctx: CampaignContext, params: ThresholdWhatIfParams, households: pd.DataFrame,
                   roster: dict) -> pd.DataFrame:
    """Each candidate threshold against the current one, then the output check."""
    with ctx.timed("what-if", rows=len(households)):
        results = what_if(households, roster["persons"], roster["leads"],
                          scenarios_of(params.thresholds, params.changes_pct), params.rules)
    checkpoint(ctx, report.OUTPUT_CHECK, monotone(results))
    return results


@task(name="report and notify", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def report_and_notify(ctx: CampaignContext, params: ThresholdWhatIfParams, results: pd.DataFrame,
                      roster: dict) -> report.WhatIfSummary:
    county_names = dict(read_table(ctx.engine, "counties")[["code", "name"]].itertuples(index=False))
    summary = report.summary_of(results, ctx.label, roster["set_aside"], roster["read"],
                                None if params.dry_run else ctx.output_dir)
    tried = pd.DataFrame({"项目": ["年度", "名册截止日期", "省份", "候选监测范围(元)", "调整比例(%)", "测算农户(户)",
                                   "未纳入测算(户)"],
                          "内容": [params.year, str(params.as_of),
                                 "、".join(province_name(c) for c in params.province_codes) or "全部",
                                 "、".join(f"{t:,}" for t in params.thresholds) or "—",
                                 "、".join(f"{c:+g}" for c in params.changes_pct) or "—", roster["read"],
                                 roster["set_aside"]]})
    workbook = report.sheets(results, county_names, tried)
    png = report.chart(results)
    links = None
    if not params.dry_run:
        written = report.write_reports(ctx.output_dir, summary, workbook, png)
        links = {"workbook": report_link(written, ctx.settings),
                 "chart": report_link(ctx.output_dir / "what-if.png", ctx.settings)}
    report.announce(ctx, summary, links)
    create_table_artifact(workbook[report.BY_PROVINCE].to_dict("records"), key="threshold-what-if-provinces",
                          description=f"{ctx.label}: 分省 / per province")
    create_markdown_artifact(key="threshold-what-if", description=ctx.label,
                             markdown=report.summary_markdown(ctx.label, summary, links))
    return summary


@flow(name="threshold-what-if", flow_run_name=run_name_of(ThresholdWhatIfParams),
      on_failure=[failure_hook("what-if")], on_crashed=[failure_hook("what-if")])
def threshold_what_if(params: ThresholdWhatIfParams) -> report.WhatIfSummary:
    """监测范围测算: households and persons entering and leaving the monitoring candidates at each candidate
    threshold, by province, county and type, from the roster as it stood on a date."""
    settings = get_settings()
    with campaign_run(params.run_spec(), params, settings=settings) as ctx:
        households, roster = checked_roster(ctx, params)
        results = try_thresholds(ctx, params, households, roster)
        summary = report_and_notify(ctx, params, results, roster)
    get_run_logger().info("threshold what-if %s: %s; workbook in %s", params.year,
                          {k: (v["entering_households"], v["leaving_households"])
                           for k, v in summary["scenarios"].items()}, summary["folder"])
    return summary

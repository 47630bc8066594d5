"""Year-round lead watch (问题线索常态化核查): every Monday, each county's problem leads still 待核实 past
their verification limit and those accepted late, with the change on the week before, to the county.

Leads as recorded → input check (quarantine) → the week's watch and its count check → workbook, output
check → messages. One read of the leads table, as of the end of the week and as of a week earlier."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from tasks.lead_watch import report
from tasks.lead_watch.params import LeadWatchParams
from tasks.lead_watch.watch import county_figures, watched_leads, with_trend
from tasks.notify.hooks import failure_hook
from tasks.outputs.links import report_link
from tasks.quality.derive import lead_facts
from tasks.runs.campaign import campaign_run
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.form import run_name_of
from tasks.runs.inputs import check_read, read_with_records
from tasks.screening.report import unmasked_id_check
from tasks.settings import get_settings
from tasks.storage.reads import read_table
from tasks.storage.retries import TRANSIENT_RETRIES


@task(name="check leads", task_run_name="check leads as of {as_of}", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def checked_leads(ctx: CampaignContext, provinces: list[str], as_of: pd.Timestamp, stage: str) -> pd.DataFrame:
    """The leads of `provinces` as recorded by the run's watermark and standing at the end of `as_of`, through
    the leads' raw suite: rows failing a critical rule are set aside with their reasons."""
    with ctx.timed("read leads", scope=stage) as timing:
        frames, records = read_with_records(ctx, ["leads"], provinces, as_of)
        timing["rows"] = len(frames["leads"])
    return check_read(ctx, "leads", lead_facts(frames["leads"], ctx.clock.date()), records["leads"], stage=stage,
                      scope=stage).frame


@task(name="watch leads", cache_policy=NO_CACHE)
def watch(ctx: CampaignContext, params: LeadWatchParams, this_week: pd.DataFrame,
          last_week: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each watched lead with its flags, and each county's figures with the change on the week before; every
    watched lead counted once, in a county of its province (checked)."""
    as_of = pd.Timestamp(params.as_of)
    watched = watched_leads(this_week, as_of, params.rules)
    figures = county_figures(watched)
    ctx.suite_parameters["leads_watched"] = int(figures["watched"].sum())
    checkpoint(ctx, report.ACCOUNTED_CHECK, watched[["lead_no", "province_code", "county_code", "status",
                                                     "overdue", "late_accepted"]])
    previous = county_figures(watched_leads(last_week, as_of - timedelta(days=7), params.rules))
    return watched, with_trend(figures, previous)


@task(name="report and notify", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def report_and_notify(ctx: CampaignContext, params: LeadWatchParams, watched: pd.DataFrame,
                      trend: pd.DataFrame) -> report.LeadWatchSummary:
    county_names = dict(read_table(ctx.engine, "counties")[["code", "name"]].itertuples(index=False))
    summary = report.summary_of(str(params.as_of), ctx.run_id, trend, len(watched))
    counties = report.county_table(trend, county_names)
    sheets = {report.COUNTIES_SHEET: counties, **report.lead_sheets(watched)}
    checkpoint(ctx, report.OUTPUTS_CHECK, unmasked_id_check(sheets))
    workbook = None
    if not params.dry_run:
        workbook = report_link(report.write_reports(ctx.output_dir, summary, sheets), ctx.settings)
    report.announce(ctx, summary, trend, watched, county_names, workbook)
    create_table_artifact(counties.to_dict("records"), key="lead-watch-counties",
                          description=f"{ctx.label}: 各县 / per county")
    create_markdown_artifact(key="lead-watch-summary", description=ctx.label,
                             markdown=report.summary_markdown(ctx.label, summary, workbook))
    return summary


@flow(name="lead-watch", flow_run_name=run_name_of(LeadWatchParams), on_failure=[failure_hook("lead-watch")],
      on_crashed=[failure_hook("lead-watch")])
def lead_watch(params: LeadWatchParams) -> report.LeadWatchSummary:
    """问题线索常态化核查: each county's overdue and late problem leads of the week, with the trend, sent to the
    county; nothing about a person leaves unmasked."""
    settings = get_settings()
    as_of = pd.Timestamp(params.as_of)
    with campaign_run(params.run_spec(), params, settings=settings) as ctx:
        this_week = checked_leads(ctx, params.province_codes, as_of, "validate leads")
        last_week = checked_leads(ctx, params.province_codes, as_of - timedelta(days=7),
                                  "validate leads a week earlier")
        watched, trend = watch(ctx, params, this_week, last_week)
        summary = report_and_notify(ctx, params, watched, trend)
    get_run_logger().info("lead watch %s: %s overdue, %s late in %s counties; reports in %s", params.as_of,
                          summary["overdue"], summary["late"], summary["counties_to_chase"], ctx.output_dir)
    return summary

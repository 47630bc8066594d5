"""Relocation follow-up (易地搬迁后续扶持), quarterly: for every 集中安置点, as of the quarter's end, its relocated
households with labour and someone employed, the employment and income of its relocated people beside the
quarter before, the services it has and, for a large site, its earmarked funds; sites of concern flagged.

Register of sites (checked) and the counties' reports on them → the roster as of the quarter's end and the
quarter before → per-site figures (checked) → a workbook per province, messages to coordinators and counties."""

from __future__ import annotations

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from tasks.assessment.config import load_config
from tasks.notify.hooks import failure_hook
from tasks.outputs.links import report_link
from tasks.relocation import report
from tasks.relocation.inputs import FIGURES_CHECK, checked_sites, relocated_as_of
from tasks.relocation.params import RelocationParams
from tasks.relocation.sites import employment, site_figures
from tasks.runs.campaign import campaign_run
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.form import run_name_of
from tasks.settings import get_settings
from tasks.storage.reads import read_table
from tasks.storage.retries import TRANSIENT_RETRIES


@task(name="check relocation sites", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def sites_and_reports(ctx: CampaignContext, params: RelocationParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    quarter = params.quarter()
    return checked_sites(ctx, params.province_codes or None, quarter.year, quarter.quarter)


@task(name="compute site figures", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def compute_site_figures(ctx: CampaignContext, params: RelocationParams, sites: pd.DataFrame,
                         reports: pd.DataFrame) -> pd.DataFrame:
    """Each site's figures this quarter beside the quarter before, through their check (a failure is the
    computation's: the run stops)."""
    quarter, provinces = params.quarter(), params.province_codes or None
    # The bar of the programme's 务工 figures, the assessment's own (assessment.toml): one rule for both.
    min_months = int(load_config(year=quarter.year).param("relocation_employment", "min_months"))
    now = employment(*relocated_as_of(ctx, provinces, quarter.end), min_months)
    before = employment(*relocated_as_of(ctx, provinces, quarter.previous().end), min_months)
    figures = site_figures(sites, reports, now, before)
    checkpoint(ctx, FIGURES_CHECK, figures)
    return figures


@task(name="report and notify", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def report_and_notify(ctx: CampaignContext, params: RelocationParams,
                      figures: pd.DataFrame) -> report.RelocationSummary:
    folder = None if params.dry_run else ctx.output_dir
    summary = report.summary_of(params.quarter().label, ctx.run_id, figures, folder)
    links = {}
    if folder is not None:
        written = report.write_reports(folder, summary, figures)
        links = {code: report_link(path, ctx.settings) for code, path in written.items()}
        links["folder"] = report_link(folder / "provinces", ctx.settings)
    county_names = dict(read_table(ctx.engine, "counties")[["code", "name"]].itertuples(index=False))
    report.announce(ctx, summary, figures, county_names, links)
    create_table_artifact(report.for_people(figures.head(200)).to_dict("records"), key="relocation-sites",
                          description=f"{ctx.label}: 需关注的安置点（前 200）/ sites of concern first")
    create_markdown_artifact(key="relocation-summary", description=ctx.label,
                             markdown=report.summary_markdown(ctx.label, summary))
    return summary


@flow(name="relocation-follow-up", flow_run_name=run_name_of(RelocationParams),
      on_failure=[failure_hook("relocation")], on_crashed=[failure_hook("relocation")])
def relocation_follow_up(params: RelocationParams) -> report.RelocationSummary:
    """易地搬迁后续扶持季度监测: every 集中安置点 as of the quarter's end, its sites of concern to their counties."""
    settings = get_settings()
    with campaign_run(params.run_spec(), params, settings=settings) as ctx:
        sites, reports = sites_and_reports(ctx, params)
        figures = compute_site_figures(ctx, params, sites, reports)
        summary = report_and_notify(ctx, params, figures)
    get_run_logger().info("relocation %s: %s sites, %s of concern; workbooks in %s", summary["period"],
                          summary["sites"], summary["sites_of_concern"], summary["folder"])
    return summary

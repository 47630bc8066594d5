"""Linkage-fund project ledger (衔接资金项目台账, 联农带农), quarterly: the year's projects funded by the central
linkage funds to the quarter's end, as the counties itemised them, against the allotments (linkage_funds);
operating projects without a linkage mechanism or households linked, county quarters whose ledger disagrees
with the allotment or is missing, and each province's share to industry against the policy's target.

Allotments (checked) and projects (checked where they arrived) → per project, county quarter and province
figures (checked) → a workbook per province, messages to coordinators, provinces and counties."""

from __future__ import annotations

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from tasks.assessment.config import load_config
from tasks.funds import ledger, report
from tasks.funds.inputs import FIGURES_CHECK, allotments_and_projects
from tasks.funds.params import FundLedgerParams
from tasks.notify.hooks import failure_hook
from tasks.outputs.links import report_link
from tasks.quality.county_indicators import county_names
from tasks.runs.campaign import campaign_run
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.form import run_name_of
from tasks.settings import get_settings
from tasks.storage.retries import TRANSIENT_RETRIES


@task(name="check fund allotments and projects", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def read_ledger(ctx: CampaignContext, params: FundLedgerParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    quarter = params.quarter()
    return allotments_and_projects(ctx, params.province_codes or None, quarter.year, quarter.quarter)


@task(name="compute fund ledger figures", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def compute_ledger(ctx: CampaignContext, params: FundLedgerParams, allotments: pd.DataFrame,
                   projects: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Projects and county quarters with their flags, and the provinces' figures through their check (a
    failure is the computation's: the run stops)."""
    flagged = ledger.project_flags(projects)
    counties = ledger.county_totals(allotments, projects)
    provinces = ledger.province_figures(params.quarter(), allotments, projects, flagged, counties,
                                        industry_target(params))
    checkpoint(ctx, FIGURES_CHECK, provinces)
    return flagged, counties, provinces


def industry_target(params: FundLedgerParams) -> float:
    """The share of the linkage funds to industry a province is held to: the assessment's own target for the
    year (assessment.toml industry_fund_share), one rule for both."""
    return load_config(year=params.quarter().year).indicator("industry_fund_share").target


@task(name="report and notify", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def report_and_notify(ctx: CampaignContext, params: FundLedgerParams, projects: pd.DataFrame, counties: pd.DataFrame,
                      provinces: pd.DataFrame) -> report.FundLedgerSummary:
    folder = None if params.dry_run else ctx.output_dir
    summary = report.summary_of(params.quarter().label, ctx.run_id, projects, counties, provinces,
                                industry_target(params), folder)
    names = county_names(ctx.engine)
    links = {}
    if folder is not None:
        written = report.write_reports(folder, summary, projects, counties, provinces, names)
        links = {code: report_link(path, ctx.settings) for code, path in written.items()}
        links["folder"] = report_link(folder / "provinces", ctx.settings)
    report.announce(ctx, summary, projects, counties, provinces, names, links)
    create_table_artifact(report.shown_provinces(provinces, summary["target"]).to_dict("records"),
                          key="fund-ledger-provinces", description=f"{ctx.label}: 各省 / provinces")
    create_markdown_artifact(key="fund-ledger-summary", description=ctx.label,
                             markdown=report.summary_markdown(ctx.label, summary))
    return summary


@flow(name="fund-ledger", flow_run_name=run_name_of(FundLedgerParams),
      on_failure=[failure_hook("fund-ledger")], on_crashed=[failure_hook("fund-ledger")])
def fund_ledger(params: FundLedgerParams) -> report.FundLedgerSummary:
    """衔接资金项目台账季度核查: the year's linkage-fund projects to the quarter's end, against the allotments."""
    settings = get_settings()
    with campaign_run(params.run_spec(), params, settings=settings) as ctx:
        allotments, projects = read_ledger(ctx, params)
        flagged, counties, provinces = compute_ledger(ctx, params, allotments, projects)
        summary = report_and_notify(ctx, params, flagged, counties, provinces)
    get_run_logger().info("fund ledger %s: %s projects, %s of concern; workbooks in %s", summary["period"],
                          summary["projects"], summary["projects_of_concern"], summary["folder"])
    return summary

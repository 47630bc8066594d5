"""Assistance pairings (东西部协作, 中央单位定点帮扶, 驻村帮扶), quarterly: each pairing's progress to the
quarter's end against its annual agreement, area by area; pairings without an agreement, behind the pace or
unreported; the village teams whose rotation is due within 60 days. At the year's end (Q4) a pairing's
completion is what the annual assessment reads (tasks.assessment, its own checkpoint).

Agreements, progress and teams (checked where they arrived) → per pairing figures (checked) → a workbook per
province, messages to coordinators, provinces and counties."""

from __future__ import annotations

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from tasks.notify.hooks import failure_hook
from tasks.outputs.links import report_link
from tasks.pairings import progress, report
from tasks.pairings.inputs import FIGURES_CHECK, pairings_of
from tasks.pairings.params import PairingsParams
from tasks.quality.county_indicators import county_names
from tasks.runs.campaign import campaign_run
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.form import run_name_of
from tasks.settings import get_settings
from tasks.storage.retries import TRANSIENT_RETRIES


@task(name="compute pairing progress", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def compute_progress(ctx: CampaignContext, params: PairingsParams) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per pairing its progress through its check (a failure is the computation's: the run stops); the teams
    in post at the quarter's end and those whose rotation is due."""
    quarter = params.quarter()
    agreements, last_year, reported, teams = pairings_of(ctx, params.province_codes or None, quarter.year,
                                                         quarter.quarter)
    pairings = progress.pairing_progress(agreements, last_year, reported, quarter.quarter)
    checkpoint(ctx, FIGURES_CHECK, pairings)
    in_post = teams[pd.to_datetime(teams["started_on"]).dt.date.le(quarter.end)].reset_index(drop=True)
    return pairings, in_post, progress.rotations_due(in_post, quarter.end)


@task(name="report and notify", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def report_and_notify(ctx: CampaignContext, params: PairingsParams, pairings: pd.DataFrame, teams: pd.DataFrame,
                      due: pd.DataFrame) -> report.PairingsSummary:
    folder = None if params.dry_run else ctx.output_dir
    summary = report.summary_of(params.quarter().label, ctx.run_id, pairings, teams, due, folder)
    provinces = progress.province_figures(pairings, due, teams)
    names = county_names(ctx.engine)
    links = {}
    if folder is not None:
        written = report.write_reports(folder, summary, pairings, due, provinces, names)
        links = {code: report_link(path, ctx.settings) for code, path in written.items()}
        links["folder"] = report_link(folder / "provinces", ctx.settings)
    report.announce(ctx, summary, pairings, due, names, links)
    create_table_artifact(report.for_people(provinces), key="pairings-provinces",
                          description=f"{ctx.label}: 各省 / provinces")
    create_markdown_artifact(key="pairings-summary", description=ctx.label,
                             markdown=report.summary_markdown(ctx.label, summary))
    return summary


@flow(name="pairings", flow_run_name=run_name_of(PairingsParams),
      on_failure=[failure_hook("pairings")], on_crashed=[failure_hook("pairings")])
def assistance_pairings(params: PairingsParams) -> report.PairingsSummary:
    """帮扶协作季度调度: each pairing's progress against its agreement; village teams to rotate."""
    settings = get_settings()
    with campaign_run(params.run_spec(), params, settings=settings) as ctx:
        pairings, teams, due = compute_progress(ctx, params)
        summary = report_and_notify(ctx, params, pairings, teams, due)
    get_run_logger().info("pairings %s: %s pairings, %s of concern, %s teams to rotate; workbooks in %s",
                          summary["period"], summary["pairings"], summary["pairings_of_concern"],
                          summary["rotations_due"], summary["folder"])
    return summary

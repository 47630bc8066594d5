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
from prefect.runtime import flow_run

from tasks.notify.hooks import failure_hook
from tasks.outputs.links import report_link
from tasks.quality.derive import threshold_of
from tasks.reference.provinces import PROVINCES, province_name
from tasks.runs.as_of import households_as_of, period_end
from tasks.runs.campaign import campaign_run
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.screening.core import leads_of_window
from tasks.settings import get_settings
from tasks.storage.reads import read_table, read_tables
from tasks.storage.retries import TRANSIENT_RETRIES
from tasks.whatif import report
from tasks.whatif.params import ThresholdWhatIfParams
from tasks.whatif.threshold import monotone, scenarios_of, what_if

# What the rules read (tasks.screening.steps), and the persons' numbers to match leads to households.
COLUMNS = {
    "households": ["household_no", "province_code", "county_code", "is_poverty_alleviated", "monitoring_type",
                   "identified_on", "risk_status", "elimination_way", "eliminated_on", "net_income",
                   "per_capita_net_income", "prev_per_capita_net_income", "household_size",
                   "compliant_oop_expenditure", "housing_secure", "education_secure", "medical_secure",
                   "drinking_water_secure"],
    "persons": ["person_no", "household_no", "id_number"],
    "leads": ["lead_no", "id_number", "household_no", "risk_code", "reported_at", "accepted_at", "verified_at",
              "status", "outcome"],
    "monitoring_thresholds": ["province_code", "year", "threshold"],
}


def _run_name() -> str:
    raw = flow_run.parameters.get("params") or {}
    params = raw if isinstance(raw, ThresholdWhatIfParams) else ThresholdWhatIfParams.model_validate(raw)
    return f"threshold what-if {params.year} as of {params.as_of}"


@task(name="read households", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def checked_roster(ctx: CampaignContext, params: ThresholdWhatIfParams) -> tuple[pd.DataFrame, dict]:
    """The households as they stood at the end of `as_of`, with their current threshold, through the
    what-if's input suite (rows it cannot test set aside with their reasons); the persons and the leads of
    the year, matched to households."""
    as_of = pd.Timestamp(params.as_of)
    provinces = params.province_codes or None
    with ctx.timed("read roster") as timing:
        tables = read_tables(ctx.engine, list(COLUMNS), provinces, columns=COLUMNS, view=ctx.roster_view(as_of))
        timing["rows"] = sum(len(f) for f in tables.values())
    households = households_as_of(tables["households"], period_end(as_of))
    households["threshold"] = threshold_of(households, tables["monitoring_thresholds"], params.year)
    ctx.suite_parameters.setdefault("known_province_codes", [p.code for p in PROVINCES])
    outcome = checkpoint(ctx, report.INPUT_CHECK, households)
    kept = outcome.frame
    leads = leads_of_window(tables, kept, pd.Timestamp(params.year, 1, 1).date(), as_of)
    return kept, {"persons": tables["persons"], "leads": leads, "read": len(households),
                  "set_aside": outcome.quarantined}


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
                      roster: dict) -> dict:
    county_names = dict(read_table(ctx.engine, "counties")[["code", "name"]].itertuples(index=False))
    summary = report.summary_of(results, ctx.label, roster["set_aside"], roster["read"])
    tried = pd.DataFrame({"项目": ["年度", "名册截止日期", "省份", "候选监测范围(元)", "调整比例(%)", "测算农户(户)",
                                   "未纳入测算(户)"],
                          "内容": [params.year, str(params.as_of),
                                 "、".join(province_name(c) for c in params.province_codes) or "全部",
                                 "、".join(f"{t:,}" for t in params.thresholds) or "—",
                                 "、".join(f"{c:+g}" for c in params.changes_pct) or "—", roster["read"],
                                 roster["set_aside"]]})
    workbook = report.sheets(results, county_names, tried)
    png = report.chart(results)
    folder = links = None
    if not params.dry_run:
        written = report.write_reports(ctx.output_dir, summary, workbook, png)
        folder = str(ctx.output_dir.resolve())
        links = {"workbook": report_link(written, ctx.settings),
                 "chart": report_link(ctx.output_dir / "what-if.png", ctx.settings)}
    report.announce(ctx, summary, links)
    create_table_artifact(workbook["分省"].to_dict("records"), key="threshold-what-if-provinces",
                          description=f"{ctx.label}: 分省 / per province")
    create_markdown_artifact(key="threshold-what-if", description=ctx.label,
                             markdown=report.summary_markdown(ctx.label, summary, links))
    return summary | {"folder": folder}


@flow(name="threshold-what-if", flow_run_name=_run_name, on_failure=[failure_hook("what-if")],
      on_crashed=[failure_hook("what-if")])
def threshold_what_if(params: ThresholdWhatIfParams) -> dict:
    """监测范围测算: households and persons entering and leaving the monitoring candidates at each candidate
    threshold, by province, county and type, from the roster as it stood on a date."""
    settings = get_settings()
    period = f"{params.year}@{params.as_of}"
    with campaign_run("what-if", period, params=params, label=f"监测范围测算 {params.year}（名册截至{params.as_of}）",
                      dry_run=params.dry_run, today=params.as_of, settings=settings,
                      output_dir=settings.output_dir / "what-if" / str(params.year) / str(params.as_of)) as ctx:
        households, roster = checked_roster(ctx, params)
        results = try_thresholds(ctx, params, households, roster)
        summary = report_and_notify(ctx, params, results, roster)
    get_run_logger().info("threshold what-if %s: %s; workbook in %s", params.year,
                          {k: (v["entering_households"], v["leaving_households"])
                           for k, v in summary["scenarios"].items()}, summary["folder"])
    return summary

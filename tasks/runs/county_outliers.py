"""The county outlier check as a stage of a campaign's input (tasks.quality.county_indicators computes, judges
and keeps the indicators; this module checkpoints them and tells the counties and their provinces)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.quality.county_indicators import (
    INDICATORS,
    county_label,
    county_names,
    indicators,
    outliers,
    record,
    show_value,
)
from tasks.quality.outliers import OutlierRules
from tasks.reference.provinces import province_name
from tasks.runs.check import Check
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext

OUTLIERS_CHECK = Check("check county indicators", "county_outliers", key="key", announce="blocking",
                       audience="data-quality")


def check_counties(ctx: CampaignContext, source: str, as_of: date, sums: pd.DataFrame,
                   rules: OutlierRules) -> pd.DataFrame:
    """The input stage's outlier check: the period's county indicators judged (warnings in the checkpoint),
    kept with their reasons (not in a dry run), and each flagged county told, and its province."""
    found = outliers(ctx.engine, source, as_of, indicators(sums), rules)
    checkpoint(ctx, OUTLIERS_CHECK, found[["key", "province_code", "county_code", "indicator", "value", "outlier"]])
    if not ctx.dry_run:
        record(ctx.engine, source, as_of, found, ctx.run_id)
    announce(ctx, found)
    return found[found["outlier"]]


def announce(ctx: CampaignContext, found: pd.DataFrame) -> None:
    """One message per county with outliers (to the county's channel, where one is listed), and one per
    province listing its counties'."""
    flagged = found[found["outlier"]]
    if flagged.empty:
        return
    names = county_names(ctx.engine)
    for (province, county), rows in flagged.groupby(["province_code", "county_code"], sort=True):
        ctx.announce(
            f"outliers:{county}", f"{ctx.label} · {county_label(county, names)} 异常值提示",
            {INDICATORS[r.indicator].name: show_value(r.value, INDICATORS[r.indicator].unit)
             for r in rows.itertuples()},
            rows["reason"].tolist(), campaign=ctx.campaign, province=province, county=county,
            severity="warning")
    for province, rows in flagged.groupby("province_code", sort=True):
        lines = [f"{names.get(r.county_code, r.county_code)}：{r.reason}" for r in rows.itertuples()]
        ctx.announce(
            f"outliers:{province}", f"{ctx.label} · {province_name(province)} 县级指标异常值提示",
            {"异常县数": rows["county_code"].nunique(), "异常指标数": len(rows)}, lines,
            campaign=ctx.campaign, province=province, severity="warning")

"""What a county's submission does to its counties' indicators (tasks.quality.county_indicators), judged as it
is loaded: a county steward hears the same day that the incomes just sent look typed per month, or the leads
sent twice.

A file is often a part of the county's roster (corrections, the month's new leads), whose own ratios say
nothing; so the indicators judged are the county's as its roster stands once the file is loaded. They are
compared with the county's own after each of its earlier submissions (kept under source "ingest", per
county, indicator and day: a later file of the same day replaces) and with its province's other counties as
their rosters stand now. Leads count over the last 365 days, so that any two days compare. The share set
aside is the file's own, judged once the file holds enough of the county's households to mean something.
The county hears of them in the file's one message, which names its workbook. Warnings only: the rows are
loaded whatever this finds."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, case, func, select

from tasks.ingest.derive import households_of
from tasks.model import Household, Lead, Measure
from tasks.quality.county_indicators import SUMS, county_label, county_names, indicators, outliers, record
from tasks.quality.outliers import OutlierRules
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.county_outliers import OUTLIERS_CHECK

log = logging.getLogger(__name__)

SOURCE = "ingest"
LEADS_DAYS = 365
# The indicators a kind of file is judged on: those of its own rows. A file of households also changes the
# denominators of leads and measures per household, but an outlier there is the leads' or measures' own
# (judged with their next file): told again with every file of households, it would be noise.
MOVED_BY = {"households": ("share_monitored", "income_per_capita", "income_change", "share_set_aside"),
            "measures": ("measures_per_monitored",), "leads": ("leads_per_1000",)}


def row_counties(engine: Engine, frame: pd.DataFrame) -> pd.Series:
    """Each submitted row's county: its own county code, else its household's."""
    own = frame["county_code"] if "county_code" in frame else pd.Series(None, index=frame.index, dtype=object)
    missing = own.isna()
    if missing.any() and "household_no" in frame:
        found = households_of(engine, frame.loc[missing, "household_no"])["county_code"]
        own = own.where(~missing, frame["household_no"].map(found))
    return own


def check_submission(ctx: CampaignContext, kind: str, frame: pd.DataFrame, set_aside: np.ndarray,
                     rules: OutlierRules) -> list[str]:
    """The counties of the submission's rows (`frame`, every row read; `set_aside`: which of them were) judged
    on the indicators its kind moves; the flagged ones kept with their reason and returned as
    '北京市密云区（110118）：reason', for the file's report and its one message (tasks.ingest.report), which
    names the county's workbook. Any failure here is logged: the file is loaded already."""
    if kind not in MOVED_BY:
        return []
    try:
        counties = row_counties(ctx.engine, frame)
        if counties.dropna().empty:
            return []
        found = _judge(ctx, kind, counties, set_aside, rules)
    except Exception:
        log.exception("%s: the counties' indicators could not be judged; the file is loaded", ctx.label)
        return []
    flagged = found[found["outlier"]]
    names = county_names(ctx.engine) if len(flagged) else {}
    return [f"{county_label(r.county_code, names)}：{r.reason}" for r in flagged.itertuples()]


def roster_indicators(engine: Engine, provinces: list[str], today: date) -> pd.DataFrame:
    """The provinces' counties' indicators as their rosters stand (tasks.quality.county_indicators.indicators),
    with the leads reported in the LEADS_DAYS to the end of `today`: `county_sums` computed by the database,
    since a sweep judges every file of a province on the whole province (2.8 million households at national
    scale: reading them for each file would cost more than the file)."""
    end = datetime.combine(today + timedelta(days=1), time())
    h, m, leads = Household.__table__, Measure.__table__, Lead.__table__
    keys = [h.c.province_code, h.c.county_code]

    def frame(query, columns: list[str]) -> pd.DataFrame:
        with engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).all(), columns=["province_code", "county_code", *columns])

    monitored = case((h.c.monitoring_type.is_not(None), 1), else_=0)
    households = frame(select(*keys, func.count(), func.sum(monitored), func.sum(h.c.per_capita_net_income),
                              func.count(h.c.per_capita_net_income), func.sum(h.c.prev_per_capita_net_income),
                              func.count(h.c.prev_per_capita_net_income))
                       .where(h.c.province_code.in_(provinces)).group_by(*keys),
                       ["households", "monitored", "income_sum", "income_n", "prev_income_sum", "prev_income_n"])
    measures = frame(select(*keys, func.count()).select_from(m.join(h, m.c.household_no == h.c.household_no))
                     .where(m.c.province_code.in_(provinces), h.c.province_code.in_(provinces),
                            h.c.monitoring_type.is_not(None)).group_by(*keys), ["monitored_measures"])
    recent = frame(select(leads.c.province_code, leads.c.county_code, func.count())
                   .where(leads.c.province_code.in_(provinces), leads.c.reported_at >= end - timedelta(days=LEADS_DAYS),
                          leads.c.reported_at < end).group_by(leads.c.province_code, leads.c.county_code), ["leads"])
    on = ["province_code", "county_code"]
    sums = households.merge(measures, on=on, how="left").merge(recent, on=on, how="left").fillna(0)
    sums = sums.assign(rows_read=sums["households"], rows_set_aside=0)
    return indicators(sums[[*on, *SUMS]])


def _judge(ctx: CampaignContext, kind: str, counties: pd.Series, set_aside: np.ndarray,
           rules: OutlierRules) -> pd.DataFrame:
    mine = sorted(counties.dropna().unique().tolist())
    values = roster_indicators(ctx.engine, sorted({code[:2] for code in mine}), ctx.as_of)
    values = values[values["indicator"].isin(MOVED_BY[kind])]
    aside = values["indicator"] == "share_set_aside"
    if aside.any():  # the file's own share, where it holds enough rows of the county to mean something
        read = counties.value_counts()
        share = pd.Series(set_aside, index=counties.index).groupby(counties).mean()
        share = share.where(read.reindex(share.index) >= rules.min_households)
        values.loc[aside, "value"] = values.loc[aside, "county_code"].map(share).astype(float).to_numpy()
    found = outliers(ctx.engine, SOURCE, ctx.as_of, values, rules, same_day_of_year=False)
    found = found[found["county_code"].isin(mine)].reset_index(drop=True)
    checkpoint(ctx, OUTLIERS_CHECK, found[["key", "province_code", "county_code", "indicator", "value", "outlier"]])
    if not ctx.dry_run:
        record(ctx.engine, SOURCE, ctx.as_of, found, ctx.run_id, counties_only=True)
    return found

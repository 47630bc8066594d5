"""What the relocation follow-up reads: the register of sites (checked as read: every site once, in a known
county), the counties' reports on their sites for the quarter (checked where they arrived), and the relocated
households and their members as the roster stood at the end of a quarter, without the rows recorded as failing
their own rules (each was set aside where it arrived and is in its county's workbook)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.relocation.sites import HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from tasks.runs.check import Check
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.runs.inputs import read_with_records
from tasks.storage.reads import read_table

SITES_CHECK = Check("check relocation sites", "relocation_sites_register", key="site_code", announce="problems")
FIGURES_CHECK = Check("check site figures", "relocation_site_figures", key="site_code", announce="problems")


def checked_sites(ctx: CampaignContext, provinces: list[str] | None, year: int,
                  quarter: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sites of `provinces` (all: None) through the register's check, which stops the run on a site
    listed twice or in no known county; and the counties' reports on them for the quarter."""
    sites = read_table(ctx.engine, "relocation_sites", provinces)
    checkpoint(ctx, SITES_CHECK, sites)
    reports = read_table(ctx.engine, "relocation_reports", provinces)
    reports = reports[reports["year"].eq(year) & reports["quarter"].eq(quarter)
                      & reports["site_code"].isin(sites["site_code"])]
    return sites, reports.reset_index(drop=True)


def relocated_as_of(ctx: CampaignContext, provinces: list[str] | None,
                    as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Households and persons of `provinces` as they stood at the end of `as_of` (by the run's watermark): the
    columns the follow-up reads, the rows that passed their own rules."""
    with ctx.timed("read roster", scope=str(as_of)) as timing:
        frames, records = read_with_records(ctx, ["households", "persons"], provinces, pd.Timestamp(as_of),
                                            columns={"households": HOUSEHOLD_COLUMNS, "persons": PERSON_COLUMNS})
        timing["rows"] = sum(len(f) for f in frames.values())
    passed = {t: frames[t][records[t]["check_reasons"].isna().to_numpy()] for t in frames}
    return passed["households"], passed["persons"]

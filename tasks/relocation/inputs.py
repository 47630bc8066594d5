"""What the relocation follow-up reads: the register of sites (checked as read: every site once, in a known
county), the counties' reports on their sites for the quarter (checked where they arrived), and the relocated
households and their members as the roster stood at the end of a quarter, without the rows recorded as failing
their own rules (each was set aside where it arrived and is in its county's workbook)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Table, select, union
from sqlalchemy.sql.elements import ColumnElement

from tasks.model import HISTORY, metadata
from tasks.relocation.sites import HOUSEHOLD_COLUMNS, PERSON_COLUMNS
from tasks.runs.check import Check
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.storage.reads import read_table, read_tables


class EverRelocated:
    """The rows an as-of read of the follow-up needs (tasks.storage.reads.RowRange): every version of each
    household ever recorded as living at a site, and of each person ever recorded in such a household. Whole
    sets of versions per key, so that each row resolves as of any day as it would in the whole table (a person
    who moved out keeps the version that moved them); a twelfth of the roster at national scale."""

    def __init__(self) -> None:
        households, history = metadata.tables["households"], HISTORY["households"]
        self.households = union(
            select(households.c.household_no).where(households.c.in_relocation_area.is_(True)),
            select(history.c.household_no).where(history.c.in_relocation_area.is_(True)))
        persons, persons_history = metadata.tables["persons"], HISTORY["persons"]
        self.persons = union(
            select(persons.c.person_no).where(persons.c.household_no.in_(self.households)),
            select(persons_history.c.person_no).where(persons_history.c.household_no.in_(self.households)))

    def rows_of(self, table: Table) -> ColumnElement[bool] | None:
        name = table.info.get("versions_of", table.name)
        if name == "households":
            return table.c.household_no.in_(self.households)
        if name == "persons":
            return table.c.person_no.in_(self.persons)
        return None


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
        # Of each row's record, only why it failed its own rules: the rest is the campaigns' input stage's.
        frames = read_tables(ctx.engine, ["households", "persons"], provinces, view=ctx.roster_view(as_of),
                             part=EverRelocated(),
                             columns={"households": [*HOUSEHOLD_COLUMNS, "check_reasons"],
                                      "persons": [*PERSON_COLUMNS, "check_reasons"]})
        timing["rows"] = sum(len(f) for f in frames.values())
    passed = {t: f[f["check_reasons"].isna().to_numpy()].drop(columns="check_reasons") for t, f in frames.items()}
    return passed["households"], passed["persons"]

"""What the pairings' follow-up reads: the agreements of the year and the year before, the progress to the
quarter's end, the village teams (each row checked where it arrived: the counties' files)."""

from __future__ import annotations

import pandas as pd

from tasks.runs.check import Check
from tasks.runs.context import CampaignContext
from tasks.storage.reads import read_table

FIGURES_CHECK = Check("check pairing progress", "pairing_figures", key="pairing_no", announce="problems")


def pairings_of(ctx: CampaignContext, provinces: list[str] | None, year: int,
                quarter: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The year's agreements, the year before's, the progress reported for the quarter, the teams."""
    agreements = read_table(ctx.engine, "pairing_agreements", provinces)
    progress = read_table(ctx.engine, "pairing_progress", provinces)
    this_year = agreements[agreements["year"].eq(year)].reset_index(drop=True)
    last_year = agreements[agreements["year"].eq(year - 1)].reset_index(drop=True)
    reported = progress[progress["year"].eq(year) & progress["quarter"].eq(quarter)].reset_index(drop=True)
    return this_year, last_year, reported, read_table(ctx.engine, "village_teams", provinces)


COMPLETION_CHECK = Check("check pairing completion", "pairing_figures", key="pairing_no", announce="problems")

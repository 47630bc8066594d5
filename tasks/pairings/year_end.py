"""A year's pairings as the annual assessment reads them (its own checkpoint, COMPLETION_CHECK): each pairing's
completion at the year's end (Q4 progress against the year's agreement), per province: pairings, those with a
signed agreement, those that completed every target, those unreported, the mean completion. Not scored: the
assessment's weights are assessment.toml's; the pairings are shown beside them (report.xlsx, summary.json)."""

from __future__ import annotations

import pandas as pd

from tasks.pairings.inputs import COMPLETION_CHECK, pairings_of
from tasks.pairings.progress import pairing_progress
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext


def year_end_pairings(ctx: CampaignContext, provinces: list[str] | None, year: int) -> pd.DataFrame:
    """Per province, the year's pairings at its end, after their checkpoint."""
    agreements, last_year, reported, _ = pairings_of(ctx, provinces, year, 4)
    pairings = pairing_progress(agreements, last_year, reported, 4)
    checkpoint(ctx, COMPLETION_CHECK, pairings)
    of = pairings.assign(agreed=pairings["has_agreement"] & ~pairings["flag_no_agreement"],
                         completed=pairings["completion"].ge(1.0))
    return of.groupby("province_code").agg(
        pairings=("pairing_no", "size"), with_agreement=("agreed", "sum"), completed=("completed", "sum"),
        not_reported=("flag_not_reported", "sum"), completion=("completion", "mean")).reset_index()

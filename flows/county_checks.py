"""The county outlier check of every campaign's input stage (tasks.quality.county_indicators), as a task of
its own: the partitions hand back their counties' sums, the flow judges the counties together (a county's
peers are its province's other counties, whichever partition read them)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from prefect import task
from prefect.cache_policies import NO_CACHE

from tasks.quality.outliers import OutlierRules
from tasks.runs.context import CampaignContext
from tasks.runs.county_outliers import check_counties
from tasks.storage.retries import TRANSIENT_RETRIES


@task(name="check county indicators", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def check_county_indicators(ctx: CampaignContext, source: str, as_of: date, sums: list[pd.DataFrame | None],
                            rules: OutlierRules) -> list[str]:
    """Each county's indicators against the same period of its earlier years and its province's other
    counties: warnings to the county and the province, kept for the next period. Returns the flagged
    `county:indicator` keys."""
    parts = [s for s in sums if s is not None]
    if not parts:
        return []
    return check_counties(ctx, source, as_of, pd.concat(parts, ignore_index=True), rules)["key"].tolist()

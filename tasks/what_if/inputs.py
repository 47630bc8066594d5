"""The what-if's input stage: the households as they stood on the day, with their current threshold, through
the what-if's input check; the persons and the leads of the year, matched to households."""

from __future__ import annotations

import pandas as pd

from tasks.quality.derive import threshold_of
from tasks.runs.as_of import households_as_of, period_end
from tasks.runs.checkpoint import checkpoint
from tasks.runs.context import CampaignContext
from tasks.screening.core import leads_of_window
from tasks.storage.reads import read_tables
from tasks.what_if import report
from tasks.what_if.params import ThresholdWhatIfParams

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
    outcome = checkpoint(ctx, report.INPUT_CHECK, households)
    kept = outcome.frame
    leads = leads_of_window(tables, kept, pd.Timestamp(params.year, 1, 1).date(), as_of)
    return kept, {"persons": tables["persons"], "leads": leads, "read": len(households),
                  "set_aside": outcome.quarantined}

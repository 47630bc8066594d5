"""The assessment's input stage: the roster through its own checkpoints (monitoring), the programme tables
(funds, employment, relocation, credit, training) each through its suite. Failing rows are quarantined and
not counted; a blocking failure stops the run after its notification."""

from __future__ import annotations

import pandas as pd

from tasks.inputs import validate_inputs
from tasks.reference.provinces import PROVINCES
from tasks.stage import CampaignContext, checkpoint
from tasks.tables import read_table

# table -> (suite, key for messages)
PROGRAMME_SUITES = {
    "linkage_funds": ("assessment_funds", "county_code"),
    "employment": ("assessment_employment", "province_code"),
    "relocation_sites": ("assessment_relocation", "site_code"),
    "microcredit_loans": ("assessment_credit", "loan_no"),
    "training_enrolments": ("assessment_training", "enrolment_no"),
}


def assessment_inputs(ctx: CampaignContext, provinces: list[str], year: int) -> dict[str, pd.DataFrame]:
    """Every table the indicators read, checked; rows that failed a critical check left out."""
    ctx.suite_parameters.setdefault("known_province_codes", [p.code for p in PROVINCES])
    roster = validate_inputs(ctx, provinces, as_of=pd.Timestamp(year, 12, 31), announce="problems")
    tables = {"households": roster.households, "persons": roster.persons, "measures": roster.measures,
              "leads": roster.leads, "monitoring_thresholds": roster.thresholds}
    for table, (suite, key) in PROGRAMME_SUITES.items():
        frame = read_table(ctx.engine, table, provinces)
        outcome = checkpoint(ctx, f"validate {table}", frame, suite, key=key, source=table, announce="problems")
        tables[table] = outcome.frame
    tables["counties"] = read_table(ctx.engine, "counties", provinces)
    return tables

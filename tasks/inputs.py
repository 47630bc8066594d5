"""The input stage every campaign starts with: read the roster (households, persons, measures, leads) and
pass each table through its raw suite (quarantine) and its validated suite (stop); and, for the campaigns
that read them, the programme tables, each through its own suite."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tasks.quality.derive import household_facts, lead_facts, measure_facts, person_facts
from tasks.reference.provinces import PROVINCES
from tasks.stage import CampaignContext, StageOutcome, checkpoint
from tasks.tables import read_table

KEYS = {"households": "household_no", "persons": "person_no", "measures": "measure_no", "leads": "lead_no"}


@dataclass
class ValidatedInputs:
    households: pd.DataFrame
    persons: pd.DataFrame
    measures: pd.DataFrame
    leads: pd.DataFrame
    thresholds: pd.DataFrame
    outcomes: dict[str, StageOutcome]

    def reconciliation(self) -> dict[str, dict[str, int]]:
        """Per table: rows read, loaded, quarantined; loaded + quarantined = read, always."""
        return {t: {"read": o.rows_in, "loaded": o.loaded, "quarantined": o.quarantined}
                for t, o in self.outcomes.items()}


def validate_inputs(ctx: CampaignContext, provinces: list[str] | None = None,
                    as_of: pd.Timestamp | None = None, province_label: str | None = None,
                    announce: str = "always") -> ValidatedInputs:
    """Read and check the roster of `provinces` (all when None); `announce` as in `checkpoint`."""
    engine = ctx.engine
    raw = {t: read_table(engine, t, provinces) for t in KEYS}
    thresholds = read_table(engine, "monitoring_thresholds", provinces)
    as_of = as_of if as_of is not None else pd.Timestamp(ctx.today)
    facts = {
        "households": household_facts(raw["households"], raw["persons"], raw["measures"], thresholds, as_of),
        "persons": person_facts(raw["persons"], raw["households"], ctx.today),
        "measures": measure_facts(raw["measures"]),
        "leads": lead_facts(raw["leads"], ctx.today),
    }
    outcomes: dict[str, StageOutcome] = {}
    kept: dict[str, pd.DataFrame] = {}
    for table, frame in facts.items():
        outcome = checkpoint(ctx, f"validate {table}", frame, f"{table}_raw", key=KEYS[table], source=table,
                             province=province_label, columns=list(raw[table].columns), announce=announce)
        checkpoint(ctx, f"validated {table}", outcome.frame, f"{table}_validated", key=KEYS[table],
                   source=table, province=province_label, announce="problems")
        outcomes[table] = outcome
        kept[table] = outcome.frame
    return ValidatedInputs(kept["households"], kept["persons"], kept["measures"], kept["leads"], thresholds,
                           outcomes)


# table -> (suite, key for messages)
PROGRAMME_SUITES = {
    "linkage_funds": ("assessment_funds", "county_code"),
    "employment": ("assessment_employment", "province_code"),
    "relocation_sites": ("assessment_relocation", "site_code"),
    "microcredit_loans": ("assessment_credit", "loan_no"),
    "training_enrolments": ("assessment_training", "enrolment_no"),
}


def programme_inputs(ctx: CampaignContext, provinces: list[str], as_of: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """The roster (monitoring) and the programme tables (funds, employment, relocation, credit, training),
    each through its suite; rows that failed a critical check left out. What the assessment and the press
    releases read."""
    ctx.suite_parameters.setdefault("known_province_codes", [p.code for p in PROVINCES])
    roster = validate_inputs(ctx, provinces, as_of=as_of, announce="problems")
    tables = {"households": roster.households, "persons": roster.persons, "measures": roster.measures,
              "leads": roster.leads, "monitoring_thresholds": roster.thresholds}
    for table, (suite, key) in PROGRAMME_SUITES.items():
        frame = read_table(ctx.engine, table, provinces)
        outcome = checkpoint(ctx, f"validate {table}", frame, suite, key=key, source=table, announce="problems")
        tables[table] = outcome.frame
    tables["counties"] = read_table(ctx.engine, "counties", provinces)
    return tables

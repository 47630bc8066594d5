"""The input stage every campaign starts with: read the roster (households, persons, measures, leads) and
pass each table through its raw suite (quarantine) and its validated suite (stop)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tasks.quality.derive import household_facts, lead_facts, measure_facts, person_facts
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

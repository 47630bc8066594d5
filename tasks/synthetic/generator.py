"""Generate one province's data: one RNG stream per (seed, province), so a province's rows do not depend
on which other provinces are generated with it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tasks.reference.provinces import PROVINCES, Province
from tasks.synthetic import activity, programme
from tasks.synthetic.common import ProvinceContext, threshold_for
from tasks.synthetic.counties import build_counties
from tasks.synthetic.defects import inject_defects
from tasks.synthetic.history import History, roster_history
from tasks.synthetic.households import generate_households
from tasks.synthetic.persons import generate_persons

# Tables in the order they are written (and deleted in reverse).
TABLES = ("counties", "monitoring_thresholds", "relocation_sites", "households", "persons", "measures",
          "leads", "linkage_funds", "employment", "rural_incomes", "microcredit_loans", "training_enrolments",
          "relocation_reports", "fund_projects", "pairing_agreements", "pairing_progress", "village_teams")


@dataclass
class GeneratedProvince:
    code: str
    tables: dict[str, pd.DataFrame]
    defects: pd.DataFrame = field(default_factory=pd.DataFrame)
    history: dict[str, History] = field(default_factory=dict)  # the roster tables' year of versions

    def counts(self) -> dict[str, int]:
        return {name: len(frame) for name, frame in self.tables.items()}


def allocate_households(total: int, provinces: tuple[Province, ...] = PROVINCES) -> dict[str, int]:
    """Split exactly `total` households over provinces by weight (largest remainder), one at least for
    each province while there are enough to go round."""
    floor = 1 if total >= len(provinces) else 0
    weights = np.array([p.weight for p in provinces], dtype=float)
    exact = (total - floor * len(provinces)) * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(-(exact - counts), kind="stable")[: total - floor * len(provinces) - counts.sum()]] += 1
    return {p.code: int(c) + floor for p, c in zip(provinces, counts, strict=True) if c + floor > 0}


def generate_province(province: Province, households: int, year: int, seed: int,
                      defect_rate: float = 0.0) -> GeneratedProvince:
    counties = build_counties((province,))
    ctx = ProvinceContext(
        province=province, year=year, counties=counties,
        threshold=threshold_for(province, year), prev_threshold=threshold_for(province, year - 1),
        rng=np.random.default_rng([seed, int(province.code)]),
    )
    hh = generate_households(ctx, households)
    persons = generate_persons(ctx, hh)
    tables = {
        "counties": counties,
        "monitoring_thresholds": programme.thresholds(ctx),
        "relocation_sites": programme.relocation_sites(ctx, hh),
        "households": hh,
        "persons": persons,
        "measures": activity.generate_measures(ctx, hh, persons),
        "leads": activity.generate_leads(ctx, hh, persons),
        "linkage_funds": programme.linkage_funds(ctx, hh),
        "employment": programme.employment(ctx, hh, persons),
        "rural_incomes": programme.rural_incomes(ctx),
        "microcredit_loans": programme.microcredit(ctx, hh),
        "training_enrolments": programme.training(ctx, persons),
    }
    # On a stream of its own: the tables above are the same as before the follow-up's reports existed.
    tables["relocation_reports"] = programme.relocation_reports(
        np.random.default_rng([seed, int(province.code), 3]), year, tables["relocation_sites"])
    tables["fund_projects"] = programme.fund_projects(
        np.random.default_rng([seed, int(province.code), 4]), year, tables["linkage_funds"])
    tables.update(programme.pairings(np.random.default_rng([seed, int(province.code), 5]), province, year, counties))
    # Defects come last and from their own stream, so the clean data is the same at every rate.
    defect_rng = np.random.default_rng([seed, int(province.code), 1])
    defects = inject_defects(defect_rng, tables, defect_rate)
    # The year's versions last, from the data as damaged (a defect is in every version of its row), on a
    # stream of their own: the roster at the year's end is the same with or without its history.
    history = roster_history(np.random.default_rng([seed, int(province.code), 2]), year, tables)
    return GeneratedProvince(province.code, tables, defects, history)

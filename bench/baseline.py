"""The bare baseline of the screening: the same rules as plain pandas reading and writing the same database
(`pd.read_sql`, `to_sql`), with no Prefect, no checkpoints and no notifications. The campaign's extra cost is
orchestration, checks, quarantine, reports and messages; its partitions on both cores (and, on PostgreSQL,
COPY reads) are what it has to pay for them with.

    .venv/bin/python bench/baseline.py --database-url sqlite:///var/bench/1000000.db
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date

import pandas as pd

from tasks.quality.derive import household_positions, labour_class
from tasks.screening.rules import ScreeningRules
from tasks.screening.steps import (
    assistance_coverage,
    elimination_candidates,
    lead_timeliness,
    match_leads,
    screen_risks,
)
from tasks.settings import Settings
from tasks.storage.engine import build_engine
from tasks.storage.reads import typed

RESULT_TABLE = "bench_baseline_findings"


def bare_screening(database_url: str, year: int = 2023, as_of: date = date(2023, 6, 30)) -> dict:
    """Read the roster, apply the screening rules, write the lists; returns seconds per step and row counts."""
    engine = build_engine(Settings(database_url=database_url))
    rules, stamp = ScreeningRules(), pd.Timestamp(as_of)
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    tables = {t: _plain_read(engine, t) for t in ("households", "persons", "measures", "leads",
                                                  "monitoring_thresholds")}
    seconds["read"] = time.perf_counter() - started

    mark = time.perf_counter()
    h, leads = tables["households"], tables["leads"]
    window = (leads["reported_at"] >= pd.Timestamp(year, 4, 1)) & (leads["reported_at"] < stamp + pd.Timedelta(days=1))
    matched = match_leads(leads[window], tables["persons"], h)
    by_year = tables["monitoring_thresholds"].set_index(["province_code", "year"])["threshold"]
    threshold = pd.Series(by_year.reindex(pd.MultiIndex.from_arrays([h["province_code"], h["income_year"]]))
                          .to_numpy(), index=h.index)
    labour = pd.Series(labour_class(tables["persons"], household_positions(h, tables["persons"]), len(h)),
                       index=h.index)
    coverage = assistance_coverage(h, tables["persons"], tables["measures"], labour, stamp)
    lists = {
        "new_candidates": screen_risks(h, matched, threshold, rules),
        "elimination_candidates": elimination_candidates(h, labour, matched, threshold, stamp, rules),
        "coverage_gaps": coverage,
        "unmatched_leads": matched[matched["accounted_as"] == "unmatched"][["lead_no", "county_code"]],
        "late_or_overdue_leads": lead_timeliness(matched, stamp, rules),
    }
    seconds["screen"] = time.perf_counter() - mark

    mark = time.perf_counter()
    keys = ["household_no", "lead_no", "county_code"]
    found = pd.concat([f.reindex(columns=keys).assign(list_name=name) for name, f in lists.items()],
                      ignore_index=True)
    found.to_sql(RESULT_TABLE, engine, if_exists="replace", index=False, chunksize=50_000)
    seconds["write"] = time.perf_counter() - mark
    engine.dispose()
    return {"seconds": round(time.perf_counter() - started, 2),
            "steps": {k: round(v, 2) for k, v in seconds.items()},
            "households": len(h), "persons": len(tables["persons"]), "findings": len(found)}


def _plain_read(engine, name: str) -> pd.DataFrame:
    """What a bare script does: `pd.read_sql` of the whole table, then the dtypes the rules compare."""
    with engine.connect() as conn:
        return typed(pd.read_sql(f"SELECT * FROM {name}", conn), name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    print(json.dumps(bare_screening(parser.parse_args().database_url), indent=2))


if __name__ == "__main__":
    main()

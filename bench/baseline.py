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

from tasks.quality.derive import threshold_of
from tasks.screening.core import screen_province
from tasks.screening.rules import ScreeningRules
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
    # The campaign's own core (tasks.screening.core), on the whole roster at once, with the one threshold
    # lookup the input stage's facts use.
    h = tables["households"]
    h["threshold"] = threshold_of(h, tables["monitoring_thresholds"], year)
    lists, _ = screen_province(tables, date(year, 4, 1), stamp, rules)
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

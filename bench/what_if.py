"""The threshold what-if at scale: five candidate thresholds on a seeded roster, as a coordinator runs it
(`campaigns run threshold-what-if …`, temporary Prefect server included), beside the bare script one would
write with the same reader and the same rules (no Prefect, no checks, no workbook). Target (issue 23): 1,000,000
households, five thresholds, under 60 s from the command.

    .venv/bin/python bench/what_if.py --database-url sqlite:///var/bench/harness-1000000.db

Seed a database first with bench/harness.py (it keeps var/bench/harness-N.db)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

THRESHOLDS = ["--threshold", "6000", "--threshold", "7000", "--threshold", "8000", "--change", "5", "--change", "-5"]
AS_OF = date(2023, 6, 30)


def bare(database_url: str) -> dict:
    """Read what the rules read as of AS_OF, apply them at the five thresholds: seconds per step."""
    from tasks.quality.derive import threshold_of
    from tasks.runs.as_of import households_as_of, period_end
    from tasks.screening.core import leads_of_window
    from tasks.screening.rules import ScreeningRules
    from tasks.settings import Settings
    from tasks.storage.engine import build_engine
    from tasks.storage.reads import read_tables
    from tasks.storage.versions import RosterView, latest_batch
    from tasks.what_if.inputs import COLUMNS
    from tasks.what_if.threshold import scenarios_of, what_if

    engine = build_engine(Settings(database_url=database_url))
    started = time.perf_counter()
    tables = read_tables(engine, list(COLUMNS), columns=COLUMNS, view=RosterView(AS_OF, latest_batch(engine)))
    read = time.perf_counter() - started
    mark = time.perf_counter()
    households = households_as_of(tables["households"], period_end(pd.Timestamp(AS_OF)))
    households["threshold"] = threshold_of(households, tables["monitoring_thresholds"], 2023)
    leads = leads_of_window(tables, households, date(2023, 1, 1), pd.Timestamp(AS_OF))
    results = what_if(households, tables["persons"], leads, scenarios_of([6000, 7000, 8000], [5.0, -5.0]),
                      ScreeningRules())
    rules = time.perf_counter() - mark
    return {"seconds": round(time.perf_counter() - started, 1), "read": round(read, 1), "rules": round(rules, 1),
            "households": len(households), "rows": len(results)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--skip", default="", help="bare or command")
    args = parser.parse_args()
    os.environ["CAMPAIGNS_DATABASE_URL"] = args.database_url
    out = {}
    if "bare" not in args.skip:
        out["bare"] = bare(args.database_url)
        print(f"bare what-if (read_tables, the same rules, 5 thresholds): {out['bare']['seconds']} s "
              f"(read {out['bare']['read']} s, rules {out['bare']['rules']} s), "
              f"{out['bare']['households']:,} households", flush=True)
    if "command" not in args.skip:
        from measure import run_command

        with tempfile.TemporaryDirectory() as folder:
            os.environ["CAMPAIGNS_OUTPUT_DIR"] = folder
            out["command"] = run_command(["run", "threshold-what-if", "--year", "2023", "--as-of", str(AS_OF),
                                          *THRESHOLDS])
        print(f"campaigns run threshold-what-if, 5 thresholds: {out['command']['seconds']} s, "
              f"{out['command']['peak_rss_mb']:,} MB peak, {out['command']['prefect_servers']} Prefect server(s)")
        if "bare" in out:
            print(f"ratio command / bare: {out['command']['seconds'] / out['bare']['seconds']:.1f} ×")
    print(json.dumps(out))


if __name__ == "__main__":
    main()

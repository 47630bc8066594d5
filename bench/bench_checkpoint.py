"""Benchmark the data-quality checkpoint: GX start-up (paid once per process) and the validation of N
households (and their persons) with the raw suites. Prints its figures and writes them to a JSON file.

    .venv/bin/python bench/bench_checkpoint.py --households 1000000
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from pathlib import Path

import pandas as pd
from figures import write_figures

from tasks.runs.context import peak_rss_mb

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--province", default="52", help="one province, so the frame is one partition")
    parser.add_argument("--defect-rate", type=float, default=0.02)
    parser.add_argument("--out", type=Path, default=Path("var/bench/checkpoint.json"))
    args = parser.parse_args()

    started = time.perf_counter()
    import great_expectations  # noqa: F401 - timing the import is the point

    import_seconds = time.perf_counter() - started
    from tasks.quality.derive import household_facts, person_facts
    from tasks.quality.gx import gx_context, validate_frame
    from tasks.reference.provinces import PROVINCE_BY_CODE
    from tasks.synthetic import generate_province

    started = time.perf_counter()
    gx_context()
    context_seconds = time.perf_counter() - started
    data = generate_province(PROVINCE_BY_CODE[args.province], args.households, 2023, 42, args.defect_rate).tables
    params = {"today": pd.Timestamp(date.today()), "known_county_codes": data["counties"]["code"].tolist()}

    figures: dict[str, object] = {"benchmark": "checkpoint", "households": args.households,
                                  "gx_import_seconds": round(import_seconds, 2),
                                  "gx_context_seconds": round(context_seconds, 2)}
    started = time.perf_counter()
    households = household_facts(data["households"], data["persons"], data["measures"],
                                 data["monitoring_thresholds"], date(2023, 6, 30))
    figures["derive_households_seconds"] = round(time.perf_counter() - started, 2)
    persons = person_facts(data["persons"], data["households"], date.today())
    for suite, frame, key in (("households_raw", households, "household_no"), ("persons_raw", persons, "person_no")):
        runs = []
        for _ in range(2):  # the first validation in a process also warms GX's metric machinery up
            started = time.perf_counter()
            result = validate_frame(frame, suite, key, params)
            runs.append(time.perf_counter() - started)
        figures[suite] = {"rows": len(frame), "expectations": len(result.outcomes),
                          "seconds_first": round(runs[0], 2), "seconds_second": round(runs[1], 2),
                          "rows_per_second": round(len(frame) / min(runs)),
                          "quarantined": len(result.quarantine_reasons())}
    figures["peak_rss_mb"] = peak_rss_mb()
    figures["targets"] = {"households_raw_seconds_at_1m": 5}
    write_figures(args.out, figures)


if __name__ == "__main__":
    main()

"""Benchmark `campaigns seed`: wall time, rows per second and peak memory (RSS) of generating and writing
a synthetic dataset. Prints its figures and writes them to a JSON file for comparison between runs.

    .venv/bin/python bench/bench_seed.py --households 1000000 [--database-url URL] [--out var/bench/seed.json]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from figures import write_figures

from tasks.reference.provinces import parse_provinces
from tasks.runs.context import peak_rss_mb
from tasks.settings import Settings
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.synthetic.seed import seed_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--provinces", default="")
    parser.add_argument("--defect-rate", type=float, default=0.02)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--out", type=Path, default=Path("var/bench/seed.json"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = build_engine(Settings(database_url=url))
        db.upgrade(engine)
        started = time.perf_counter()
        report = seed_database(engine, args.households, parse_provinces(args.provinces),
                               defect_rate=args.defect_rate)
        seconds = time.perf_counter() - started
        engine.dispose()

    rows = sum(report.rows.values())
    figures = {
        "benchmark": "seed",
        "database": url.split(":", 1)[0],
        "households": args.households,
        "rows": report.rows,
        "rows_total": rows,
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        "peak_rss_mb": peak_rss_mb(),
        "targets": {"seconds": 120, "peak_rss_mb": 4096},
    }
    write_figures(args.out, figures)


if __name__ == "__main__":
    main()

"""Benchmark the ingest of a county leads file: N rows (default 200,000) as a GBK CSV with the national
system's Chinese headers and labels, 2 % realistic defects. Times the first ingest (all rows new), the same
file again (recognised, nothing loaded) and a resubmission with every row changed (upserts). Prints the
figures and writes them to a JSON file.

    .venv/bin/python bench/bench_ingest.py --rows 200000 [--database-url postgresql+psycopg://…]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from figures import write_figures

from tasks.runs.context import peak_rss_mb

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def leads_file(rows: int, folder: Path, seed: int = 42) -> Path:
    """Leads of 贵州 from the synthetic generator, repeated with fresh numbers up to `rows`."""
    from tasks.model.contract import CONTRACTS
    from tasks.reference.provinces import PROVINCE_BY_CODE
    from tasks.synthetic import generate_province

    leads = generate_province(PROVINCE_BY_CODE["52"], 40_000, 2023, seed, defect_rate=0.02).tables["leads"]
    repeats = -(-rows // len(leads))
    frame = pd.concat([leads] * repeats, ignore_index=True).head(rows)
    frame["lead_no"] = "L52" + pd.Series(np.arange(rows)).astype(str).str.zfill(9)
    contract = CONTRACTS["leads"]
    for column in contract.columns:  # labels, as the national system exports them
        if column.codes is not None:
            frame[column.name] = frame[column.name].map(lambda v, t=column.codes: t.codes.get(v, v))
    frame = frame.rename(columns={c.name: c.zh for c in contract.columns})
    path = folder / "leads.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--out", type=Path, default=Path("var/bench/ingest.json"))
    args = parser.parse_args()

    from tasks.ingest.load import ingest_file
    from tasks.quality.gx import gx_context
    from tasks.reference.provinces import PROVINCE_BY_CODE
    from tasks.settings import Settings
    from tasks.storage import db
    from tasks.storage.engine import build_engine
    from tasks.synthetic.seed import seed_database

    folder = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    engine = build_engine(Settings(database_url=args.database_url or f"sqlite:///{folder / 'bench.db'}"))
    db.upgrade(engine)
    seed_database(engine, 200, (PROVINCE_BY_CODE["52"],))  # the counties the leads refer to
    path = leads_file(args.rows, folder)
    gx_context()  # GX start-up is paid once per process; reported apart
    figures: dict[str, object] = {"rows": args.rows, "bytes": path.stat().st_size,
                                  "database": engine.dialect.name}
    for label, prepare in (("first", None), ("same file again", None), ("resubmission, all rows changed", True)):
        if prepare:  # every lead now reported by a cadre visit: new content, every row replaced
            text = path.read_text("gb18030")
            path.write_text(text.replace("个人申报", "干部走访").replace("部门筛查预警", "干部走访"),
                            encoding="gb18030")
        started = time.perf_counter()
        report = ingest_file(engine, path, output_dir=folder / "out", launched_by="bench")
        seconds = time.perf_counter() - started
        figures[label] = {"seconds": round(seconds, 2), "rows_per_second": round(report.rows_read / seconds),
                          "status": report.status, "read": report.rows_read, "loaded": report.loaded,
                          "quarantined": report.quarantined}
        print(f"{label:32s} {seconds:7.2f} s  {report.status:9s} read {report.rows_read:,} loaded "
              f"{report.loaded:,} quarantined {report.quarantined:,}")
    figures["peak_rss_mb"] = round(peak_rss_mb())
    print(f"peak RSS {figures['peak_rss_mb']} MB; file {figures['bytes']:,} bytes; database {engine.dialect.name}")
    write_figures(args.out, figures)


if __name__ == "__main__":
    main()

"""The best bare screening one would write next to this project: its own fastest reader (`read_tables`: one
native SQLite reader, PostgreSQL COPY parsed by Arrow), the roster as it stood at the period's end (as the
campaign reads it), only the columns the rules read, the campaign's own rules (tasks.screening.core) on the
whole country at once, the lists written with one bulk insert, and (`--workbooks DIR`) each province's
workbook of lists as the campaign writes it (the same function), by two processes as the campaign's two
workers. No Prefect, no checks, no quarantine, no reports, no messages: what the campaign costs beyond this
is what it pays for them.

The first bare script, `pd.read_sql` of whole tables, is kept as `--plain` for comparison with older figures.

    .venv/bin/python bench/baseline.py --database-url sqlite:///var/bench/harness-1000000.db
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import pandas as pd

from tasks.model import KEYS
from tasks.quality.derive import threshold_of
from tasks.screening.core import READS, screen_province
from tasks.screening.lists import BY_NAME, LIST_NAMES
from tasks.screening.report import for_people, write_province_workbooks
from tasks.screening.rules import ScreeningRules
from tasks.settings import Settings
from tasks.storage.engine import build_engine
from tasks.storage.reads import read_tables, typed
from tasks.storage.versions import RosterView, latest_batch

RESULT_TABLE = "bench_baseline_findings"


def bare_screening(database_url: str, year: int = 2023, as_of: date = date(2023, 6, 30),
                   plain: bool = False, workbooks: Path | None = None) -> dict:
    """Read the roster, apply the screening rules, write the lists; returns seconds per step, row counts
    and the size of each list (the campaign's must be the same)."""
    engine = build_engine(Settings(database_url=database_url))
    rules, stamp = ScreeningRules(), pd.Timestamp(as_of)
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    if plain:
        tables = {name: _plain_read(engine, name) for name in READS}
    else:
        # Each row's version as of the period's end is found by its key.
        columns = {n: list(dict.fromkeys([KEYS[n], *c])) if n in KEYS else c for n, c in READS.items()}
        tables = read_tables(engine, list(READS), columns=columns, view=RosterView(as_of, latest_batch(engine)))
    seconds["read"] = time.perf_counter() - started

    mark = time.perf_counter()
    h = tables["households"]
    h["threshold"] = threshold_of(h, tables["monitoring_thresholds"], year)
    lists, _ = screen_province(tables, date(year, 4, 1), stamp, rules)
    seconds["screen"] = time.perf_counter() - mark

    mark = time.perf_counter()
    keys = ["household_no", "lead_no", "county_code"]
    found = pd.concat([f.reindex(columns=keys).assign(list_name=name) for name, f in lists.items()],
                      ignore_index=True)
    found.to_sql(RESULT_TABLE, engine, if_exists="replace", index=False, chunksize=50_000, method="multi"
                 if engine.dialect.name == "postgresql" else None)
    seconds["write"] = time.perf_counter() - mark
    engine.dispose()
    if workbooks is not None:
        mark = time.perf_counter()
        _write_workbooks(lists, workbooks)
        seconds["workbooks"] = time.perf_counter() - mark
    return {"seconds": round(time.perf_counter() - started, 2), "reader": "pd.read_sql" if plain else "read_tables",
            "steps": {k: round(v, 2) for k, v in seconds.items()},
            "households": len(h), "persons": len(tables["persons"]), "findings": len(found),
            "lists": {name: len(frame) for name, frame in lists.items()}}


_SHEETS: dict[str, dict[str, pd.DataFrame]] = {}  # inherited by the forked writers


def _write_workbooks(lists: dict[str, pd.DataFrame], folder: Path, workers: int = 2) -> None:
    """Each province's workbook of lists, as the campaign writes it (tasks.screening.report)."""
    of_province: dict[str, dict[str, pd.DataFrame]] = {}
    for name, frame in lists.items():
        for code, rows in frame.groupby(frame["county_code"].astype(str).str[:2].to_numpy(), sort=False):
            of_province.setdefault(code, {})[name] = rows
    _SHEETS.clear()
    _SHEETS.update({code: {BY_NAME[name].title: for_people(found.get(name, lists[name].iloc[0:0]), code)
                           for name in LIST_NAMES} for code, found in of_province.items()})
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_write_province, [(folder, code) for code in sorted(_SHEETS)]))


def _write_province(job: tuple[Path, str]) -> None:
    folder, code = job
    write_province_workbooks(folder, {code: _SHEETS[code]})


def _plain_read(engine, name: str) -> pd.DataFrame:
    """`pd.read_sql` of the whole table, then the dtypes the rules compare."""
    with engine.connect() as conn:
        return typed(pd.read_sql(f"SELECT * FROM {name}", conn), name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--plain", action="store_true", help="read with pd.read_sql instead (the old baseline)")
    parser.add_argument("--workbooks", type=Path, default=None, help="also write the province workbooks here")
    args = parser.parse_args()
    print(json.dumps(bare_screening(args.database_url, plain=args.plain, workbooks=args.workbooks), indent=2))


if __name__ == "__main__":
    main()

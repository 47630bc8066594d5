"""What the roster's history costs a read: the four roster tables read as they are now (the plain read every
campaign did before the history) against the same tables read as of a period's end and a watermark (what
every periodic campaign reads now), with the project's reader in both; and the history's size for the
synthetic year of events. Each read runs in a child process of its own (time and peak memory), best of
--repeat.

    .venv/bin/python bench/as_of_read.py --households 1000000            # seeds var/bench/as-of-1000000.db
    .venv/bin/python bench/as_of_read.py --households 1000000 --reuse    # reads only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from tasks.runs.context import peak_rss_mb

ROSTER = ("households", "persons", "measures", "leads")
TARGET_RATIO = 1.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: var/bench/as-of-N.db (SQLite)")
    parser.add_argument("--reuse", action="store_true", help="read a database already seeded")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default="2023-06-30")
    parser.add_argument("--child", choices=("plain", "as_of"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///var/bench/as-of-{args.households}.db"
    if args.child:
        print(json.dumps(_read(url, args.child, date.fromisoformat(args.as_of))))
        return
    if not args.reuse:
        _seed(url, args.households)
    runs = {kind: [_in_child(url, kind, args.as_of) for _ in range(args.repeat)] for kind in ("plain", "as_of")}
    best = {kind: min(r, key=lambda x: x["seconds"]) for kind, r in runs.items()}
    ratio = best["as_of"]["seconds"] / best["plain"]["seconds"]
    report = {"database": url.split("@")[-1], "households": args.households, "as_of": args.as_of,
              "plain": best["plain"], "as_of_read": best["as_of"], "ratio": round(ratio, 3),
              "target_ratio": TARGET_RATIO, "history": _history_size(url),
              "all_runs_seconds": {k: [r["seconds"] for r in v] for k, v in runs.items()}}
    print(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"as-of read {best['as_of']['seconds']:.2f} s vs plain {best['plain']['seconds']:.2f} s: "
          f"{ratio:.2f}x (target {TARGET_RATIO}x) {'OK' if ratio <= TARGET_RATIO else 'OVER'}")


def _seed(url: str, households: int) -> None:
    from tasks.settings import Settings
    from tasks.storage import db
    from tasks.storage.engine import build_engine
    from tasks.synthetic.seed import seed_database

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = build_engine(Settings(database_url=url))
    db.upgrade(engine)
    started = time.perf_counter()
    seed_database(engine, households, year=2023, seed=42)
    print(f"seeded {households} households with a year of history in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    engine.dispose()


def _in_child(url: str, kind: str, as_of: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, "--database-url", url, "--as-of", as_of],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _read(url: str, kind: str, as_of: date) -> dict:
    from tasks.settings import Settings
    from tasks.storage.engine import build_engine
    from tasks.storage.reads import read_tables
    from tasks.storage.versions import RosterView, latest_batch

    engine = build_engine(Settings(database_url=url))
    view = RosterView(as_of, latest_batch(engine)) if kind == "as_of" else None
    started = time.perf_counter()
    frames = read_tables(engine, ROSTER, view=view)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "rows": {k: len(v) for k, v in frames.items()},
            "peak_mb": peak_rss_mb()}


def _history_size(url: str) -> dict:
    import sqlalchemy as sa

    from tasks.settings import Settings
    from tasks.storage.engine import build_engine

    engine = build_engine(Settings(database_url=url))
    sizes = {}
    with engine.connect() as conn:
        for table in ROSTER:
            rows = conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}_history")).scalar()
            current = conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar()
            sizes[table] = {"current_rows": current, "history_rows": rows,
                            "history_share": round(rows / current, 4) if current else None,
                            "history_mb": _megabytes(conn, f"{table}_history")}
    return sizes


def _megabytes(conn, table: str) -> float | None:
    import sqlalchemy as sa

    try:
        if conn.dialect.name == "sqlite":
            size = conn.execute(sa.text("SELECT SUM(pgsize) FROM dbstat WHERE name = :t"), {"t": table}).scalar()
        else:
            size = conn.execute(sa.text("SELECT pg_total_relation_size(:t)"), {"t": table}).scalar()
    except sa.exc.DBAPIError:  # SQLite built without dbstat
        return None
    return round((size or 0) / 2**20, 1)


if __name__ == "__main__":
    main()

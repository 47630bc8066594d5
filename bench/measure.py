"""One measurement of bench/harness.py, in a process of its own; prints its figures as JSON on the last line.

    measure.py migrate | count | seed N DEFECT_RATE | load | baseline [plain] | campaign NAME
               | command [MODE AS_OF] | change SHARE ON
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import psutil

from tasks.runs.context import peak_rss_mb
from tasks.settings import get_settings
from tasks.storage import db
from tasks.storage.engine import build_engine

LOAD_HOUSEHOLDS = 150_000  # one large province's worth of persons rows (about 520,000)


class RssSampler:
    """The process's resident memory every 50 ms, to give each stage the peak seen while it ran."""

    def __init__(self, every: float = 0.05) -> None:
        self.samples: list[tuple[float, int]] = []
        self._every, self._stop = every, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            self.samples.append((time.time(), me.memory_info().rss + _workers_rss(me)))
            self._stop.wait(self._every)

    def overall_peak_mb(self) -> int:
        return round(max((rss for _, rss in self.samples), default=0) / 1024**2)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peak_mb(self, intervals: list[tuple[float, float]]) -> int:
        # A step shorter than the sampling period gets the samples just around it.
        pad = self._every * 1.5
        peak = max((rss for t, rss in self.samples if any(a - pad <= t <= b + pad for a, b in intervals)),
                   default=0)
        return round(peak / 1024**2)


def _workers_rss(me: psutil.Process) -> int:
    """Memory of the partition worker processes (a process pool), not of the temporary Prefect server."""
    total = 0
    for child in me.children(recursive=True):
        try:
            if "uvicorn" not in " ".join(child.cmdline()):
                total += child.memory_info().rss
        except psutil.Error:  # ended between the listing and the reading
            continue
    return total


def migrate() -> dict:
    db.upgrade(build_engine())
    return {}


def count() -> dict:
    from sqlalchemy import func, select

    from tasks.model import Household

    with build_engine().connect() as conn:
        return {"households": conn.execute(select(func.count()).select_from(Household)).scalar_one()}


def seed(households: str, defect_rate: str) -> dict:
    from tasks.synthetic.seed import seed_database

    started = time.perf_counter()
    report = seed_database(build_engine(), int(households), defect_rate=float(defect_rate))
    seconds = time.perf_counter() - started
    rows = sum(report.rows.values())
    return {"seconds": round(seconds, 1), "rows": report.rows, "rows_total": rows,
            "rows_per_second": round(rows / seconds), "peak_rss_mb": peak_rss_mb()}


def load() -> dict:
    """Our bulk path (`tasks.storage.bulk.insert_frame`) against the raw path of the same database on the same rows:
    `executemany` of ready tuples on SQLite, `COPY` of ready CSV text on PostgreSQL (preparing them is not
    timed for the raw path; converting the DataFrame is part of ours)."""
    from sqlalchemy import MetaData

    from tasks.model import metadata
    from tasks.reference.provinces import PROVINCE_BY_CODE
    from tasks.storage.bulk import DATETIME_FORMAT, _integer_columns_as_int, _sqlite_rows, insert_frame
    from tasks.synthetic import generate_province

    frame = generate_province(PROVINCE_BY_CODE["52"], LOAD_HOUSEHOLDS, 2023, 42, 0.0).tables["persons"]
    engine = build_engine()
    scratch = MetaData()
    ours = metadata.tables["persons"].to_metadata(scratch, name="bench_load_ours")
    raw = metadata.tables["persons"].to_metadata(scratch, name="bench_load_raw")
    for table in (ours, raw):  # no indexes, and constraint names of their own (PostgreSQL's are per schema)
        table.indexes.clear()
        for constraint in table.constraints:
            constraint.name = None
    scratch.drop_all(engine)
    scratch.create_all(engine)
    try:
        with engine.begin() as conn:
            started = time.perf_counter()
            insert_frame(conn, ours, frame, get_settings().db_batch_rows)
            ours_seconds = time.perf_counter() - started
        columns = list(frame.columns)
        with engine.begin() as conn:
            driver = conn.connection.driver_connection
            names = ", ".join(f'"{c}"' for c in columns)
            if engine.dialect.name == "postgresql":
                text = io.StringIO()
                _integer_columns_as_int(raw, frame).to_csv(text, header=False, index=False, na_rep="",
                                                           date_format=DATETIME_FORMAT)
                payload = text.getvalue()
                started = time.perf_counter()
                copy = f"COPY bench_load_raw ({names}) FROM STDIN WITH (FORMAT csv)"
                with driver.cursor() as cur, cur.copy(copy) as cp:
                    cp.write(payload)
            else:
                rows = list(_sqlite_rows(raw, frame))
                sql = f"INSERT INTO bench_load_raw ({names}) VALUES ({', '.join('?' for _ in columns)})"
                started = time.perf_counter()
                driver.cursor().executemany(sql, rows)
            raw_seconds = time.perf_counter() - started
    finally:
        scratch.drop_all(engine)
    return {"table": "persons", "rows": len(frame), "path": "COPY" if engine.dialect.name == "postgresql"
            else "executemany", "ours_seconds": round(ours_seconds, 2), "raw_seconds": round(raw_seconds, 2),
            "ours_rows_per_second": round(len(frame) / ours_seconds),
            "raw_rows_per_second": round(len(frame) / raw_seconds),
            "share_of_raw": round(raw_seconds / ours_seconds, 2)}


def baseline(reader: str = "native") -> dict:
    """The bare screening, writing the same province workbooks as the campaign (the yardstick)."""
    from baseline import bare_screening

    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as folder:
        figures = bare_screening(get_settings().database_url, plain=reader == "plain", workbooks=Path(folder))
    return {**figures, "peak_rss_mb": peak_rss_mb()}


def command(mode: str = "close_out", as_of: str = "2023-06-30", recompute: str = "") -> dict:
    """The screening as a coordinator runs it: `campaigns run screening …` with no Prefect server set, so
    the command starts its temporary one. `recompute`: work the answer out even with the inputs of the
    period's last completed run."""
    provinces = os.environ.get("BENCH_PROVINCES", "")
    return run_command(["run", "screening", "--year", "2023", "--as-of", as_of, "--mode", mode,
                        *(["--provinces", provinces] if provinces else []), *(["--recompute"] if recompute else [])])


def change(share: str, on: str) -> dict:
    """`share` of the households' and the persons' rows changed (a new phone, a month's work more), as a
    week of county files brings them, recorded on day `on`: one batch of new versions, each checked with its
    row rules and recorded as an ingest records it (tasks.ingest.load); rows that fail are left out, as an
    ingest sets them aside."""
    from tasks.model import KEYS, metadata
    from tasks.model.history import DATABASE_COLUMNS
    from tasks.quality.derive import arrival_facts
    from tasks.quality.gx import AT_ARRIVAL, validate_frame
    from tasks.quality.row_checks import rule_version
    from tasks.runs.context import known_county_codes
    from tasks.storage.history_write import write_versions
    from tasks.storage.reads import read_tables
    from tasks.storage.versions import open_batch

    engine, day = build_engine(), date.fromisoformat(on)
    parameters = {"known_county_codes": known_county_codes(engine), "today": pd.Timestamp.now()}
    started = time.perf_counter()
    names = ("households", "persons")
    tables = read_tables(engine, [*names, "monitoring_thresholds"], columns={
        n: [c.name for c in metadata.tables[n].c if c.name not in DATABASE_COLUMNS] for n in names})
    changed = {}
    for name in names:
        rows = tables[name].sample(frac=float(share), random_state=7).reset_index(drop=True)
        if name == "households":
            rows["phone"] = [f"139{n:08d}" for n in range(len(rows))]
        else:
            rows["months_employed"] = rows["months_employed"].fillna(0).astype(int) % 12 + 1
        facts = arrival_facts(name, rows, day, tables["monitoring_thresholds"])
        result = validate_frame(facts, f"{name}_raw", KEYS[name], parameters, scopes=AT_ARRIVAL)
        kept = rows.drop(index=sorted(result.quarantine_reasons()))
        with engine.begin() as conn:
            batch = open_batch(conn, f"bench change {name}", datetime.combine(day, datetime.min.time()))
            write_versions(conn, name, kept, batch_id=batch, recorded_on=day,
                           checked_with=rule_version(f"{name}_raw", parameters))
        changed[name] = len(kept)
    return {"seconds": round(time.perf_counter() - started, 1), "changed": changed}


def run_command(arguments: list[str]) -> dict:
    """`campaigns <arguments>` with no Prefect server set: wall time and the peak of all its processes
    together (the temporary server, one per process were there several, and the workers); the Prefect
    servers counted."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:  # not a pipe: a full one would stop the command
        process = psutil.Popen([sys.executable, "-m", "deployments.cli", *arguments],
                               env=env, stdout=subprocess.DEVNULL, stderr=log)
        peak, servers = 0, set()
        while process.poll() is None:
            total = 0
            for member in [process, *process.children(recursive=True)]:
                try:
                    total += member.memory_info().rss
                    line = " ".join(member.cmdline())
                    if "uvicorn" in line:  # a server's forked helpers share its port
                        servers.add(line.split("--port ")[1].split()[0])
                except psutil.Error:
                    continue
            peak = max(peak, total)
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            log.seek(0)
            raise SystemExit(f"the command ended with status {process.returncode}: {log.read()[-4000:]}")
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(peak / 1024**2), "prefect_servers": len(servers)}


def _campaign_call(name: str):
    if name == "screening":
        from flows.screening import concentrated_screening
        from tasks.reference.provinces import PROVINCE_BY_CODE
        from tasks.screening.params import ScreeningParams

        # BENCH_PROVINCES (harness --provinces): some provinces only, e.g. the largest to see its memory.
        chosen = [f"{c} {PROVINCE_BY_CODE[c].name}" for c in os.environ.get("BENCH_PROVINCES", "").split(",") if c]
        return concentrated_screening, ScreeningParams(year=2023, as_of=date(2023, 6, 30), mode="close_out",
                                                       provinces=chosen)
    if name == "assessment":
        from flows.assessment import annual_assessment
        from tasks.assessment.params import AssessmentParams

        return annual_assessment, AssessmentParams(year=2023)
    if name == "release":
        from flows.release import press_release
        from tasks.release.params import ReleaseParams

        return press_release, ReleaseParams(period="2023Q2")
    if name == "relocation":
        from flows.relocation import relocation_follow_up
        from tasks.relocation.params import RelocationParams

        return relocation_follow_up, RelocationParams(period="2023Q2")
    if name == "pairings":
        from flows.pairings import assistance_pairings
        from tasks.pairings.params import PairingsParams

        return assistance_pairings, PairingsParams(period="2023Q2")
    if name == "fund-ledger":
        from flows.fund_ledger import fund_ledger
        from tasks.funds.params import FundLedgerParams

        return fund_ledger, FundLedgerParams(period="2023Q2")
    raise SystemExit(f"unknown campaign {name!r}")


def campaign(name: str) -> dict:
    from prefect.testing.utilities import prefect_test_harness

    flow, params = _campaign_call(name)
    from tasks.release.approval import approved_automatically

    with prefect_test_harness(server_startup_timeout=180), RssSampler() as sampler, \
            approved_automatically("bench/measure.py"):
        started = time.perf_counter()
        state = flow(params, return_state=True)
        seconds = time.perf_counter() - started
        if not state.is_completed():
            raise SystemExit(f"{name} ended {state.type.value}: {state.message}")
        task_runs, timings = _run_records(state.state_details.flow_run_id, name)
    stages = _stages(timings, sampler) + _stages([
        {"stage": f"task: {_task_name(t.name)}",
         "rows": None, "seconds": t.total_run_time.total_seconds(),
         "started": t.start_time.timestamp(), "ended": t.end_time.timestamp()}
        for t in task_runs if t.start_time and t.end_time], sampler)
    # Peak of the flow's process and its partition workers together (sampled), and of the flow's alone.
    return {"seconds": round(seconds, 1), "peak_rss_mb": sampler.overall_peak_mb(),
            "flow_process_peak_rss_mb": peak_rss_mb(), "task_runs": len(task_runs), "stages": stages}


def _task_name(run_name: str) -> str:
    """`screen partition 11..65 (31)` and `set-aside workbooks 52,53` by their task, `announce scope-d16`
    without Prefect's suffix."""
    return re.sub(r"(-[0-9a-f]{3}| [0-9.,()/ ]+)$", "", run_name)


@contextmanager
def _client():
    from prefect import get_client

    with get_client(sync_client=True) as client:
        yield client


def _run_records(flow_run_id, campaign: str) -> tuple[list, list[dict]]:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter, FlowRunFilterId

    runs = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
    with _client() as client:
        task_runs = client.read_task_runs(flow_run_filter=runs, limit=200)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"{campaign}-timings"])), flow_run_filter=runs)
    timings: list[dict] = []
    for artifact in artifacts:
        data = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
        timings.extend(data)
    return task_runs, timings


def _stages(entries: list[dict], sampler: RssSampler) -> list[dict]:
    """Timed steps grouped by stage name, in the order they first ran."""
    groups: dict[str, list[dict]] = {}
    for entry in sorted(entries, key=lambda e: e["started"]):
        groups.setdefault(entry["stage"], []).append(entry)
    stages = []
    for stage, items in groups.items():
        seconds = sum(float(e["seconds"]) for e in items)
        rows = sum(int(e["rows"]) for e in items if e.get("rows") is not None)
        stages.append({"stage": stage, "count": len(items), "seconds": round(seconds, 2), "rows": rows or None,
                       "rows_per_second": round(rows / seconds) if rows and seconds else None,
                       "peak_rss_mb": sampler.peak_mb([(e["started"], e["ended"]) for e in items])})
    return stages


STEPS = {"migrate": migrate, "count": count, "seed": seed, "load": load, "baseline": baseline, "campaign": campaign,
         "command": command, "change": change}

if __name__ == "__main__":
    figures = STEPS[sys.argv[1]](*sys.argv[2:])
    print(json.dumps(figures, ensure_ascii=False, default=str))

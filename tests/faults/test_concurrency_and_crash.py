"""Two runs of the same campaign and period never interleave; a run killed mid-way leaves nothing that a
rerun does not put right; the audit trail cannot be changed. Other processes are real processes: a run is
held by its process, so threads could not show this."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from tasks.runs.audit import record_event
from tasks.runs.record import RunRefused, campaign_run_id, finish_run, start_run, this_process
from tasks.storage import db
from tasks.storage.engine import build_engine

REPO = Path(__file__).resolve().parents[2]


def python(code: str, **env: str) -> subprocess.Popen:
    """A child Python process on this checkout, with the test's settings (database, outputs)."""
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO), **env})


HOLD = """
    import sys, time
    from tasks.storage.engine import build_engine
    from tasks.runs.record import RunRefused, start_run
    while time.time() < START:
        time.sleep(0.001)
    try:
        start_run(build_engine(), "screening", "2023", "progress:2023-06-30", launched_by="test holder")
    except RunRefused as exc:
        print("refused", exc, flush=True)
    else:
        print("held", flush=True)
        time.sleep(60)
"""


def hold(start_at: float = 0.0) -> subprocess.Popen:
    return python(HOLD.replace("START", repr(start_at)))


def events(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text("SELECT actor, action, subject, campaign_run_id, parameters, detail "
                                   "FROM audit_events ORDER BY id"), conn)


def test_audit_trail_is_append_only(engine):
    record_event(engine, "ingest.loaded", "county 520102", subject="households.csv", parameters={"loaded": 3})
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET actor = 'someone else'"))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_events"))
    trail = events(engine)
    assert trail[["actor", "action", "subject"]].values.tolist() == [
        ["county 520102", "ingest.loaded", "households.csv"]]
    with pytest.raises(ValueError, match="unknown audit action"):
        record_event(engine, "run.deleted", "x")


def test_runs_are_in_the_audit_trail_with_actor_time_and_parameters(engine):
    run_id = start_run(engine, "assessment", "2023", parameters={"year": 2023, "provinces": ["52"]},
                       launched_by="coordinator via deployment annual-assessment")
    finish_run(engine, run_id, "failed", error="threshold missing for 52")
    trail = events(engine)
    assert trail["action"].tolist() == ["run.started", "run.finished"]
    assert set(trail["actor"]) == {"coordinator via deployment annual-assessment"}
    assert (trail["campaign_run_id"] == run_id).all() and (trail["subject"] == "assessment 2023").all()
    started, finished = (db_json(v) for v in trail["parameters"])
    assert started == {"year": 2023, "provinces": ["52"]} and finished == {"status": "failed", "watermark": None,
                                                                           "rows_rechecked": 0}
    assert trail["detail"].iloc[1] == "threshold missing for 52"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM audit_events WHERE at IS NULL")).scalar() == 0


def db_json(value):
    import json

    return json.loads(value) if isinstance(value, str) else value


def test_a_second_run_is_refused_while_the_first_lives_and_takes_over_once_it_is_killed(engine):
    holder = hold()
    try:
        assert holder.stdout.readline().strip() == "held", holder.stderr.read()
        with pytest.raises(RunRefused, match=rf"already running .*process .*:{holder.pid}"):
            start_run(engine, "screening", "2023", "progress:2023-06-30", launched_by="second")
        assert events(engine)["action"].tolist() == ["run.started", "run.refused"]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The holder died without closing its run: the next run takes it over.
    run_id = start_run(engine, "screening", "2023", "progress:2023-06-30", launched_by="third")
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT status, holder, launched_by FROM campaign_runs WHERE id = :i"),
                           {"i": run_id}).one()
    assert tuple(row) == ("running", this_process(), "third")


def test_two_runs_started_together_one_runs_the_other_is_refused(engine):
    start_at = time.time() + 3  # both children past their imports, then both claim in the same millisecond
    children = [hold(start_at) for _ in range(2)]
    try:
        outcomes = sorted(c.stdout.readline().strip().split(" ", 1)[0] for c in children)
    finally:
        for child in children:
            child.send_signal(signal.SIGKILL)
            child.wait()
    assert outcomes == ["held", "refused"], [c.stderr.read() for c in children]
    assert sorted(events(engine)["action"]) == ["run.refused", "run.started"]


@pytest.mark.slow
def test_screening_killed_while_storing_then_rerun_ends_as_an_uninterrupted_run(prefect_harness, tmp_path):
    from prefect.settings import PREFECT_API_URL

    from flows.screening import concentrated_screening
    from tasks.reference.provinces import PROVINCES, parse_provinces
    from tasks.screening.params import ScreeningParams
    from tasks.synthetic.seed import seed_database

    engine = build_engine()
    db.upgrade(engine)
    codes = ["11", "12", "13", "14", "15", "21", "22", "23"]
    seed_database(engine, 1600, parse_provinces(",".join(codes)), defect_rate=0.02)
    labels = [f"{p.code} {p.name}" for p in PROVINCES if p.code in codes]
    params = ScreeningParams(year=2023, provinces=labels, as_of="2023-06-30")
    concentrated_screening(params)
    reference = stored(engine)
    assert len(reference["screening_findings"]) > 0 and len(reference["quarantined_rows"]) > 0

    # While another process holds the run, a second run is refused before it changes anything, and says so.
    holder = hold()
    try:
        assert holder.stdout.readline().strip() == "held", holder.stderr.read()
        with pytest.raises(RunRefused, match="already running"):
            concentrated_screening(params)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    for table, frame in stored(engine).items():
        if table != "campaign_runs":  # the holder's claim is the only change
            pd.testing.assert_frame_equal(frame, reference[table], obj=table)
    with engine.connect() as conn:
        told = " ".join(conn.execute(sa.text("SELECT text FROM outbox")).scalars())
    assert "already running" in told

    # The same run in another process, killed once some provinces' findings are stored and not all.
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM screening_findings"))
    child = python(f"""
        from flows.screening import concentrated_screening
        from tasks.screening.params import ScreeningParams
        concentrated_screening(ScreeningParams(year=2023, provinces={labels!r}, as_of="2023-06-30"))
    """, PREFECT_API_URL=PREFECT_API_URL.value(), CAMPAIGNS_WORKERS="1")
    killed_with = None
    deadline = time.time() + 240
    while child.poll() is None and time.time() < deadline:
        with engine.connect() as conn:
            provinces = conn.execute(sa.text("SELECT COUNT(DISTINCT province_code) FROM screening_findings")).scalar()
        if provinces >= 1:
            child.send_signal(signal.SIGKILL)
            killed_with = provinces
            break
        time.sleep(0.02)
    child.wait()
    assert killed_with is not None and killed_with < len(codes), "the child was not killed mid-way"
    run_id = campaign_run_id("screening", "2023", "progress:2023-06-30")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status FROM campaign_runs WHERE id = :i"), {"i": run_id}).scalar() \
            == "running"  # as the killed process left it

    concentrated_screening(params)
    after = stored(engine)
    for table, frame in reference.items():
        pd.testing.assert_frame_equal(after[table], frame, obj=table)


def stored(engine) -> dict[str, pd.DataFrame]:
    """The run's tables without surrogate ids and times, in a stable order."""
    queries = {
        "screening_findings": "SELECT province_code, list_name, household_no, lead_no, category, details "
                              "FROM screening_findings",
        "quarantined_rows": "SELECT stage, source, scope, province_code, suite, row_key, row_number, reasons "
                            "FROM quarantined_rows",
        "quality_results": "SELECT stage, suite, scope, expectation, success, element_count, unexpected_count "
                           "FROM quality_results",
        "campaign_runs": "SELECT id, kind, period, mode, status, error FROM campaign_runs WHERE kind = 'screening'",
    }
    out = {}
    with engine.connect() as conn:
        for table, sql in queries.items():
            frame = pd.read_sql(sa.text(sql), conn).astype(str)
            out[table] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out

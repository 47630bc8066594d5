"""Database faults: a SQLite lock held by another writer, a PostgreSQL connection terminated by the server.
Transient ones are waited out with backoff; a persistent one fails the run with a clear message, and the
failure alert still goes out with the database unreachable."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa

from tasks.runs.record import start_run
from tasks.settings import get_settings
from tasks.storage import db
from tasks.storage.bulk import insert_frame
from tasks.storage.engine import build_engine
from tasks.storage.retries import DatabaseUnavailable, driver_connection, is_transient, with_retries


def lock_sqlite(path: str, seconds: float) -> subprocess.Popen:
    """Another process holding SQLite's write lock for `seconds`."""
    code = textwrap.dedent(f"""
        import sqlite3, time
        conn = sqlite3.connect({path!r}, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        print("locked", flush=True)
        time.sleep({seconds})
        conn.execute("COMMIT")
    """)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "locked"
    return child


@pytest.fixture
def sqlite_engine(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGNS_SQLITE_BUSY_TIMEOUT_SECONDS", "0.2")
    monkeypatch.setenv("CAMPAIGNS_DB_RETRY_DELAYS", "0.5,1,2")
    get_settings.cache_clear()
    engine = build_engine()
    db.upgrade(engine)
    yield engine
    engine.dispose()


def runs(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT kind, status FROM campaign_runs"))]


def test_sqlite_lock_held_by_another_writer_is_waited_out(sqlite_engine, caplog):
    locker = lock_sqlite(sqlite_engine.url.database, 1.2)
    start_run(sqlite_engine, "assessment", "2023", launched_by="test")
    locker.wait()
    assert runs(sqlite_engine) == [("assessment", "running")]
    assert any("transient database error" in r.getMessage() and "database is locked" in r.getMessage()
               for r in caplog.records)


def test_sqlite_lock_that_stays_fails_with_a_clear_message_and_keeps_nothing(sqlite_engine):
    locker = lock_sqlite(sqlite_engine.url.database, 60)
    try:
        with pytest.raises(DatabaseUnavailable, match=r"start assessment 2023: the database failed 4 times .*"
                                                       r"database is locked.*nothing of this step was kept"):
            start_run(sqlite_engine, "assessment", "2023", launched_by="test")
    finally:
        locker.send_signal(signal.SIGKILL)
        locker.wait()
    assert runs(sqlite_engine) == []


def test_a_lock_met_by_the_drivers_own_insert_is_a_transient_database_error(sqlite_engine):
    # Bulk loads go through sqlite3's executemany, past SQLAlchemy; its error must still read as a lock.
    import pandas as pd

    from tasks.model import metadata

    frame = pd.DataFrame({"code": ["99"], "name": ["测试省"], "short_name": ["测试"], "region": ["西部"]})
    locker = lock_sqlite(sqlite_engine.url.database, 60)
    try:
        with pytest.raises(sa.exc.DBAPIError) as caught, sqlite_engine.begin() as conn:
            insert_frame(conn, metadata.tables["provinces"], frame)
    finally:
        locker.send_signal(signal.SIGKILL)
        locker.wait()
    assert is_transient(caught.value) and "database is locked" in str(caught.value.orig)


@pytest.mark.postgres
def test_a_session_terminated_under_copy_is_a_transient_error_and_leaves_the_pool_usable(engine, db_url):
    # COPY goes through psycopg's own connection. In CI a raw AdminShutdown from it slipped past the retries.
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        with sa.create_engine(db_url).connect() as admin:
            admin.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        with (pytest.raises(sa.exc.DBAPIError) as caught, driver_connection(conn) as raw, raw.cursor() as cur,
              cur.copy("COPY (SELECT code FROM provinces) TO STDOUT") as copy):
            list(copy)
    assert is_transient(caught.value) and caught.value.connection_invalidated
    with engine.connect() as conn:  # the dead session was not put back in the pool
        assert conn.execute(sa.text("SELECT COUNT(*) FROM provinces")).scalar() == 31


@pytest.mark.postgres
def test_postgres_connection_terminated_mid_transaction_is_retried(engine, db_url):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    attempts = []

    def write_once_killed() -> int:
        with engine.begin() as conn:
            attempts.append(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar())
            conn.execute(sa.text("INSERT INTO campaign_runs (id, kind, period, parameters, status, started_at) "
                                 "VALUES ('x', 'seed', '2023', '{}', 'running', now())"))
            if len(attempts) == 1:  # the server ends this session under us, as a restart or an admin would
                with sa.create_engine(db_url).connect() as admin:
                    admin.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": attempts[0]})
            return conn.execute(sa.text("SELECT COUNT(*) FROM campaign_runs")).scalar()

    assert with_retries(write_once_killed, "test write", delays=(0.2, 0.5)) == 1
    assert len(attempts) == 2 and attempts[0] != attempts[1]  # a new session, not the dead one
    assert runs(engine) == [("seed", "running")]  # the killed attempt left nothing half-written


@pytest.mark.postgres
def test_an_audit_record_is_written_again_when_the_server_drops_its_connection(engine, db_url):
    """A run's start is recorded in the audit trail; the server ending the session right under that insert
    (a restart) must not fail the run: the record is written once, on a new session."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from tasks.runs.audit import record_event

    killed: list[int] = []

    def end_the_session_under_the_first_audit_insert(conn, cursor, statement, *args) -> None:
        if statement.startswith("INSERT INTO audit_events") and not killed:
            killed.append(conn.connection.dbapi_connection.info.backend_pid)
            with sa.create_engine(db_url, poolclass=sa.pool.NullPool).connect() as admin:
                admin.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": killed[0]})

    sa.event.listen(engine, "before_cursor_execute", end_the_session_under_the_first_audit_insert)
    try:
        record_event(engine, "run.started", "pytest", subject="screening 2023")
    finally:
        sa.event.remove(engine, "before_cursor_execute", end_the_session_under_the_first_audit_insert)
    assert killed
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM audit_events WHERE actor = 'pytest'")).scalar() == 1


@pytest.mark.slow
def test_flow_waits_out_a_lock_and_a_lock_that_stays_fails_it_with_an_alert(prefect_harness, sqlite_engine):
    from flows.assessment import annual_assessment
    from tasks.assessment.params import AssessmentParams
    from tasks.reference.provinces import parse_provinces
    from tasks.synthetic.seed import seed_database

    seed_database(sqlite_engine, 300, parse_provinces("52,53"))
    params = AssessmentParams(year=2023, provinces=["52 贵州省", "53 云南省"])
    locker = lock_sqlite(sqlite_engine.url.database, 1.2)
    summary = annual_assessment(params)
    locker.wait()
    assert summary and runs(sqlite_engine) == [("assessment", "completed")]

    locker = lock_sqlite(sqlite_engine.url.database, 60)
    try:
        with pytest.raises(DatabaseUnavailable, match="database is locked"):
            annual_assessment(params)
    finally:
        locker.send_signal(signal.SIGKILL)
        locker.wait()
    # The alert could not wait in the outbox (the database was the problem): it went out directly.
    sent = get_settings().outbox_path.read_text("utf-8")
    assert "DatabaseUnavailable" in sent and "database is locked" in sent


@pytest.mark.postgres
@pytest.mark.slow
def test_postgres_connections_terminated_during_a_run_end_as_an_uninterrupted_run(prefect_harness, engine, db_url):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    import threading

    from flows.assessment import annual_assessment
    from tasks.assessment.params import AssessmentParams
    from tasks.reference.provinces import parse_provinces
    from tasks.synthetic.seed import seed_database

    seed_database(engine, 600, parse_provinces("52,53"))
    params = AssessmentParams(year=2023, provinces=["52 贵州省", "53 云南省"])
    reference = annual_assessment(params)

    killed: list[int] = []
    stop = threading.Event()
    interval = 1.5  # seconds

    def terminate_sessions() -> None:
        # As a server restarting would, every `interval` seconds while the run lasts: every session ended. Not
        # every half second: on a busy machine a partition's read takes longer than that, and a run whose every
        # read is cut can never finish (CI failed so on a fresh clone with both cores busy).
        admin = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
        while not stop.wait(interval):
            with admin.connect() as conn:
                killed.extend(conn.execute(sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")).scalars())

    killer = threading.Thread(target=terminate_sessions, daemon=True)
    killer.start()
    try:
        again = annual_assessment(params)
    finally:
        stop.set()
        killer.join(10)
    assert any(killed), "no session was terminated during the run"
    assert again == reference
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status FROM campaign_runs WHERE kind = 'assessment'")).scalar() \
            == "completed"


def test_a_database_error_carries_no_personal_data_into_logs_or_run_states(prefect_harness, engine, caplog):
    # PostgreSQL's DETAIL quotes the duplicate key and the whole failing row; the project's engines cut it.
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    id_number, name = "520102198001010019", "欧阳泄露"
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE leak_probe (id_number VARCHAR(18) UNIQUE, name VARCHAR(10), "
                             "CHECK (name <> '欧阳泄露'))"))

    @flow(name="store a person twice")
    def store(twice: bool) -> None:
        with engine.begin() as conn:
            for _ in range(2 if twice else 1):
                conn.execute(sa.text("INSERT INTO leak_probe VALUES (:i, :n)"), {"i": id_number, "n": "李四"})

    @flow(name="store a refused name")
    def refused() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO leak_probe VALUES ('11', :n)"), {"n": name})

    states = [store(True, return_state=True), refused(return_state=True)]
    assert [s.is_failed() for s in states] == [True, True]
    with get_client(sync_client=True) as client:
        logs = [log.message for log in client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(
            any_=[s.state_details.flow_run_id for s in states])))]
    shown = [caplog.text, *logs, *(str(s.message) for s in states)]
    assert any("IntegrityError" in text for text in shown)
    assert [text for text in shown if id_number in text or name in text] == []

"""The database engine built from settings: SQLite files and pragmas prepared, driver errors scrubbed of
personal data."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from tasks.privacy import scrub_driver_error
from tasks.settings import Settings, get_settings


def build_engine(settings: Settings | None = None) -> Engine:
    """Create the SQLAlchemy engine for `settings.database_url`, preparing SQLite files and pragmas."""
    # Runs pass their own settings; the migrations' env.py, `db.upgrade()` and tests open the configured one.
    settings = settings or get_settings()
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url, settings)
    else:
        # hide_parameters: an error's text would otherwise quote the row (names, ID numbers) into logs and alerts.
        engine = create_engine(url, echo=settings.sql_echo, pool_pre_ping=True, hide_parameters=True)
    event.listen(engine, "handle_error", _scrub_error)
    return engine


def _scrub_error(context) -> None:
    """The driver's own text can quote the row too (PostgreSQL's DETAIL): cut it, and SQLAlchemy's copy of
    it, before anything logs or shows the error."""
    orig, wrapped = context.original_exception, context.sqlalchemy_exception
    scrub_driver_error(orig)
    if wrapped is not None and wrapped.orig is orig:
        wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {orig}",)


@cache
def _engine_for(url: str) -> Engine:
    # On a worker process (CampaignContext.__setstate__): its own environment's settings, the run's database.
    engine = build_engine(get_settings().model_copy(update={"database_url": url}))
    _OPENED.append(engine)
    return engine


_OPENED: list[Engine] = []


def forget_engines() -> None:
    """In a process forked from one that had engines: their pooled connections are the parent's, to be
    dropped here without closing (SQLAlchemy's advice for fork); the next `shared_engine` opens its own."""
    for engine in _OPENED:
        engine.dispose(close=False)
    _OPENED.clear()
    _engine_for.cache_clear()


def shared_engine(settings: Settings | None = None) -> Engine:
    """One engine per database per process (its connection pool shared by the tasks of that process)."""
    return _engine_for((settings or get_settings()).database_url)  # the worker's settings, as above


def _sqlite_engine(url, settings: Settings) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # A campaign writes while a coordinator may read; WAL lets readers go on and the busy
    # timeout turns a short lock into a wait instead of "database is locked".
    engine = create_engine(url, echo=settings.sql_echo, hide_parameters=True,
                           connect_args={"timeout": settings.sqlite_busy_timeout_seconds})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine

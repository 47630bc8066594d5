"""Transient database errors are retried with backoff; anything else, or the same error once the retries are
spent, fails the run with a message that says so.

Transient: SQLite's "database is locked" (another writer held the lock past the busy timeout) and a
connection the server dropped (PostgreSQL restarted, the backend terminated, the network cut). Each unit
retried is one transaction or a task whose writes replace rather than add (findings per province, checks
per stage and scope, messages by content), so a retry after a partial attempt ends as one clean attempt."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from tasks.privacy import scrub_driver_error

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_DELAYS = (2.0, 10.0, 30.0)  # seconds; about 40 s in all, longer than a server restart (the default)
TRANSIENT_TEXT = ("database is locked", "database table is locked", "server closed the connection",
                  "terminating connection", "connection reset", "connection refused", "could not connect",
                  "connection is closed", "ssl connection has been closed")


class DatabaseUnavailable(RuntimeError):
    pass


def is_transient(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, DBAPIError):
            if exc.connection_invalidated:
                return True
            text = str(exc.orig).lower()
            return any(t in text for t in TRANSIENT_TEXT)
        exc = exc.__cause__
    return False


@contextmanager
def driver_connection(conn: Connection) -> Iterator[Any]:
    """The driver's own connection under `conn`, for what SQLAlchemy does not wrap (COPY, a raw executemany),
    with the driver's errors raised as SQLAlchemy's: a raw psycopg or sqlite3 error would slip past every
    handler that tells a dropped connection or a held lock (retried) from a bug (not retried)."""
    dialect = conn.dialect
    try:
        yield conn.connection.driver_connection
    except dialect.loaded_dbapi.Error as exc:
        scrub_driver_error(exc)  # as the engine does for what goes through SQLAlchemy (tasks.storage.engine)
        dropped = dialect.is_disconnect(exc, conn.connection.dbapi_connection, None)
        if dropped:  # the pool must not hand this connection out again
            conn.invalidate(exc)
        raise DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error, hide_parameters=True,
                                  connection_invalidated=dropped, dialect=dialect) from exc


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's `retry_condition_fn`: retry a failed task only for a transient database error."""
    error = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    retry = is_transient(error if isinstance(error, BaseException) else None)
    if retry:
        log.warning("task %s: transient database error (%s); retrying", task.name, _kind(error))
    return retry


def _task_delays() -> list[float]:
    from tasks.settings import get_settings

    try:
        # Read when the flow modules are imported: the task decorators' retries are fixed then.
        return list(get_settings().retry_delays)
    except Exception:  # settings are reported where they are used; a task still gets the default
        return list(RETRY_DELAYS)


# For the tasks of a campaign: `@task(..., **TRANSIENT_RETRIES)` (delays as set when the flows are imported).
_DELAYS = _task_delays()
TRANSIENT_RETRIES: dict[str, Any] = {"retries": len(_DELAYS), "retry_delay_seconds": _DELAYS,
                                     "retry_condition_fn": retry_transient}


def with_retries(unit: Callable[[], T], what: str, delays: tuple[float, ...] | None = None) -> T:
    """`unit()` (one transaction), again after each delay (default: CAMPAIGNS_DB_RETRY_DELAYS) while it fails
    transiently; DatabaseUnavailable when the retries are spent."""
    if delays is None:
        from tasks.settings import get_settings

        # Retried units run in every layer and on worker processes: the delays where the retry happens.
        delays = get_settings().retry_delays
    for attempt, wait in enumerate((*delays, None), start=1):
        try:
            return unit()
        except DBAPIError as exc:
            if not is_transient(exc):
                raise
            if wait is None:
                # The driver's text, not SQLAlchemy's: that one quotes the statement.
                raise DatabaseUnavailable(
                    f"{what}: the database failed {attempt} times in {sum(delays):.0f} s ({_kind(exc)}); "
                    "nothing of this step was kept") from exc
            log.warning("%s: transient database error (%s); retry %d of %d in %.1f s", what, _kind(exc), attempt,
                        len(delays), wait)
            time.sleep(wait)
    raise AssertionError("unreachable")


def _kind(exc: BaseException | None) -> str:
    orig = getattr(exc, "orig", exc)
    first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {first_line[:160]}"

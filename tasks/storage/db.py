"""Database lifecycle: Alembic migrations driven from settings, and table housekeeping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from tasks.storage.engine import build_engine


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("tasks") / "migrations"))
    return cfg


def _run(engine: Engine | None, action, *args) -> None:
    cfg = alembic_config()
    with _engine(engine) as engine, engine.begin() as conn:
        cfg.attributes["connection"] = conn
        action(cfg, *args)


@contextmanager
def _engine(given: Engine | None) -> Iterator[Engine]:
    """`given`, or the configured database's, closed after: a command forks its workers after these steps
    (tasks.partitions.warm), and a connection left open would be shared with them."""
    engine = given or build_engine()
    try:
        yield engine
    finally:
        if given is None:
            engine.dispose()


def upgrade(engine: Engine | None = None, revision: str = "head") -> None:
    """Bring the schema (and the shipped reference data) up to `revision`."""
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine | None = None, revision: str = "base") -> None:
    _run(engine, command.downgrade, revision)


def current_revision(engine: Engine | None = None) -> str | None:
    with _engine(engine) as engine, engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()

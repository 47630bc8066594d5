import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tasks.model import metadata
from tasks.settings import Settings
from tasks.storage import db
from tasks.storage.engine import build_engine


def test_upgrade_downgrade_upgrade(db_url):
    engine = build_engine(Settings(database_url=db_url))
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    tables = set(sa.inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM provinces")).scalar() == 31

    db.downgrade(engine, "base")
    assert db.current_revision(engine) is None
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}

    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()
    engine.dispose()


def test_models_and_migrations_agree(engine):
    """A model change without its migration fails here, on both databases."""
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []

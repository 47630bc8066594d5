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


def test_outbox_downgrade_keeps_old_code_unblocked(db_url):
    """Down from 0013 with digests held and an e-mail sent: old code would post a target's messages to Slack and
    stop at the failure, and an e-mail's Message-ID does not fit the old column."""
    engine = build_engine(Settings(database_url=db_url))
    db.upgrade(engine)
    rows = [("k1", "#scr", "sent", "<" + "a" * 24 + "@campaigns.example.gov.cn>"), ("k2", "dt", "held", None),
            ("k3", "press-mail", "pending", None), ("k4", "#scr", "pending", None)]
    with engine.begin() as conn:
        for key, channel, status, ts in rows:
            conn.execute(sa.text("INSERT INTO outbox (dedupe_key, channel, text, status, attempts, slack_ts, "
                                 "created_at) VALUES (:k, :c, 't', :s, 0, :ts, CURRENT_TIMESTAMP)"),
                         {"k": key, "c": channel, "s": status, "ts": ts})
    db.downgrade(engine, "0012")
    with engine.connect() as conn:
        left = dict(conn.execute(sa.text("SELECT dedupe_key, status FROM outbox")).all())
        widest = conn.execute(sa.text("SELECT MAX(LENGTH(slack_ts)) FROM outbox")).scalar()
    assert left == {"k1": "sent", "k2": "sent", "k3": "sent", "k4": "pending"} and widest <= 40
    db.upgrade(engine)
    engine.dispose()

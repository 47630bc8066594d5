"""Fixtures of the flow tests."""

import pytest

from tasks.reference.provinces import parse_provinces


@pytest.fixture
def two_provinces(seed_templates):
    """贵州 and 云南 (1,200 households, 2 % defects) on the test's database, and the seed's report."""
    return seed_templates.database(1200, provinces=parse_provinces("52,53"), defect_rate=0.02)


@pytest.fixture
def two_provinces_seeded(db_url, prefect_harness):
    """贵州 and 云南 (1,200 households, 2 % defects) seeded on the test's database, SQLite or PostgreSQL (the
    duties' tests: tasks.synthetic writes their registers, reports, ledgers and pairings too)."""
    from tasks.storage import db
    from tasks.storage.engine import build_engine
    from tasks.synthetic.seed import seed_database

    engine = build_engine()
    db.upgrade(engine)
    seed_database(engine, 1200, parse_provinces("52,53"), defect_rate=0.02)
    yield engine
    engine.dispose()

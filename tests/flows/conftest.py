"""Fixtures of the flow tests."""

import pytest

from tasks.reference.provinces import parse_provinces
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.synthetic.seed import seed_database


@pytest.fixture
def two_provinces(tmp_path):
    """贵州 and 云南 (1,200 households, 2 % defects) on the test's database, and the seed's report."""
    engine = build_engine()
    db.upgrade(engine)
    report = seed_database(engine, 1200, parse_provinces("52,53"), defect_rate=0.02, output_dir=tmp_path)
    return engine, report

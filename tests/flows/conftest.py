"""Fixtures of the flow tests."""

import pytest

from tasks.reference.provinces import parse_provinces


@pytest.fixture
def two_provinces(seed_templates):
    """贵州 and 云南 (1,200 households, 2 % defects) on the test's database, and the seed's report."""
    return seed_templates.database(1200, provinces=parse_provinces("52,53"), defect_rate=0.02)

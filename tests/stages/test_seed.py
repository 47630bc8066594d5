import hashlib

import pandas as pd
import pytest
import sqlalchemy as sa

from tasks.privacy import id_number_problems
from tasks.reference.provinces import parse_provinces
from tasks.synthetic.generator import TABLES
from tasks.synthetic.seed import seed_database


def table_digest(engine, name: str) -> tuple[int, str]:
    """Row count and a content hash that ignores row order and driver types."""
    frame = pd.read_sql(sa.text(f"SELECT * FROM {name}"), engine)
    text = frame.astype(object).where(frame.notna(), None).map(str).apply("|".join, axis=1).sort_values()
    return len(frame), hashlib.sha256("\n".join(text).encode()).hexdigest()


def test_seed_fills_tables_and_reseeding_gives_identical_data(engine, tmp_path):
    report = seed_database(engine, 600, parse_provinces("52,53"), defect_rate=0.02, output_dir=tmp_path)
    first = {name: table_digest(engine, name) for name in TABLES}
    assert all(first[name][0] > 0 for name in TABLES)
    assert first["households"][0] == 600
    assert report.rows["persons"] == first["persons"][0]
    assert (tmp_path / "seed" / "summary.json").exists() and (tmp_path / "seed" / "defects.csv").exists()
    # The rows failing their own rules are listed for their counties once, as an ingest lists a file's: a
    # campaign holds them back without listing them again.
    with engine.connect() as conn:
        failing = sum(conn.execute(sa.text(f"SELECT COUNT(*) FROM {t} WHERE check_reasons IS NOT NULL")).scalar_one()
                      for t in ("households", "persons", "measures", "leads"))
        listed = conn.execute(sa.text("SELECT COUNT(*) FROM quarantined_rows q JOIN campaign_runs r "
                                      "ON r.id = q.campaign_run_id WHERE r.kind = 'seed'")).scalar_one()
    books = sorted((tmp_path / "seed" / "隔离行").glob("*.xlsx"))
    assert report.set_aside == listed == failing > 0
    assert any(b.name[:6].isdigit() for b in books) and any("全省" in b.name for b in books)

    seed_database(engine, 600, parse_provinces("52,53"), defect_rate=0.02)
    assert {name: table_digest(engine, name) for name in TABLES} == first


def test_reseeding_one_province_leaves_the_others(engine):
    seed_database(engine, 600, parse_provinces("52,53"))
    other = table_digest(engine, "persons")
    seed_database(engine, 300, parse_provinces("53"), seed=99)
    with engine.connect() as conn:
        counts = dict(conn.execute(sa.text(
            "SELECT province_code, COUNT(*) FROM households GROUP BY province_code")).all())
    assert counts["53"] == 300 and counts["52"] > 0
    assert table_digest(engine, "persons") != other


def test_stored_id_numbers_survive_the_database(engine):
    seed_database(engine, 300, parse_provinces("45"))
    ids = pd.read_sql(sa.text("SELECT id_number FROM persons"), engine)["id_number"]
    assert len(ids) > 900 and id_number_problems(ids).isna().all()


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="99"):
        parse_provinces("52,99")

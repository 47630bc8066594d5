"""The fast readers (connectorx in a child process on SQLite, COPY on PostgreSQL) return exactly what the
Python driver returns: same rows, same types, NULL kept apart from empty text, dates, times and booleans."""

import pandas as pd
import pytest
import sqlalchemy as sa

from tasks.model import metadata
from tasks.partitions.partition import split_province
from tasks.reference.provinces import parse_provinces
from tasks.runs.inputs import KEYS
from tasks.storage import reads as tables
from tasks.storage.sqlite_native import NativeReadError, read_arrow
from tasks.synthetic.seed import seed_database

PROVINCES = ["52", "53"]


def test_fast_readers_return_what_the_python_driver_returns(engine, caplog):
    seed_database(engine, 400, parse_provinces("52,53,45"), defect_rate=0.05)
    with engine.begin() as conn:  # the cases a reader gets wrong: empty text next to NULL, a time of day
        conn.execute(sa.text("UPDATE persons SET work_location = '' WHERE person_no IN "
                             "(SELECT person_no FROM persons WHERE province_code = '52' LIMIT 3)"))
        conn.execute(sa.text("UPDATE leads SET reported_at = '2023-04-05 09:30:15.250000' WHERE lead_no IN "
                             "(SELECT lead_no FROM leads WHERE province_code = '53' LIMIT 2)"))
    names = [n for n, t in metadata.tables.items() if "province_code" in t.c]
    fast = tables.read_tables(engine, names, PROVINCES)
    assert not [r for r in caplog.records if "Python driver" in r.getMessage()], "the fast reader fell back"
    assert fast["persons"]["work_location"].eq("").sum() == 3
    assert (fast["leads"]["reported_at"].dt.microsecond == 250_000).sum() == 2
    for name in names:
        query, cols = tables._select(name, PROVINCES, None)
        slow = tables._read_python(engine, name, query, cols)
        assert len(slow) == len(fast[name]), name
        pd.testing.assert_frame_equal(fast[name], slow, obj=name)
    assert len(fast["households"]) > 0 and set(fast["households"]["province_code"]) == set(PROVINCES)
    # A part of a province (tasks.partitions.partition): the same rows whichever reader, and the parts add up.
    parts = split_province(engine, "52", len(fast["households"].query("province_code == '52'")), 60)
    assert len(parts) >= 2
    read = {name: [] for name in ("households", "persons", "measures", "leads")}
    for part in parts:
        of_part = tables.read_tables(engine, list(read), ["52"], part=part)
        for name in read:
            query, cols = tables._select(name, ["52"], None, part)
            pd.testing.assert_frame_equal(of_part[name], tables._read_python(engine, name, query, cols), obj=name)
            read[name].append(of_part[name])
    for name, frames in read.items():
        keys = pd.concat(frames)[KEYS[name]]
        assert keys.is_unique and set(keys) == set(fast[name].query("province_code == '52'")[KEYS[name]]), name


def test_native_reader_failure_names_the_query(tmp_path):
    database = tmp_path / "empty.db"
    sa.create_engine(f"sqlite:///{database}").connect().close()
    with pytest.raises(NativeReadError, match="persons"):
        read_arrow(str(database), {"persons": "SELECT * FROM persons"})

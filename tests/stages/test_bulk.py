import pandas as pd
import pytest

from tasks.model import metadata
from tasks.storage.bulk import insert_frame


def test_round_trip_keeps_nulls_dates_booleans_and_integers(engine):
    frame = pd.DataFrame({
        "measure_no": ["A-M01", "A-M02", "B-M01"],
        "household_no": ["A", "A", None],
        "province_code": ["52", "52", "52"],
        "category": ["industry", None, "comprehensive_security"],
        "kind": ["development", "other", "safety_net"],
        "start_on": pd.to_datetime(["2023-01-05", None, "2022-12-31"]),
        "end_on": pd.to_datetime([None, None, "2023-06-29"]),
    })
    with engine.begin() as conn:
        assert insert_frame(conn, metadata.tables["measures"], frame, batch_rows=2) == 3
    back = pd.read_sql("SELECT * FROM measures ORDER BY measure_no", engine)
    assert back["household_no"].isna().tolist() == [False, False, True]
    assert back["category"].isna().tolist() == [False, True, False]
    assert pd.to_datetime(back["start_on"]).dt.strftime("%Y-%m-%d").fillna("").tolist() == [
        "2023-01-05", "", "2022-12-31"]

    households = pd.DataFrame({"household_no": ["A", "B"], "province_code": ["52", "52"],
                               "household_size": [3.0, None], "is_poverty_alleviated": [True, False]})
    with engine.begin() as conn:
        insert_frame(conn, metadata.tables["households"], households)
    back = pd.read_sql("SELECT household_no, household_size, is_poverty_alleviated FROM households "
                       "ORDER BY household_no", engine)
    assert back["household_size"].iloc[0] == 3 and pd.isna(back["household_size"].iloc[1])
    assert back["is_poverty_alleviated"].astype(bool).tolist() == [True, False]


def test_unknown_column_is_refused(engine):
    with engine.begin() as conn, pytest.raises(ValueError, match="not in the table"):
        insert_frame(conn, metadata.tables["measures"], pd.DataFrame({"measure_no": ["x"], "bogus": [1]}))


def test_timestamps_keep_their_time(engine):
    frame = pd.DataFrame({"lead_no": ["L1"], "reported_at": pd.to_datetime(["2023-04-05 09:30:15"])})
    with engine.begin() as conn:
        insert_frame(conn, metadata.tables["leads"], frame)
    back = pd.read_sql("SELECT reported_at FROM leads", engine)
    assert pd.Timestamp(back["reported_at"].iloc[0]) == pd.Timestamp("2023-04-05 09:30:15")

"""The roster's history: writes keep the versions they replace and say what each change was; reads "as of"
a period and a watermark see the version that stood then."""

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import func, select

from tasks.model import HISTORY
from tasks.storage.history_write import write_versions
from tasks.storage.reads import read_table, read_tables
from tasks.storage.versions import RosterView, latest_batch, open_batch

Q2, Q3 = date(2023, 6, 30), date(2023, 9, 30)


def households(**changes: dict) -> pd.DataFrame:
    base = {
        "H1": {"province_code": "52", "county_code": "520101", "household_size": 3, "labour": None},
        "H2": {"province_code": "52", "county_code": "520101", "household_size": 4,
               "monitoring_type": "edge", "identified_on": pd.Timestamp("2023-05-10"), "risk_status": "at_risk"},
        "H3": {"province_code": "52", "county_code": "520102", "household_size": 2},
    }
    rows = []
    for key, values in base.items():
        row = {"household_no": key, **values, **changes.get(key, {})}
        row.pop("labour", None)
        rows.append(row)
    return pd.DataFrame(rows)


def write(engine, frame, day: date, name: str = "households", also_by: str | None = None):
    with engine.begin() as conn:
        batch = open_batch(conn, "test", datetime.combine(day, datetime.min.time()))
        return batch, write_versions(conn, name, frame, batch_id=batch, recorded_on=day, also_by=also_by)


def seen(engine, view: RosterView) -> pd.DataFrame:
    return read_tables(engine, ["households"], view=view)["households"].set_index("household_no")


def test_an_event_after_the_period_is_not_seen_in_it_and_a_correction_is(engine):
    first, written = write(engine, households(), date(2023, 4, 1))
    assert written.new == 3
    # August: H1 identified (an event of 8 August), H2's type corrected, H3 sent again as it was.
    second, written = write(engine, households(
        H1={"monitoring_type": "sudden", "identified_on": pd.Timestamp("2023-08-08"), "risk_status": "at_risk"},
        H2={"monitoring_type": "sudden"}), date(2023, 8, 20))
    assert (written.new, written.events, written.corrections, written.unchanged) == (0, 1, 1, 1)
    now = read_table(engine, "households", columns=["household_no", "change", "episode_on"]).set_index("household_no")
    assert now.loc["H1", "change"] == "event" and now.loc["H1", "episode_on"] == pd.Timestamp("2023-08-08")
    assert now.loc["H2", "change"] == "correction" and pd.isna(now.loc["H2", "episode_on"])

    q2_now = seen(engine, RosterView(Q2, second))
    assert pd.isna(q2_now.loc["H1", "monitoring_type"])  # identified since: the version of April
    assert q2_now.loc["H2", "monitoring_type"] == "sudden"  # a correction of Q2's own record is seen
    q2_then = seen(engine, RosterView(Q2, first))
    assert q2_then.loc["H2", "monitoring_type"] == "edge"  # as recorded by the first batch: as published
    assert seen(engine, RosterView(Q3, second)).loc["H1", "monitoring_type"] == "sudden"
    assert len(q2_now) == len(q2_then) == 3


def test_the_same_rows_again_make_no_version(engine):
    write(engine, households(), date(2023, 4, 1))
    _, written = write(engine, households(), date(2023, 4, 2))
    assert (written.new, written.events, written.corrections, written.unchanged) == (0, 0, 0, 3)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(HISTORY["households"])).scalar() == 0


def test_a_row_recorded_after_the_watermark_is_not_seen(engine):
    first, _ = write(engine, households().iloc[:2], date(2023, 4, 1))
    later, _ = write(engine, households().iloc[2:], date(2023, 8, 1))
    assert latest_batch(engine) == later
    assert list(seen(engine, RosterView(Q2, first)).index) == ["H1", "H2"]
    assert sorted(seen(engine, RosterView(Q2, later)).index) == ["H1", "H2", "H3"]  # a late record of Q2


def test_a_person_registered_again_under_another_number_replaces_the_old_row(engine):
    person = {"household_no": "H1", "province_code": "52", "id_number": "520101199001011234", "name": "张三"}
    first, _ = write(engine, pd.DataFrame([{"person_no": "P1", **person}]), date(2023, 4, 1), "persons", "id_number")
    second, written = write(engine, pd.DataFrame([{"person_no": "P9", **person}]), date(2023, 8, 1), "persons",
                            "id_number")
    assert (written.new, written.removed) == (1, 1)
    then = read_tables(engine, ["persons"], view=RosterView(Q2, first))["persons"]
    now = read_tables(engine, ["persons"], view=RosterView(Q2, second))["persons"]
    assert then["person_no"].tolist() == ["P1"] and now["person_no"].tolist() == ["P9"]


@pytest.mark.parametrize("change, expected", [
    ({"phone": "13800000000"}, ("event", "2023-08-20")),  # news without a date: the day it was recorded
    ({"identified_on": pd.Timestamp("2023-05-01")}, ("correction", None)),  # a date moved
    ({"county_code": "520199"}, ("correction", None)),
    # A correction sent with an event: of the event's day, so the event is not seen before it.
    ({"county_code": "520199", "eliminated_on": pd.Timestamp("2023-07-03"), "risk_status": "eliminated"},
     ("correction", "2023-07-03")),
    ({"eliminated_on": pd.Timestamp("2023-06-15"), "risk_status": "eliminated", "elimination_way": "stable"},
     ("event", "2023-06-15")),  # late news of June: seen in Q2 as revised
])
def test_what_a_change_is(engine, change, expected):
    write(engine, households(), date(2023, 4, 1))
    write(engine, households(H2=change), date(2023, 8, 20))
    row = read_table(engine, "households", columns=["household_no", "change", "episode_on"]).set_index(
        "household_no").loc["H2"]
    assert row["change"] == expected[0]
    assert (None if pd.isna(row["episode_on"]) else row["episode_on"].strftime("%Y-%m-%d")) == expected[1]


def test_a_late_identification_with_its_risk_codes_is_of_the_day_it_happened(engine):
    """Risk codes set with an identification belong to it: the version is of the identification's day, so a
    June identification recorded in August is in the second quarter (a revision of it), not the third."""
    write(engine, households(), date(2023, 4, 1))
    second, _ = write(engine, households(H1={"monitoring_type": "edge", "identified_on": pd.Timestamp("2023-06-20"),
                                             "risk_status": "at_risk", "risk_code_1": "01"}), date(2023, 8, 10))
    row = read_table(engine, "households", columns=["household_no", "episode_on"]).set_index("household_no")
    assert row.loc["H1", "episode_on"] == pd.Timestamp("2023-06-20")
    assert seen(engine, RosterView(Q2, second)).loc["H1", "monitoring_type"] == "edge"


def test_a_row_moved_to_another_province_stays_in_a_read_of_its_first_province(engine):
    """Which version a province's read sees is decided on the whole table: a later correction of the
    province must not hide the row from a read of the province it was in."""
    write(engine, households(), date(2023, 4, 1))
    write(engine, households(H3={"monitoring_type": "edge", "identified_on": pd.Timestamp("2023-07-15"),
                                 "risk_status": "at_risk"}), date(2023, 7, 20))
    third, _ = write(engine, households(H3={"monitoring_type": "edge", "identified_on": pd.Timestamp("2023-07-15"),
                                            "risk_status": "at_risk", "province_code": "53"}), date(2023, 8, 1))
    write(engine, households(H3={"monitoring_type": "edge", "identified_on": pd.Timestamp("2023-07-15"),
                                 "risk_status": "at_risk", "province_code": "53", "phone": "13900000000"}),
          date(2023, 9, 1))
    in_52 = read_tables(engine, ["households"], provinces=["52"], view=RosterView(Q2, third))["households"]
    assert "H3" in set(in_52["household_no"])
    assert sorted(read_tables(engine, ["households"], view=RosterView(Q2, third))["households"]["household_no"]) \
        == ["H1", "H2", "H3"]


def test_a_failed_rerun_keeps_what_the_last_completed_run_read(engine):
    """What the last completed run of a period read is the baseline of the next run's revised records: a
    rerun that fails in between must not lose it (the run's row is replaced when it starts again)."""
    from tasks.runs.record import campaign_run_id, finish_run, last_completed, start_run

    run_id = start_run(engine, "assessment", "2023", watermark=5)
    finish_run(engine, run_id, "completed")
    assert last_completed(engine, run_id)["watermark"] == 5
    start_run(engine, "assessment", "2023", watermark=9)
    finish_run(engine, run_id, "failed", error="boom")
    assert last_completed(engine, campaign_run_id("assessment", "2023"))["watermark"] == 5

"""Time, as the campaigns live it (issue 18), on SQLite and PostgreSQL: a published period never changes by
itself; events after a period stay out of it; a correction of its own records is listed as a revision; a
period read again at its published watermark gives its published figures."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from support.release_helpers import auto_approved

from flows.assessment import annual_assessment
from flows.release import press_release
from tasks.assessment.params import AssessmentParams
from tasks.reference.provinces import parse_provinces
from tasks.release.params import ReleaseParams
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.storage.history_write import write_versions
from tasks.storage.reads import read_table
from tasks.storage.versions import open_batch
from tasks.synthetic.seed import seed_database

PROVINCES = "52,53"


@pytest.fixture
def roster(db_url, prefect_harness):
    engine = build_engine()
    db.upgrade(engine)
    seed_database(engine, 1500, parse_provinces(PROVINCES), year=2023, seed=11)
    yield engine
    engine.dispose()


def record(engine, rows: pd.DataFrame, day: date) -> None:
    """Rows sent by a county on `day`, written as the ingest writes them (tasks.ingest.load)."""
    with engine.begin() as conn:
        batch = open_batch(conn, f"test {day}", datetime.combine(day, datetime.min.time()))
        write_versions(conn, "households", rows, batch_id=batch, recorded_on=day)


def households(engine) -> pd.DataFrame:
    return read_table(engine, "households")


def third_quarter_events(engine) -> None:
    """Identifications in August and eliminations in September, sent in September."""
    h = households(engine)
    new = h[h["monitoring_type"].isna() & h["province_code"].eq("52")].head(3).assign(
        monitoring_type="marginal", identified_on=pd.Timestamp("2023-08-10"), risk_status="at_risk",
        risk_code_1="01")
    ended = h[h["risk_status"].eq("at_risk") & h["province_code"].eq("52")].head(2).assign(
        risk_status="eliminated", elimination_way="assisted", eliminated_on=pd.Timestamp("2023-09-05"))
    record(engine, pd.concat([new, ended]), date(2023, 9, 20))


def correct_a_second_quarter_identification(engine) -> str:
    """A household of 53 recorded as identified in May was identified in July: its date is corrected."""
    h = households(engine)
    q2 = h[h["province_code"].eq("53") & h["identified_on"].between("2023-04-01", "2023-06-30")
           & h["risk_status"].eq("at_risk")].head(1)
    assert len(q2) == 1
    record(engine, q2.assign(identified_on=pd.Timestamp("2023-07-15")), date(2023, 10, 8))
    return q2["household_no"].iloc[0]


def published(engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT version, figures, watermark, path FROM releases "
                                    "WHERE status = 'published' ORDER BY version")).mappings().all()
    return [{**r, "figures": r["figures"] if isinstance(r["figures"], dict) else json.loads(r["figures"])}
            for r in rows]


def test_a_published_quarter_changes_only_by_its_own_corrections(roster):
    first = auto_approved("2023Q2")
    assert first["status"] == "published"
    [v1] = published(roster)
    assert v1["watermark"] is not None
    manifest = json.loads((Path(first["path"]) / "manifest.json").read_text("utf-8"))
    assert manifest["roster"]["watermark"] == v1["watermark"] and manifest["roster"]["as_of"] == "2023-06-30"

    third_quarter_events(roster)
    again = auto_approved("2023Q2")
    assert again["status"] == "unchanged"  # events of the next quarter are outside the second

    corrected = correct_a_second_quarter_identification(roster)
    revised = auto_approved("2023Q2", "53 更正识别时间")
    assert revised["status"] == "published" and revised["version"] == 2
    v1, v2 = published(roster)
    differing = {k for k in v1["figures"].keys() | v2["figures"].keys() if v1["figures"].get(k) != v2["figures"].get(k)}
    assert differing and {k.split(":")[0] for k in differing} == {"00", "53"}, differing
    assert v2["figures"]["53:monitored_households"] == v1["figures"]["53:monitored_households"] - 1
    manifest = json.loads((Path(revised["path"]) / "manifest.json").read_text("utf-8"))
    assert manifest["roster"]["revision_of"] == 1
    assert manifest["roster"]["records_changed"] == ["53 云南省: 农户 更正 1"], manifest["roster"]
    assert corrected not in json.dumps(manifest, ensure_ascii=False)  # counts, not rows, reach the release

    # Read again as v1 read the roster, the quarter gives v1's figures, whatever was recorded since.
    check = press_release(ReleaseParams(period="2023Q2", as_published=1))
    assert check["status"] == "reproduced" and check["differing"] == []
    assert press_release(ReleaseParams(period="2023Q2", as_published=2))["status"] == "reproduced"


def test_a_backfilled_first_quarter_sees_its_own_state(roster):
    before = press_release(ReleaseParams(period="2023Q1", dry_run=True))["figures"]
    h = households(roster)
    # Second-quarter events recorded since: identifications in May, a changed 公益岗位 (news of 20 May).
    may = h[h["monitoring_type"].isna()].head(4).assign(monitoring_type="sudden", risk_status="at_risk",
                                                        identified_on=pd.Timestamp("2023-05-12"))
    record(roster, may, date(2023, 5, 20))
    persons = read_table(roster, "persons")
    job = persons[persons["public_welfare_job"].eq(False)].head(5).assign(public_welfare_job=True)
    with roster.begin() as conn:
        batch = open_batch(conn, "test persons", datetime(2023, 5, 20))
        write_versions(conn, "persons", job, batch_id=batch, recorded_on=date(2023, 5, 20))
    after = press_release(ReleaseParams(period="2023Q1", dry_run=True))["figures"]
    assert {k: v["value"] for k, v in after.items()} == {k: v["value"] for k, v in before.items()}
    second = press_release(ReleaseParams(period="2023Q2", dry_run=True))["figures"]
    assert second["monitored_households"]["value"] >= before["monitored_households"]["value"] + 4


def test_an_assessment_run_again_later_is_the_same_unless_its_year_was_corrected(roster, tmp_path):
    params = AssessmentParams(year=2023, provinces=["52 贵州省", "53 云南省"], dry_run=True)
    first = annual_assessment(params.model_copy(update={"dry_run": False}))  # completed: its watermark recorded
    # March 2024: events of 2024 (identifications, eliminations) are recorded.
    h = households(roster)
    record(roster, h[h["monitoring_type"].isna()].head(5).assign(
        monitoring_type="marginal", risk_status="at_risk", identified_on=pd.Timestamp("2024-02-20")),
        date(2024, 3, 5))
    again = annual_assessment(params)
    assert again["provinces"] == first["provinces"] and again["revised_records"] == []
    h = households(roster)
    wrong = h[h["province_code"].eq("53") & h["identified_on"].between("2023-01-01", "2023-12-31")
              & h["risk_status"].eq("at_risk")].head(3)
    record(roster, wrong.assign(identified_on=pd.Timestamp("2024-01-10")), date(2024, 3, 20))  # not of 2023
    corrected = annual_assessment(params)
    assert corrected["provinces"]["52"] == first["provinces"]["52"]
    assert corrected["provinces"]["53"] != first["provinces"]["53"]
    assert corrected["revised_records"] == ["53 云南省: 农户 更正 3"]

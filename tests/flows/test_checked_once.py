"""Each row is checked once, where it arrives: a campaign takes what ingest (or the seed) recorded, checks again
only what its rules changed for, and a rerun with nothing changed checks no row, rewrites no workbook of rows
set aside and tells nobody again."""

import asyncio
import json
from datetime import datetime

import openpyxl
import pandas as pd
import sqlalchemy as sa

from deployments.board import board
from flows.screening import concentrated_screening
from tasks.outputs.set_aside import write_set_aside
from tasks.reference.provinces import province_name
from tasks.screening.params import ScreeningParams

FOLDER = ("screening", "2023", "progress-2023-06-30", "隔离行")


def params(recompute: bool = False) -> ScreeningParams:
    return ScreeningParams(year=2023, provinces=["52 贵州省", "53 云南省"], as_of="2023-06-30", recompute=recompute)


def rechecked(engine) -> dict[str, int]:
    """Rows each `recheck` stage of the screening's runs checked again (0 stages: none)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT stage, MAX(element_count) FROM quality_results WHERE stage LIKE 'recheck %' GROUP BY stage"))
        return {stage.removeprefix("recheck "): int(n or 0) for stage, n in rows}


def workbooks(tmp_path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in tmp_path.joinpath("outputs", *FOLDER).glob("*.xlsx")}


def outbox(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT COUNT(*) FROM outbox")).scalar_one()


def test_a_rerun_checks_no_row_rewrites_no_workbook_and_tells_nobody(prefect_harness, two_provinces, tmp_path):
    engine, report = two_provinces
    first = concentrated_screening(params())
    # The seed recorded each row's check: the first run takes them as recorded, and sets the failing ones aside.
    assert first["rows_rechecked"] == 0 and rechecked(engine) == {}
    assert sum(first["quarantined"].values()) > 0
    for table, counts in first["inputs"].items():
        assert counts["loaded"] + counts["quarantined"] == counts["read"] == report.rows[table]
    written, messages = workbooks(tmp_path), outbox(engine)
    assert len(written) > 2  # counties' and the two provinces'

    again = concentrated_screening(params(recompute=True))  # worked out again, not the answer given again

    assert again["rows_rechecked"] == 0 and rechecked(engine) == {}
    assert again["quarantined"] == first["quarantined"] and again["inputs"] == first["inputs"]
    assert again["new_candidates"] == first["new_candidates"]
    assert workbooks(tmp_path) == written  # not one rewritten
    assert outbox(engine) == messages  # nobody told again

    # A household recorded as failing where it arrived is corrected: it was listed then, not by these runs,
    # so no workbook is written again; the run holds back one row fewer for its county.
    corrected = pd.read_sql(sa.text("SELECT household_no, county_code FROM households WHERE check_reasons IS NOT NULL "
                                    "ORDER BY household_no LIMIT 1"), engine).iloc[0]
    county = corrected["county_code"]
    before = held_back(engine, again["run_id"])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE households SET check_reasons = NULL WHERE household_no = :h"),
                     {"h": corrected["household_no"]})
    # This edit records no batch (a county's corrected file would, and be new inputs): work it out again.
    third = concentrated_screening(params(recompute=True))
    assert workbooks(tmp_path) == written
    assert held_back(engine, third["run_id"]) == {c: n - (c == county) for c, n in before.items() if n - (c == county)}

    # A person read with another's 证件号码: found at this read, so only its county's workbook and its
    # province's are written again.
    person = pd.read_sql(sa.text("SELECT p.person_no, h.county_code FROM persons p JOIN households h "
                                 "USING (household_no) WHERE p.check_reasons IS NULL AND h.check_reasons IS NULL "
                                 "ORDER BY p.person_no LIMIT 2"), engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE persons SET id_number = (SELECT id_number FROM persons WHERE person_no = :a) "
                             "WHERE person_no = :b"), {"a": person["person_no"][0], "b": person["person_no"][1]})
    concentrated_screening(params(recompute=True))
    now = workbooks(tmp_path)
    touched = {name for name in written.keys() | now.keys() if written.get(name) != now.get(name)}
    county = person["county_code"][1]
    assert touched and all(name.startswith(county) or (name.startswith(county[:2]) and "全省" in name)
                           for name in touched)


def test_a_county_flagged_anew_leaves_its_province_rows_workbook_as_it_was(prefect_harness, two_provinces, tmp_path):
    """A new as-of day moves the counties' indicators, hence their flags: the flagged county's workbook (its
    sheet 异常值提示) and its province's workbook of flags are written again, not the province's workbook of
    every row set aside (at 1 M, a few hundred thousand cells per province, each day)."""
    engine, _ = two_provinces
    first = concentrated_screening(params())
    written = workbooks(tmp_path)
    assert any(name.endswith("（全省）.xlsx") for name in written)
    with engine.begin() as conn:
        # A county with no row listed by the run but a file received: its completeness is the flags' too.
        county, indicator = conn.execute(sa.text(
            "SELECT county_code, indicator FROM county_indicators WHERE campaign_run_id = :r AND outlier IS NULL "
            "AND county_code NOT IN (SELECT county_code FROM quarantined_rows WHERE campaign_run_id = :r "
            "AND NOT found_before AND county_code IS NOT NULL) ORDER BY county_code, indicator LIMIT 1"),
            {"r": first["run_id"]}).one()
        conn.execute(sa.text(
            "INSERT INTO ingested_files (sha256, file_name, kind, status, county_code, rows_read, rows_loaded, "
            "rows_quarantined, received_at, ingested_at) VALUES (:h, :f, 'households', 'loaded', :c, 12, 12, 0, "
            ":t, :t)"), {"h": "f" * 64, "f": f"{county}农户.csv", "c": county, "t": datetime(2023, 6, 20)})
        conn.execute(sa.text("UPDATE county_indicators SET outlier = '与本县以往各期相差较大，请核实' "
                             "WHERE campaign_run_id = :r AND county_code = :c AND indicator = :i"),
                     {"r": first["run_id"], "c": county, "i": indicator})

    write_set_aside(engine, [first["run_id"]], tmp_path.joinpath("outputs", *FOLDER[:-1]), campaign="screening")

    now = workbooks(tmp_path)
    touched = {name for name in written.keys() | now.keys() if written.get(name) != now.get(name)}
    flags = f"{county[:2]}{province_name(county[:2])}（全省）异常值提示.xlsx"
    assert len(touched) == 2 and flags in touched and any(name.startswith(county) for name in touched)
    book = openpyxl.load_workbook(tmp_path.joinpath("outputs", *FOLDER, flags))
    assert any(row[1] == county for row in book["异常值提示"].iter_rows(min_row=2, values_only=True))
    assert any(row[2] == county for row in book["报送完整性"].iter_rows(min_row=2, values_only=True))


def test_a_workbook_standing_in_next_weeks_folder_is_never_written_through(prefect_harness, two_provinces,
                                                                            tmp_path):
    """Next week's folder holds the workbooks that stand as a second name of last week's files (a copy each
    cost a second at 1 M): when next week's are written again, last week's stay as they were."""
    engine, _ = two_provinces
    week = ScreeningParams(year=2023, provinces=["52 贵州省", "53 云南省"], as_of="2023-06-23")
    concentrated_screening(week)
    last_folder = tmp_path.joinpath("outputs", "screening", "2023", "progress-2023-06-23", "隔离行")
    last_week = {p.name: p.stat().st_mtime_ns for p in last_folder.glob("*.xlsx")}
    concentrated_screening(params())
    assert last_week and set(workbooks(tmp_path)) >= set(last_week)
    next_folder = tmp_path.joinpath("outputs", *FOLDER)
    standing = [name for name, at in last_week.items() if next_folder.joinpath(name).stat().st_mtime_ns == at]
    assert standing and all(next_folder.joinpath(name).stat().st_nlink == 2 for name in standing)  # linked
    with engine.begin() as conn:  # forgotten: each workbook is written again
        conn.execute(sa.text("DELETE FROM set_aside_workbooks"))

    concentrated_screening(params(recompute=True))

    assert {p.name: p.stat().st_mtime_ns for p in last_folder.glob("*.xlsx")} == last_week
    assert all(workbooks(tmp_path)[name] > written for name, written in last_week.items())


def held_back(engine, run_id: str) -> dict[str, int]:
    """Per county, the rows a run set aside as recorded before it (not listed again)."""
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT county_code, COUNT(*) FROM quarantined_rows WHERE campaign_run_id = :r AND found_before "
            "GROUP BY county_code"), {"r": run_id}).all())


def test_changed_rules_recheck_the_rows_they_read_once(prefect_harness, two_provinces, tmp_path):
    """A county added to the reference list changes the rules that read it (households', leads') and no
    other: the next run checks those tables' rows again, once, and records them; the run after checks none."""
    engine, report = two_provinces
    first = concentrated_screening(params())
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO counties (code, name, province_code, is_former_poor, is_key_assistance) "
                             "VALUES ('529999', '测试新设县', '52', 0, 0)"))

    again = concentrated_screening(params())

    assert set(rechecked(engine)) == {"households", "leads"}
    assert rechecked(engine)["households"] == report.rows["households"]
    assert again["rows_rechecked"] == report.rows["households"] + report.rows["leads"]
    assert again["quarantined"] == first["quarantined"]  # the same rules, read anew: the same rows set aside
    said = [row.detail for row in board(engine, live=False) if row.campaign == "screening" and row.period == "2023"]
    assert f"按新规则复查 {again['rows_rechecked']:,} 行" in said[0]  # the period board says so

    third = concentrated_screening(params(recompute=True))

    assert third["rows_rechecked"] == 0 and rechecked(engine) == {}
    assert third["quarantined"] == first["quarantined"]


def test_a_rerun_with_the_same_inputs_gives_the_answer_again(prefect_harness, two_provinces, tmp_path):
    """A period run again with the same roster, rules, reference data and parameters gives the answer of
    its last completed run, works nothing out and writes nothing again; a county's new file, or an output
    gone from the folder, and it works the answer out again."""
    from support.ingest_files import LEAD_HEADER_ZH, lead_rows, write_csv

    from tasks.ingest.load import ingest_file

    engine, _ = two_provinces
    folder = tmp_path.joinpath("outputs", *FOLDER[:-1])
    first = concentrated_screening(params())
    outputs = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    messages = outbox(engine)

    again = concentrated_screening(params())

    assert again["answered_by"] and "answered_by" not in first
    assert {k: v for k, v in again.items() if k != "answered_by"} == first
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == outputs  # nothing written
    assert outbox(engine) == messages
    with engine.connect() as conn:
        ends = [json.loads(p) if isinstance(p, str) else p for (p,) in conn.execute(sa.text(
            "SELECT parameters FROM audit_events WHERE action = 'run.finished' ORDER BY id"))]
    assert [e["status"] for e in ends] == ["completed", "completed"] and ends[1]["answered_by"]
    assert ends[0]["inputs_digest"] == ends[1]["inputs_digest"]
    said = [row.detail for row in board(engine, live=False) if row.campaign == "screening" and row.period == "2023"]
    assert f"沿用 {again['answered_by']} 的结果" in said[0]  # the period board says so

    county = pd.read_sql(sa.text("SELECT code FROM counties WHERE province_code = '52' ORDER BY code"),
                         engine)["code"][0]
    ingest_file(engine, write_csv(tmp_path / f"{county}-问题线索.csv", LEAD_HEADER_ZH, lead_rows(county, 3)),
                kind="leads", output_dir=tmp_path / "ingest")
    fresh = concentrated_screening(params())
    assert "answered_by" not in fresh and fresh["leads"]["total"] == first["leads"]["total"] + 3

    next(folder.rglob("provinces/*.xlsx")).unlink()
    assert "answered_by" not in concentrated_screening(params())
    assert concentrated_screening(params())["answered_by"]


def test_a_row_set_aside_at_ingest_never_reaches_the_lists(prefect_harness, two_provinces, tmp_path):
    """A county's file of leads, one of which fails a rule of its own: set aside at ingest, never in the
    roster, so in no list of the campaign, while its sound neighbour is; the campaign's artifact still counts
    it for its county.

    And (issue 34) a household the county's file brought, sound on its own, set aside when the campaign reads
    the roster (no member is its head): the county's workbook names that file and the line, as the ingest's
    workbook would, so the county finds the row where it sent it. Rows of no file name the roster table."""
    import openpyxl
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort
    from support.ingest_files import LEAD_HEADER_ZH, lead_rows, write_csv

    from tasks.ingest.load import ingest_file
    from tasks.outputs.set_aside import set_aside_rows

    engine, _ = two_provinces
    counties = pd.read_sql(sa.text("SELECT code FROM counties WHERE province_code = '52' ORDER BY code"), engine)
    county = counties["code"][0]
    households = write_csv(tmp_path / "农户-新增.csv", ["户编号", "县代码", "家庭人口数"],
                           [[f"{county}93000001", county, "2"], [f"{county}93000002", county, "3"]])
    assert ingest_file(engine, households, kind="households", output_dir=tmp_path / "ingest").loaded == 2
    rows = lead_rows(county, 2)
    rows[1][1] = "托梦"  # no channel of the code table
    path = write_csv(tmp_path / f"{county}-问题线索.csv", LEAD_HEADER_ZH, rows)
    report = ingest_file(engine, path, kind="leads", output_dir=tmp_path / "ingest")
    assert (report.loaded, report.quarantined) == (1, 1)
    sound, failed = rows[0][0], rows[1][0]

    summary = concentrated_screening(params())

    listed = set(pd.read_sql(sa.text("SELECT lead_no FROM screening_findings"), engine)["lead_no"].dropna())
    assert sound in listed and failed not in listed
    assert summary["rows_rechecked"] == 0  # the file's row was checked as it arrived, and recorded

    async def by_county():
        async with get_client() as client:
            found = await client.read_artifacts(artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["screening-set-aside-by-county"])), sort=ArtifactSort.CREATED_DESC)
            return found[0].data  # this run's: the test server is the session's

    data = asyncio.run(by_county())
    table = json.loads(data) if isinstance(data, str) else data
    of_county = next(row for row in table if row["县代码"] == county)
    assert of_county["报送时隔离行数"] == 1
    # The seeded rows recorded as failing their own rules: held back from the lists and counted for their
    # county, not listed again (their list is where they arrived).
    counted = held_back(engine, summary["run_id"])
    before = "此前查出仍隔离行数"
    assert counted and {row["县代码"]: row[before] for row in table if row[before]} == counted

    rows = set_aside_rows(engine, [summary["run_id"]])
    brought = rows[rows["key"].isin([f"{county}93000001", f"{county}93000002"])]
    assert sorted(zip(brought["来源文件"], brought["文件行号"], strict=True)) == [("农户-新增.csv", 2),
                                                                                ("农户-新增.csv", 3)]
    assert all("户主" in problem for problem in brought["问题"])
    with engine.connect() as conn:
        recorded = set(conn.execute(sa.text("SELECT household_no FROM households WHERE check_reasons IS NOT NULL"
                                            " UNION SELECT person_no FROM persons WHERE check_reasons IS NOT NULL"))
                       .scalars())
    assert not recorded & set(rows["key"])  # none listed again
    seeded = rows[~rows["key"].isin(brought["key"]) & rows["kind"].eq("家庭成员")]  # found at this read
    assert len(seeded) and seeded["来源文件"].eq("名册·家庭成员").all() and seeded["文件行号"].isna().all()
    # The screening reads the columns its rules need; a row it sets aside is listed whole, as submitted.
    from tasks.screening.core import READS

    assert "ethnicity" not in READS["persons"] and all("ethnicity" in cells for cells in seeded["cells"])
    book = next(tmp_path.joinpath("outputs", *FOLDER).glob(f"{county}*.xlsx"))
    sheets = openpyxl.load_workbook(book, read_only=True)
    found = [row[4:6] for name in sheets.sheetnames if name.startswith("农户")
             for row in sheets[name].iter_rows(min_row=2, values_only=True)]
    assert ("农户-新增.csv", 2) in found and ("农户-新增.csv", 3) in found

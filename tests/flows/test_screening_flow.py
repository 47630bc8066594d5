"""The screening flow on seeded data, under the Prefect test harness."""

import json

import pandas as pd
import pytest
import sqlalchemy as sa
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from flows.screening import concentrated_screening
from tasks.reference.provinces import parse_provinces
from tasks.screening.params import ScreeningParams
from tasks.settings import get_settings
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.synthetic.seed import seed_database


def params(**extra) -> ScreeningParams:
    values = {"year": 2023, "provinces": ["52 贵州省", "53 云南省"], "as_of": "2023-06-30", **extra}
    return ScreeningParams(**values)


def findings(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text("SELECT province_code, list_name, household_no, lead_no, category "
                                   "FROM screening_findings ORDER BY list_name, household_no, lead_no"), conn)


def test_screening_finds_quarantines_reports_and_reruns_idempotently(prefect_harness, two_provinces, tmp_path,
                                                                     monkeypatch):
    engine, report = two_provinces
    summary = concentrated_screening(params())
    folder = tmp_path / "outputs" / "screening" / "2023" / "progress-2023-06-30"
    on_disk = json.loads((folder / "summary.json").read_text("utf-8"))
    assert on_disk["new_candidates"]["total"] == summary["new_candidates"]["total"] > 0
    assert set(on_disk["provinces"]) == {"52", "53"}
    assert set(on_disk["leads"]) >= {"total", "by_channel", "matched", "unmatched", "overdue", "late_accepted"}
    assert set(on_disk["coverage_gaps"]) == {"labour_without_development", "no_labour_without_safety_net"}
    for table in ("households", "persons", "measures", "leads"):
        counts = on_disk["inputs"][table]
        assert counts["loaded"] + counts["quarantined"] == counts["read"] == report.rows[table]
        assert counts["quarantined"] > 0 or table == "leads"
    leads = on_disk["leads"]
    assert leads["matched"] + leads["unmatched"] + leads["dismissed"] == leads["total"]
    for name in ("new_candidates", "unmatched_leads", "coverage_gaps"):
        assert (folder / f"{name}.csv").exists()
    assert (folder / "screening.xlsx").exists()
    for private in (folder, folder / "provinces"):  # household lists: readable by the owner only
        assert private.stat().st_mode & 0o777 == 0o700
    import openpyxl

    candidates = pd.read_csv(folder / "new_candidates.csv", dtype=str)
    for code, name in (("52", "贵州省"), ("53", "云南省")):
        book = openpyxl.load_workbook(folder / "provinces" / f"{code}-{name}.xlsx", read_only=True)
        assert book.sheetnames[0] == "新识别监测对象候选"
        rows = list(book["新识别监测对象候选"].iter_rows(values_only=True))
        assert rows[0][0] == "省代码" and len(rows) - 1 == (candidates["省代码"] == code).sum() > 0
        # As people read it: names beside codes, 户编号 as text, amounts as numbers in a thousands format.
        sheet = openpyxl.load_workbook(folder / "provinces" / f"{code}-{name}.xlsx")["新识别监测对象候选"]
        header = [c.value for c in sheet[1]]
        assert header[:5] == ["省代码", "省份", "户编号", "县代码", "县名称"] and sheet.freeze_panes == "A2"
        first = dict(zip(header, sheet[2], strict=True))
        assert first["省份"].value == name and first["县名称"].value and first["户编号"].data_type == "s"
        income = first["家庭人均纯收入"]
        assert isinstance(income.value, int | float) and income.number_format == "#,##0"
    table = openpyxl.load_workbook(folder / "screening.xlsx")["省级汇总"]
    body = list(table.iter_rows(values_only=True))
    assert body[-1][0] == "合计" and body[-1][2] == sum(r[2] for r in body[1:-1]) == on_disk["leads"]["total"]
    text = " ".join(p.read_text("utf-8", errors="ignore") for p in folder.rglob("*") if p.suffix in {".csv", ".json"})
    with engine.connect() as conn:
        ids = set(conn.execute(sa.text("SELECT id_number FROM persons WHERE id_number IS NOT NULL")).scalars())
    assert not any(i in text for i in ids)

    with engine.connect() as conn:  # every quarantined row kept, for each province (none replaced another's)
        stored = pd.read_sql(sa.text("SELECT province_code, source FROM quarantined_rows WHERE stage LIKE "
                                     "'validate %'"), conn)
    assert set(stored["province_code"]) == {"52", "53"}
    for table in ("households", "persons", "measures", "leads"):
        assert (stored["source"] == table).sum() == on_disk["inputs"][table]["quarantined"]
    from tasks.outputs.set_aside import UNKNOWN_COUNTY, set_aside_rows

    listed = set_aside_rows(engine, [on_disk["run_id"]])  # persons and measures under their household's county
    persons = listed[listed["来源文件"] == "名册·家庭成员"]  # seeded: no file, the roster table
    assert len(persons) and (persons["县代码"] != UNKNOWN_COUNTY).mean() > 0.5
    assert (folder / "隔离行").stat().st_mode & 0o777 == 0o700
    county_book = next(p for p in sorted((folder / "隔离行").glob("*.xlsx")) if p.name[:6].isdigit())
    book = openpyxl.load_workbook(county_book)
    assert set(book.sheetnames) <= {"农户", "家庭成员", "帮扶措施", "问题线索", "报送完整性", "异常值提示"}
    from tasks.outputs.set_aside import NONE_RECEIVED

    received = [[c.value for c in row] for row in book["报送完整性"].iter_rows(min_row=2)]
    assert received == [[county_book.name[:2], received[0][1], county_book.name[:6], received[0][3], NONE_RECEIVED,
                         0, 0, 0, 0, 0, None]]  # seeded: no file came from this county, and the sheet says so
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert "原表·户编号" in header and not any(h.isascii() for h in header)  # the roster's rows in Chinese too
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert not any(isinstance(v, str) and "T00:00:00" in v for v in values)
    assert not any(v is True or v is False for v in values)  # 是/否, not TRUE/FALSE
    from tasks.outputs.set_aside import LABELS

    stored_codes = {code for labels in LABELS.values() for code in labels if not code.isdigit()}
    every_book = [openpyxl.load_workbook(p) for p in sorted((folder / "隔离行").glob("*.xlsx"))[:40]]
    cells = {c.value for b in every_book for ws in b.worksheets for row in ws.iter_rows(min_row=2) for c in row}
    assert not cells & stored_codes  # 子女 and 社会帮扶 as the county wrote them, not child and social

    first = findings(engine)
    assert len(first) > 0
    books = _workbooks(folder / "隔离行")
    # The same run again, its rows set aside now written by two worker processes, a share of the provinces
    # each (flows.set_aside): the same findings, no duplicates, and the same workbooks. The digests of the
    # workbooks written are forgotten: each is to be written again (else nothing is, and no worker starts).
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM set_aside_workbooks"))
    monkeypatch.setenv("CAMPAIGNS_SET_ASIDE_PARALLEL_ROWS", "1")
    monkeypatch.setenv("CAMPAIGNS_WORKERS", "2")
    get_settings.cache_clear()
    again = concentrated_screening(params(), return_state=True)
    pd.testing.assert_frame_equal(findings(engine), first)
    assert len(books) > 2 and _workbooks(folder / "隔离行") == books
    with get_client(sync_client=True) as client:
        names = {r.name for r in client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[again.state_details.flow_run_id])))}
    assert {"set-aside workbooks 52", "set-aside workbooks 53"} <= names


def _workbooks(folder) -> dict[str, list]:
    """Each workbook's sheets and values, by file name."""
    import openpyxl

    return {path.name: [(sheet.title, list(sheet.iter_rows(values_only=True)))
                        for sheet in openpyxl.load_workbook(path, read_only=True).worksheets]
            for path in sorted(folder.glob("*.xlsx"))}


def test_dry_run_writes_nothing_and_notifies_nobody(prefect_harness, two_provinces, tmp_path):
    engine, _ = two_provinces
    summary = concentrated_screening(params(dry_run=True))
    assert summary["new_candidates"]["total"] > 0
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM screening_findings")).scalar() == 0
        assert conn.execute(sa.text("SELECT COUNT(*) FROM outbox")).scalar() == 0
        assert conn.execute(sa.text("SELECT COUNT(*) FROM quarantined_rows")).scalar() == 0
    assert not (tmp_path / "outputs" / "screening").exists()


def test_progress_compares_with_the_previous_week(prefect_harness, two_provinces, tmp_path):
    concentrated_screening(params(as_of="2023-05-01"))
    summary = concentrated_screening(params(as_of="2023-06-30"))
    assert summary["progress"]["previous_as_of"] == "2023-05-01"
    assert set(summary["progress"]["new"]) >= {"new_candidates", "unmatched_leads"}
    lines = (tmp_path / "outputs" / "outbox.jsonl").read_text("utf-8")
    assert "较上次进展" in lines


def test_a_province_with_no_roster_stops_with_its_reason_and_a_report(prefect_harness, tmp_path):
    """Before, the report of a run whose only province stopped failed with KeyError('leads'): the
    coordinator saw a traceback instead of why the province stopped."""
    from tasks.runs.check import StageFailed

    db.upgrade(build_engine())  # the tables exist, no county has submitted yet
    with pytest.raises(StageFailed, match=r"1 province\(s\) stopped: 52: .*households\.not_empty"):
        concentrated_screening(params(provinces=["52 贵州省"], mode="close_out"))
    folder = tmp_path / "outputs" / "screening" / "2023" / "close_out-2023-06-30"
    summary = json.loads((folder / "summary.json").read_text("utf-8"))
    assert summary["failed_provinces"].keys() == {"52"} and summary["provinces"] == {}
    assert summary["leads"]["total"] == 0 and summary["new_candidates"] == {"total": 0, "by_type": {}}
    assert summary["coverage_gaps"] == {"labour_without_development": 0, "no_labour_without_safety_net": 0}


def test_close_out_sees_leads_of_the_as_of_day_as_they_stood_then(prefect_harness, tmp_path):
    """The close-out runs after 30 June. A lead reported on the 30th, and one verified since, are no defect:
    both are counted in the window, the second as pending (it was, on the 30th), and neither makes a verified
    lead's candidate. Before, both were quarantined as "in the future" (compared with the start of the 30th)."""
    engine = build_engine()
    db.upgrade(engine)
    seed_database(engine, 600, parse_provinces("52"), output_dir=tmp_path)
    with engine.begin() as conn:
        person = conn.execute(sa.text(
            "SELECT p.id_number, p.household_no, h.county_code FROM persons p JOIN households h "
            "ON h.household_no = p.household_no WHERE h.monitoring_type IS NULL AND p.id_number IS NOT NULL "
            "ORDER BY p.person_no LIMIT 1")).one()
        common = {"channel": "self_report", "province_code": "52", "county_code": person.county_code,
                  "id_number": person.id_number, "risk_code": "01"}
        conn.execute(sa.text(
            "INSERT INTO leads (lead_no, channel, province_code, county_code, id_number, risk_code, reported_at, "
            "accepted_at, verified_at, status, outcome) VALUES (:lead_no, :channel, :province_code, :county_code, "
            ":id_number, :risk_code, :reported_at, :accepted_at, :verified_at, :status, :outcome)"), [
            {**common, "lead_no": "T-SAME-DAY", "reported_at": "2023-06-30 10:00:00", "accepted_at": None,
             "verified_at": None, "status": "pending", "outcome": None},
            {**common, "lead_no": "T-VERIFIED-SINCE", "reported_at": "2023-06-30 15:00:00",
             "accepted_at": "2023-06-30 16:00:00", "verified_at": "2023-07-01 10:00:00", "status": "verified",
             "outcome": "identified"}])
    summary = concentrated_screening(params(provinces=["52 贵州省"], mode="close_out"))
    with engine.connect() as conn:
        quarantined = set(conn.execute(sa.text("SELECT row_key FROM quarantined_rows")).scalars())
        details = conn.execute(sa.text("SELECT details FROM screening_findings WHERE list_name = 'new_candidates' "
                                       "AND household_no = :h"), {"h": person.household_no}).scalars().all()
    assert not {"T-SAME-DAY", "T-VERIFIED-SINCE"} & quarantined
    assert summary["leads"]["by_channel"]["self_report"] >= 2 and summary["leads"]["matched"] >= 2
    rules_met = [(json.loads(d) if isinstance(d, str) else d)["rules_met"] for d in details]
    assert not any("verified_lead" in r for r in rules_met)  # pending on the 30th: no verified lead yet


def test_provinces_screened_together_find_what_each_finds_alone(prefect_harness, two_provinces, monkeypatch):
    """A partition screens its provinces together, yet a lead matches only its own province's roster: a lead
    of 贵州 naming a 云南 person, or a 云南 户编号, stays unmatched (to visit), as when each province was a
    partition of its own; the same number reported in 云南 is matched. Every finding is the same either way."""
    from datetime import date, datetime

    from tasks.privacy import id_number_problems
    from tasks.storage.history_write import write_versions
    from tasks.storage.reads import read_table
    from tasks.storage.versions import open_batch

    engine, _ = two_provinces
    leads, persons = read_table(engine, "leads"), read_table(engine, "persons")
    in_window = leads[leads["reported_at"].between(pd.Timestamp("2023-04-01"), pd.Timestamp("2023-06-20"))]
    valid = persons[(persons["province_code"] == "53") & id_number_problems(persons["id_number"]).isna()
                    & ~persons["id_number"].duplicated(keep=False)]
    person = valid.iloc[0]
    added = pd.concat([in_window[in_window["province_code"] == "52"].head(2),
                       in_window[in_window["province_code"] == "53"].head(1)], ignore_index=True)
    added = added.assign(lead_no=["X52-ID", "X52-HH", "X53-ID"], id_number=[person.id_number, None, person.id_number],
                         household_no=[None, person.household_no, None], name=None, phone=None,
                         status="pending", outcome=None, verified_at=pd.NaT)
    with engine.begin() as conn:
        batch = open_batch(conn, "test 2023-06-21", datetime(2023, 6, 21))
        write_versions(conn, "leads", added, batch_id=batch, recorded_on=date(2023, 6, 21))

    accounted = {}
    monkeypatch.setenv("CAMPAIGNS_WORKERS", "1")  # partitions one after another, in the test's process
    for budget in ("150000", "100"):  # both provinces in one partition; then each in its own
        monkeypatch.setenv("CAMPAIGNS_PARTITION_HOUSEHOLDS", budget)
        get_settings.cache_clear()
        concentrated_screening(params(mode="close_out"))
        accounted[budget] = findings(engine)
    together, alone = accounted["150000"], accounted["100"]
    pd.testing.assert_frame_equal(together, alone)
    unmatched = set(together.loc[together["list_name"] == "unmatched_leads", "lead_no"])
    assert {"X52-ID", "X52-HH"} <= unmatched and "X53-ID" not in unmatched

"""Ingest of county submissions on real files: encodings, layouts, value spellings, broken files, reruns."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from support.ingest_files import (
    LEAD_HEADER_EN,
    LEAD_HEADER_ZH,
    csv_bytes,
    lead_rows,
    valid_id,
    write_csv,
    write_xlsx,
)

from tasks.ingest.load import ingest_file
from tasks.model import AuditEvent, IngestedFile, Lead, QuarantinedRow
from tasks.reference.provinces import parse_provinces
from tasks.storage.reads import read_table
from tasks.synthetic.seed import seed_database

TODAY = date(2024, 1, 15)


@pytest.fixture
def roster(engine):
    """A small seeded roster of 贵州 (its counties are the known ones)."""
    seed_database(engine, 40, parse_provinces("52"), seed=7)
    return engine


@pytest.fixture
def county(roster) -> str:
    return read_table(roster, "households")["county_code"].iloc[0]


def ingest(engine, path: Path, **kwargs):
    report = ingest_file(engine, path, output_dir=path.parent / "out", today=TODAY, **kwargs)
    if report.status == "loaded":
        assert report.rows_read == report.loaded + report.quarantined
        assert _quarantined(engine, report.run_id) == report.quarantined
    return report


def _quarantined(engine, run_id: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(QuarantinedRow)
                            .where(QuarantinedRow.campaign_run_id == run_id)).scalar_one()


def _leads(engine) -> pd.DataFrame:
    return read_table(engine, "leads").set_index("lead_no")


def test_gbk_csv_with_chinese_headers_loads_every_row(roster, county, tmp_path):
    path = write_csv(tmp_path / "线索.csv", LEAD_HEADER_ZH, lead_rows(county, 5), encoding="gbk")
    report = ingest(roster, path)
    assert (report.status, report.kind, report.encoding) == ("loaded", "leads", "gb18030")
    assert (report.rows_read, report.loaded, report.quarantined) == (5, 5, 0)
    leads = _leads(roster)
    first = leads.loc[f"L{county}000001"]
    assert (first["channel"], first["risk_code"], first["status"], first["province_code"]) == \
        ("self_report", "01", "pending", "52")
    assert first["reported_at"] == pd.Timestamp("2023-04-05 09:30")
    assert first["name"] == "测试1"
    with roster.connect() as conn:  # the audit trail: who sent what, with its figures and no cell values
        event = conn.execute(select(AuditEvent.__table__).where(AuditEvent.action == "ingest.loaded")).one()
    assert (event.subject, event.campaign_run_id, event.parameters["rows_read"]) == ("线索.csv", report.run_id, 5)
    assert event.parameters["sha256"] == report.sha256 and event.at is not None and event.actor


def test_utf8_bom_csv_with_english_headers_quarantines_a_bad_row_with_its_reasons(roster, county, tmp_path):
    rows = lead_rows(county, 4)
    rows[1][1] = "微信群"  # not a channel
    rows[1][7] = "2023-02-30"  # no such day
    path = write_csv(tmp_path / "leads.csv", LEAD_HEADER_EN, rows, encoding="utf-8-sig")
    report = ingest(roster, path)
    assert (report.status, report.encoding) == ("loaded", "utf-8-sig")
    assert (report.rows_read, report.loaded, report.quarantined) == (4, 3, 1)
    assert set(report.reasons) == {
        "reported_at.format: 反映时间不是日期或时间（可写 2023-04-05 10:30、2023/4/5、2023年4月5日 或 Excel 日期）/ "
        "not a date or time",
        next(r for r in report.reasons if r.startswith("channel.code")),
        next(r for r in report.reasons if r.startswith("reported_at.present")),
    }
    with roster.connect() as conn:
        row = conn.execute(select(QuarantinedRow).where(QuarantinedRow.campaign_run_id == report.run_id)).one()
    assert row.row_number == 3  # the file's line: header on line 1
    assert row.source == "leads.csv"
    assert row.row_data["channel"] == "微信群" and row.row_data["reported_at"] == "2023-02-30"
    assert len(row.reasons) == 3
    assert f"L{county}000002" not in _leads(roster).index


def test_xlsx_with_title_rows_and_untidy_headers(roster, county, tmp_path):
    households = read_table(roster, "households").head(3)
    header = ["＊户编号", " 县 代 码 ", "家庭人口数（必填）", "户主姓名", "是否脱贫户", "监测对象类别", "识别监测时间"]
    rows = [[h.household_no, h.county_code, int(h.household_size), "某某", "是", "脱贫不稳定户", date(2023, 5, 1)]
            for h in households.itertuples()]
    path = write_xlsx(tmp_path / "农户.xlsx", header, rows, sheet="农户",
                      title_rows=["2023年防止返贫监测农户信息表", "填报单位：某县乡村振兴局"])
    report = ingest(roster, path)
    assert (report.status, report.kind, report.format, report.sheet, report.header_row) == \
        ("loaded", "households", "xlsx", "农户", 3)
    assert (report.rows_read, report.loaded, report.quarantined) == (3, 3, 0), report.reasons
    assert report.ignored_columns == ["户主姓名"]
    stored = read_table(roster, "households").set_index("household_no").loc[households["household_no"]]
    assert stored["monitoring_type"].eq("unstable").all()
    assert stored["is_poverty_alleviated"].eq(True).all()
    assert stored["province_code"].eq("52").all()  # from the county code


def test_value_spellings(roster, county, tmp_path):
    header = ["户编号", "县代码", "家庭人口数", "是否脱贫户", "识别监测时间", "致贫返贫风险1", "致贫返贫风险2",
              "工资性收入", "家庭纯收入", "家庭人均纯收入", "监测对象类别", "风险是否消除"]
    wide = "".join(chr(ord(c) + 0xFEE0) for c in f"{county}90000001")  # full-width digits
    rows = [
        [wide, county, "１", "是", "2023-04-05", "01", "因病", "12,345.50", "12,345.50", "¥12,345.5", "unstable", "否"],
        [f"{county}90000002", county, "2", "否", "2023/4/5", "因自然灾害(洪涝)", "1", "1000", "1,000", "500元",
         "边缘易致贫户", "风险未消除"],
        [f"{county}90000003", county, "3", "Y", "2023年4月5日", "201", "", "", "", "", "sudden", ""],
        [f"{county}90000004", county, "4", "N", "20230405", "", "", "", "", "", "", ""],
        [f"{county}90000005", county, "5", "", "45021", "", "", "", "", "", "", ""],
    ]
    report = ingest(roster, write_csv(tmp_path / "hh.csv", header, rows))
    assert (report.rows_read, report.loaded, report.quarantined) == (5, 5, 0), report.reasons
    h = read_table(roster, "households").set_index("household_no").loc[[f"{county}9000000{i}" for i in range(1, 6)]]
    assert h["identified_on"].eq(pd.Timestamp("2023-04-05")).all()
    assert h["household_size"].tolist() == [1, 2, 3, 4, 5]
    assert h["is_poverty_alleviated"].tolist()[:4] == [True, False, True, False]
    assert pd.isna(h["is_poverty_alleviated"].iloc[4])
    assert h["risk_code_1"].tolist()[:3] == ["01", "0201", "0201"] and h["risk_code_2"].tolist()[:2] == ["01", "01"]
    assert h["wage_income"].iloc[0] == 12345.5 and h["per_capita_net_income"].iloc[1] == 500.0
    assert h["monitoring_type"].tolist()[:3] == ["unstable", "marginal", "sudden"]
    assert h["risk_status"].tolist()[:2] == ["at_risk", "at_risk"]

    household = f"{county}90000001"
    ids = [valid_id(county, seq=101, check="X"), valid_id(county, "19900202", seq=7)]
    spaced = f"{ids[0][:6]} {ids[0][6:14]} {ids[0][14:-1]}{ids[0][-1].lower()}"
    persons = [[household, spaced, "张三", "男", "户主", "普通劳动力", "否"],
               [household, ids[1], "李四", "2", "配偶", "weak", "N"]]
    report = ingest(roster, write_csv(tmp_path / "p.csv", ["户编号", "证件号码", "姓名", "性别", "与户主关系",
                                                          "劳动技能", "低保"], persons))
    assert (report.kind, report.loaded, report.quarantined) == ("persons", 2, 0), report.reasons
    p = read_table(roster, "persons").set_index("id_number").loc[ids]
    assert p["sex"].tolist() == ["1", "2"] and p["relation"].tolist() == ["head", "spouse"]
    assert p["labour_skill"].tolist() == ["ordinary", "weak"] and p["dibao"].tolist() == [False, False]
    assert p["province_code"].eq("52").all()  # from the household just loaded

    leads = lead_rows(county, 3)
    leads[0][7], leads[1][7], leads[2][7] = "2023/4/5 10:30", "45021.5", "2023年4月5日"
    leads[0][6], leads[1][6], leads[2][6] = "1", "因自然灾害", "０１"
    report = ingest(roster, write_csv(tmp_path / "l.csv", LEAD_HEADER_ZH, leads))
    assert (report.loaded, report.quarantined) == (3, 0), report.reasons
    got = _leads(roster).loc[[r[0] for r in leads]]
    assert got["reported_at"].tolist() == [pd.Timestamp("2023-04-05 10:30"), pd.Timestamp("2023-04-05 12:00"),
                                           pd.Timestamp("2023-04-05")]
    assert got["risk_code"].tolist() == ["01", "0299", "01"]


BROKEN = {
    "empty": (b"", "the file is empty"),
    "blank": (b"\xef\xbb\xbf \r\n\r\n", "the file is empty"),
    "binary junk": (bytes(range(256)) * 40, "binary content"),
    "junk without NUL": (bytes(range(1, 256)) * 40, "binary content"),
    "unknown kind": ("名称,数量\n苹果,3\n".encode(), "unknown layout"),
    "header only": (csv_bytes(LEAD_HEADER_ZH, []).encode(), "no data rows under the header"),
    "legacy xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old binary Excel file"),
    "unclosed quote": (('线索编号,线索来源渠道,反映时间,线索状态\nL1,个人申报,2023-04-05,待核实\n'
                        'L2,"个人申报,2023-04-05,待核实\n').encode(), "not valid CSV"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_files_are_rejected_with_a_message_naming_the_file(roster, tmp_path, case):
    content, expected = BROKEN[case]
    path = tmp_path / f"broken {case}.csv"
    path.write_bytes(content)
    report = ingest(roster, path)
    assert report.status == "rejected"
    assert report.problem.startswith(f"broken {case}.csv") and expected in report.problem
    assert "Traceback" not in report.problem
    assert report.loaded == 0
    with roster.connect() as conn:
        stored = conn.execute(select(IngestedFile).where(IngestedFile.sha256 == report.sha256)).one()
    assert (stored.status, stored.problem) == ("rejected", report.problem)


def test_missing_required_column_names_column_and_row(roster, county, tmp_path):
    header = [h for h in LEAD_HEADER_ZH if h != "反映时间"]
    rows = [[c for h, c in zip(LEAD_HEADER_ZH, r, strict=True) if h != "反映时间"] for r in lead_rows(county, 2)]
    report = ingest(roster, write_csv(tmp_path / "no-date.csv", header, rows, title_rows=["线索台账"]))
    assert report.status == "rejected"
    assert report.problem == ("no-date.csv，第 2 行，“反映时间”列：问题线索表缺少必需的列：反映时间 / missing required "
                              "column(s) for leads (问题线索): 反映时间 (reported_at)")


def test_wrong_kind_says_what_the_file_looks_like(roster, tmp_path):
    persons = read_table(roster, "persons").head(3)
    header = ["户编号", "证件号码", "姓名", "性别", "与户主关系", "劳动技能"]
    rows = persons[["household_no", "id_number", "name", "sex", "relation", "labour_skill"]].values.tolist()
    report = ingest(roster, write_csv(tmp_path / "成员.csv", header, rows), kind="leads")
    assert report.status == "rejected"
    assert "missing required column(s) for leads" in report.problem
    assert "the header looks like persons (家庭成员)" in report.problem


def test_truncated_csv_loads_whole_rows_and_quarantines_the_cut_one(roster, county, tmp_path):
    text = csv_bytes(LEAD_HEADER_ZH, lead_rows(county, 4)).encode("gbk")
    path = tmp_path / "cut.csv"
    path.write_bytes(text[: len(text) - 40])  # cut inside the last row
    report = ingest(roster, path)
    assert (report.status, report.rows_read, report.loaded, report.quarantined) == ("loaded", 4, 3, 1)
    assert any(r.startswith("row.fields: 本行的列数少于表头") for r in report.reasons)


def test_truncated_xlsx_is_rejected(roster, county, tmp_path):
    whole = write_xlsx(tmp_path / "whole.xlsx", LEAD_HEADER_ZH, lead_rows(county, 50)).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    report = ingest(roster, path)
    assert report.status == "rejected"
    assert report.problem.startswith("cut.xlsx：XLSX 工作簿无法打开（文件损坏或不完整？），请重新导出 / not a readable "
                                     "XLSX workbook (damaged or truncated?)")


def test_same_file_twice_loads_nothing_the_second_time(roster, county, tmp_path):
    path = write_csv(tmp_path / "leads.csv", LEAD_HEADER_ZH, lead_rows(county, 6))
    first = ingest(roster, path)
    before = _leads(roster)
    copy = tmp_path / "copy of leads.csv"
    copy.write_bytes(path.read_bytes())
    second = ingest(roster, copy)
    assert (first.status, first.loaded) == ("loaded", 6)
    assert (second.status, second.loaded, second.quarantined) == ("duplicate", 0, 0)
    assert "same content as leads.csv" in second.note
    pd.testing.assert_frame_equal(_leads(roster), before)


def test_resubmission_replaces_rows_by_key_and_a_corrected_file_is_accepted(roster, county, tmp_path):
    rows = lead_rows(county, 3)
    ingest(roster, write_csv(tmp_path / "v1.csv", LEAD_HEADER_ZH, rows))
    rows[0][10], rows[0][9], rows[0][11] = "已核实", "2023-04-10", "纳入监测"  # the county verified lead 1
    report = ingest(roster, write_csv(tmp_path / "v2.csv", LEAD_HEADER_ZH, rows))
    assert (report.status, report.loaded) == ("loaded", 3)
    leads = _leads(roster)
    assert leads.index.str.startswith(f"L{county}").sum() == 3  # replaced, not added
    assert leads.loc[rows[0][0], "status"] == "verified"

    header = [h for h in LEAD_HEADER_ZH if h != "线索状态"]
    bad = ingest(roster, write_csv(tmp_path / "v3.csv", header, [r[:10] + r[11:] for r in rows]))
    fixed = ingest(roster, write_csv(tmp_path / "v3.csv", LEAD_HEADER_ZH, rows + lead_rows(county, 1, start=9)))
    assert (bad.status, fixed.status, fixed.loaded) == ("rejected", "loaded", 4)


def test_persons_upsert_by_id_number(roster, tmp_path):
    person = read_table(roster, "persons").iloc[0]
    header = ["户编号", "证件号码", "姓名", "性别", "与户主关系", "劳动技能", "务工时长(月)"]
    row = [person.household_no, person.id_number, person["name"], person.sex, person.relation, "skilled", "7"]
    report = ingest(roster, write_csv(tmp_path / "p.csv", header, [row]))
    assert (report.loaded, report.quarantined) == (1, 0), report.reasons
    stored = read_table(roster, "persons")
    mine = stored[stored["id_number"] == person.id_number]
    assert len(mine) == 1 and mine["person_no"].iloc[0] == person.person_no  # kept its number
    assert (mine["labour_skill"].iloc[0], mine["months_employed"].iloc[0]) == ("skilled", 7)


def test_ingest_records_the_run(roster, county, tmp_path):
    report = ingest(roster, write_csv(tmp_path / "leads.csv", LEAD_HEADER_ZH, lead_rows(county, 2)))
    with roster.connect() as conn:
        stored = conn.execute(select(IngestedFile).where(IngestedFile.sha256 == report.sha256)).one()
        leads = conn.execute(select(func.count()).select_from(Lead)).scalar_one()
    assert (stored.status, stored.kind, stored.rows_read, stored.rows_loaded, stored.county_code) == \
        ("loaded", "leads", 2, 2, county)
    assert isinstance(stored.ingested_at, datetime) and leads >= 2


def test_a_key_repeated_in_a_county_file_quarantines_both_rows(roster, county, tmp_path):
    # The rule has meta.scope "file": left out on the roster, where the primary key keeps it, checked here.
    rows = lead_rows(county, 4)
    rows[2][0] = rows[1][0]
    report = ingest(roster, write_csv(tmp_path / "leads.csv", LEAD_HEADER_EN, rows, encoding="utf-8-sig"))
    assert (report.rows_read, report.loaded, report.quarantined) == (4, 2, 2)
    assert any(r.startswith("lead_no.unique") for r in report.reasons)


def test_a_lead_of_the_ingest_day_is_no_defect_and_one_of_the_next_day_is(roster, county, tmp_path):
    """"In the future" is after the ingest's own day: a county that reports at 10:00 and submits at 16:00
    is not told its lead comes from the future (the checks compared with midnight before)."""
    rows = lead_rows(county, 2)
    rows[0][7], rows[1][7] = f"{TODAY} 10:00", f"{TODAY + timedelta(days=1)} 08:00"
    rows[0][8] = rows[1][8] = ""  # not accepted yet
    report = ingest(roster, write_csv(tmp_path / "leads.csv", LEAD_HEADER_ZH, rows))
    assert (report.loaded, report.quarantined) == (1, 1)
    assert [r.split(":")[0] for r in report.reasons] == ["reported_at.not_future"]


def test_a_lead_sent_again_verified_is_a_new_version_and_the_same_file_twice_none(roster, county, tmp_path):
    """The ingest writes versions (tasks.storage.history_write): the pending lead stays in the history, the
    verification is an event of its day, and a second file with the same rows changes nothing."""
    from tasks.model import HISTORY
    from tasks.storage.reads import read_tables
    from tasks.storage.versions import RosterView

    ingest(roster, write_csv(tmp_path / "a.csv", LEAD_HEADER_ZH, lead_rows(county, 3)))
    verified = lead_rows(county, 3)
    verified[0][9:12] = ["2023-04-20 10:00", "已核实", "纳入监测"]
    ingest(roster, write_csv(tmp_path / "b.csv", LEAD_HEADER_ZH, verified))
    ingest(roster, write_csv(tmp_path / "c.csv", LEAD_HEADER_ZH, [*verified, []]))  # other bytes, same rows
    with roster.connect() as conn:
        replaced = conn.execute(select(HISTORY["leads"].c.lead_no, HISTORY["leads"].c.status)
                                .where(HISTORY["leads"].c.lead_no.like("L%"))).all()  # not the seed's
    assert replaced == [(f"L{county}000001", "pending")]
    now = read_table(roster, "leads", columns=["lead_no", "change", "episode_on"]).set_index("lead_no")
    assert now.loc[f"L{county}000001", "change"] == "event"
    assert now.loc[f"L{county}000001", "episode_on"] == pd.Timestamp("2023-04-20")
    as_of_april_10 = read_tables(roster, ["leads"], view=RosterView(date(2023, 4, 10)))["leads"]
    assert as_of_april_10.set_index("lead_no").loc[f"L{county}000001", "status"] == "pending"


def test_measure_categories_as_counties_write_them(roster, tmp_path):
    """小额信贷, 低保, 特困供养, 临时救助 … are the categories' usual names (issue 19, rule 4): each is loaded
    under its category, with the type that follows; an unknown label is still set aside."""
    household = read_table(roster, "households")["household_no"].iloc[0]
    written = {"小额信贷": "finance", "低保": "comprehensive_security", "特困供养": "comprehensive_security",
               "临时救助": "comprehensive_security", "雨露计划": "other_education", "公益性岗位": "public_welfare_job",
               "危房改造": "housing", "易地扶贫搬迁": "relocation", "技能培训": "employment", "产业": "industry"}
    rows = [[household, label, f"2023-03-{day:02d}"] for day, label in enumerate([*written, "神秘帮扶"], start=1)]
    report = ingest(roster, write_csv(tmp_path / "措施.csv", ["户编号", "帮扶措施类别", "开始时间"], rows))
    assert (report.kind, report.loaded, report.quarantined) == ("measures", len(written), 1), report.reasons
    m = read_table(roster, "measures").query("household_no == @household").set_index("start_on")
    m = m.loc[[pd.Timestamp(r[2]) for r in rows[:-1]]]
    assert m["category"].tolist() == list(written.values())
    assert m.loc[pd.Timestamp("2023-03-02"), "kind"] == "safety_net"
    assert m.loc[pd.Timestamp("2023-03-01"), "kind"] == "development"


def test_county_column_under_an_official_name_and_an_unknown_one(roster, county, tmp_path):
    """Issue 19: 县级行政区划代码 is GB/T 2260's name for 县代码 and loads. A header the contract does not know
    is reported with the column it resembles: in the refusal when a required column is missing, else in the
    report and the county's message (its values were not loaded)."""
    rows = [[f"{county}91000001", county, "2"], [f"{county}91000002", county, "3"]]
    official = ingest(roster, write_csv(tmp_path / "a.csv", ["户编号", "县级行政区划代码", "家庭人口数"], rows))
    assert (official.loaded, official.quarantined, official.ignored_columns) == (2, 0, [])
    assert not official.has_problems

    refused = ingest(roster, write_csv(tmp_path / "b.csv", ["户编号", "县级区划编码", "家庭人口数"], rows),
                     kind="households")
    assert refused.status == "rejected" and "县代码 (county_code)" in refused.problem
    assert "the file has “县级区划编码”: 是否为“县代码”？" in refused.problem

    rows = [[f"{county}91000003", county, "2", "13912345678", "1"]]
    unread = ingest(roster, write_csv(tmp_path / "c.csv", ["户编号", "县代码", "家庭人口数", "户主电话", "序号"], rows))
    assert (unread.loaded, unread.ignored_columns) == (1, ["户主电话", "序号"])
    assert unread.column_suggestions == {"户主电话": "联系电话"} and unread.has_problems
    assert "未识别的列“户主电话”未读取，该列的值未入库，是否为“联系电话”？" in unread.summary_line()
    from tasks.ingest.report import problem_message

    text = problem_message(unread).text
    assert "是否为“联系电话”" in text and "序号" in text and "13912345678" not in text
    line = unread.summary_line()  # what county staff read: Chinese, no rule ids
    assert line.startswith("c.csv：农户，读取 1 行，入库 1 行，隔离 0 行") and not re.search(r"[a-z_]+\.[a-z_]+:", line)


def test_an_unknown_code_value_is_set_aside_naming_the_closest_allowed_value(roster, tmp_path):
    household = read_table(roster, "households")["household_no"].iloc[0]
    rows = [[household, "小额贷款", "2023-03-01"], [household, "神秘帮扶", "2023-03-02"]]
    report = ingest(roster, write_csv(tmp_path / "m.csv", ["户编号", "帮扶措施类别", "开始时间"], rows))
    assert (report.loaded, report.quarantined) == (0, 2)
    suggestion = [r for r in report.reasons if r.startswith("category.value")]
    assert suggestion == ["category.value: 帮扶措施类别的取值不在代码表中，最接近的允许值是“金融帮扶（小额信贷）” / "
                          "not an allowed value; the closest is 金融帮扶（小额信贷）"]
    assert report.reasons[suggestion[0]] == 1 and not any("神秘" in r for r in report.reasons)


def test_rows_sent_before_their_household_are_loaded_when_it_arrives(roster, county, tmp_path):
    """Issue 19, order of arrival: persons and leads of a household the roster does not know yet are set
    aside; the households file that brings it has them checked again and loaded, with the audit trail
    saying so, and the county never resends them."""
    from support.ingest_files import valid_id

    household = f"{county}93000001"
    persons = [[household, valid_id(county, "19800303", seq=31), "张先到", "男", "户主", "普通劳动力"],
               [household, valid_id(county, "19820404", seq=32), "李先到", "女", "配偶", "丧失劳动力"]]
    early = ingest(roster, write_csv(tmp_path / "成员.csv", ["户编号", "证件号码", "姓名", "性别", "与户主关系",
                                                            "劳动技能"], persons))
    assert (early.loaded, early.quarantined) == (0, 2)
    assert any(r.startswith("province_code.derivable") for r in early.reasons)

    households = write_csv(tmp_path / "农户.csv", ["户编号", "县代码", "家庭人口数"], [[household, county, "2"]])
    later = ingest(roster, households)
    assert later.loaded == 1
    assert [(r.kind, r.loaded, r.quarantined) for r in later.rechecked] == [("persons", 2, 0)]
    assert "补充核验" in later.summary_line()
    p = read_table(roster, "persons").query("household_no == @household")
    assert sorted(p["labour_skill"]) == ["lost", "ordinary"] and p["province_code"].eq(county[:2]).all()
    with roster.connect() as conn:
        left = conn.execute(select(func.count()).select_from(QuarantinedRow)
                            .where(QuarantinedRow.stage == "ingest persons")).scalar_one()
        events = conn.execute(select(AuditEvent.subject, AuditEvent.parameters)
                              .where(AuditEvent.action == "ingest.rechecked")).all()
    assert left == 0 and [e.subject for e in events] == ["成员.csv"] and events[0].parameters["loaded"] == 2


def test_a_retired_county_code_is_loaded_under_its_successor(roster, tmp_path):
    """GB/T 2260: 水城县 (520221) became 水城区 (520204) in 2020; a file still using the old code loads, under
    the current code, and says so. The real county list ships with the schema (a county the seed did not
    invent is known)."""
    rows = [["52022190000001", "520221", "3"], ["52020490000002", "520204", "2"]]
    report = ingest(roster, write_csv(tmp_path / "hh.csv", ["户编号", "县代码", "家庭人口数"], rows))
    assert (report.loaded, report.quarantined) == (2, 0), report.reasons
    assert any(w.startswith("county_code.successor") and n == 1 for w, n in report.warnings.items())
    h = read_table(roster, "households").set_index("household_no")
    assert h.loc["52022190000001", "county_code"] == "520204"


def test_a_county_gets_a_workbook_of_its_rows_set_aside_with_reasons_and_fixes(roster, county, tmp_path):
    """No database access needed: the rows as submitted with file and row number, each reason in Chinese
    with what to fix, personal data masked, and the county's submission completeness; the message says where."""
    import openpyxl

    from tasks.model import OutboxMessage
    from tasks.notify import build_notifier
    from tasks.outputs.set_aside import write_set_aside
    from tasks.settings import get_settings

    rows = [[*row, "欧阳娜娜"] for row in lead_rows(county, 4)]  # the county's own column: a loaded lead's name
    rows[0][4] = "欧阳娜娜"
    rows[1][1] = "微信群"  # not a channel
    rows[1][6] = "欧阳娜娜"  # a name where a code belongs (a misaligned row): masked too
    rows[2][7] = "2023-02-30"  # no such day
    rows[3][2] = "990101"  # no such province: the row's own workbook, without a province's name
    path = write_csv(tmp_path / "线索.csv", [*LEAD_HEADER_ZH, "户主姓名"], rows, encoding="gbk")
    report = ingest(roster, path, notifier=build_notifier(get_settings(), roster))
    assert report.quarantined == 3 and report.set_aside and report.set_aside.endswith(".xlsx")
    assert (Path(report.set_aside).parent / "990101.xlsx").exists()
    book = openpyxl.load_workbook(report.set_aside)
    assert book.sheetnames == ["问题线索", "报送完整性"]  # sheets named by what they hold
    sheet = book["问题线索"]
    header = [c.value for c in sheet[1]]
    assert header[:10] == ["省代码", "省份", "县代码", "县名称", "来源文件", "文件行号", "检查阶段", "问题", "说明",
                           "如何更正"]
    assert "原表·证件号码" in header and "原表·联系电话" in header and sheet.freeze_panes == "A2"
    found = [{h: c.value for h, c in zip(header, row, strict=True)} for row in sheet.iter_rows(min_row=2)]
    assert [r["文件行号"] for r in found] == [3, 4]  # the file's lines (header on line 1), as numbers
    assert all(r["县代码"] == county and r["县名称"] and r["省份"] == "贵州省" for r in found)
    reasons = " ".join(r["问题"] for r in found)
    assert "channel" not in reasons and "reported_at" not in reasons  # Chinese names, not rule ids
    assert all(r["如何更正"] and "重新报送" in r["如何更正"] for r in found)
    said = {r["文件行号"]: r["说明"] for r in found}
    # The cells to look at, as the county wrote them, masked (a name where the risk code belongs).
    assert said[3] == "线索来源渠道：本行填写 微信群；风险类型：本行填写 欧***"
    assert "2023-02-30" in said[4]
    cells = " ".join(str(v) for r in found for v in r.values())
    assert rows[1][3] not in cells and "13800138000" not in cells and "测试2" not in cells  # masked
    assert "欧阳娜娜" not in cells and "欧***" in cells and "原表·户主姓名" in header  # the county's own column
    assert rows[1][0] in cells  # the lead number says which row it is
    completeness = {c.value: v.value for c, v in zip(book["报送完整性"][1], book["报送完整性"][2], strict=True)}
    assert (completeness["收到文件数"], completeness["读取行数"], completeness["隔离行数"]) == (1, 4, 3)
    share = dict(zip([c.value for c in book["报送完整性"][1]], book["报送完整性"][2], strict=True))["隔离占比"]
    assert share.value == 0.75 and share.number_format == "0.0%"
    with roster.connect() as conn:
        text = conn.execute(select(OutboxMessage.text)).scalar_one()
    assert report.set_aside in text and "quarantined_rows" not in text
    write_set_aside(roster, ["a rerun that set nothing aside"], Path(report.set_aside).parent.parent)
    assert not list(Path(report.set_aside).parent.glob("*.xlsx"))  # no list of an earlier run stays


def test_an_exact_repeat_loads_once_and_a_clash_sets_both_aside(roster, tmp_path):
    """A row typed or pasted twice (every cell the same) loads once and its repeat is set aside saying so;
    two different rows under one 户编号 are both set aside, for the county to say which is right."""
    rows = [["52010290000001", "520102", "3"], ["52010290000001", "520102", "3"],  # pasted twice
            ["52010290000002", "520102", "2"], ["52010290000002", "520102", "4"],  # which one holds?
            ["52010290000003", "520102", "5"]]
    report = ingest(roster, write_csv(tmp_path / "hh.csv", ["户编号", "县代码", "家庭人口数"], rows))
    assert (report.rows_read, report.loaded, report.quarantined) == (5, 2, 3), report.reasons
    loaded = set(read_table(roster, "households")["household_no"])
    assert {"52010290000001", "52010290000003"} <= loaded and "52010290000002" not in loaded
    assert sum(n for r, n in report.reasons.items() if r.startswith("row.duplicate")) == 1
    assert sum(n for r, n in report.reasons.items() if r.startswith("household_no.unique")) == 2


def test_lead_states_are_read_as_counties_write_them(roster, county, tmp_path):
    """已排除, 办结 and 核实中 are what the platform and counties write for a dismissed (verified, no risk), a
    closed and a pending lead: read as the code table's values, like the measure categories' short names."""
    rows = lead_rows(county, 3)
    written = (("已排除", "无风险"), ("办结", "已纳入监测"), ("核实中", ""))
    for row, (status, outcome) in zip(rows, written, strict=True):
        row[9] = "" if status == "核实中" else "2023-04-08"
        row[10], row[11] = status, outcome
    report = ingest(roster, write_csv(tmp_path / "leads.csv", LEAD_HEADER_ZH, rows))
    assert (report.loaded, report.quarantined) == (3, 0), report.reasons
    leads = read_table(roster, "leads").set_index("lead_no").loc[[r[0] for r in rows]]
    assert list(zip(leads["status"], leads["outcome"].fillna(""), strict=True)) == [
        ("verified", "no_risk"), ("closed", "identified"), ("pending", "")]


def test_a_cell_holding_a_line_separator_is_set_aside_whole(roster, county, tmp_path):
    """U+2028 and U+0085 come with text pasted from elsewhere. The cells of rows set aside are stored as one
    JSON text per row; split with `splitlines`, which takes both for line ends, a row became two and
    recording the rows set aside failed (zip() argument 2 is longer than argument 1)."""
    rows = lead_rows(county, 3)
    rows[0][4] = "张\u2028三"
    rows[0][1] = "微信群"  # not a channel: set aside, with its cells
    rows[1][4] = "李\x85四"  # loaded as it is
    path = write_csv(tmp_path / "leads.csv", LEAD_HEADER_EN, rows, encoding="utf-8")
    report = ingest(roster, path)
    assert (report.status, report.rows_read, report.loaded, report.quarantined) == ("loaded", 3, 2, 1)
    with roster.connect() as conn:
        row = conn.execute(select(QuarantinedRow).where(QuarantinedRow.campaign_run_id == report.run_id)).one()
    assert row.row_data["name"] == "张\u2028三" and row.row_data["channel"] == "微信群"
    assert _leads(roster).loc[f"L{county}000002", "name"] == "李\x85四"

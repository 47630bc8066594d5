"""County files as counties write them, through ingest and the screening, with every row accounted for
(issue 19's acceptance): the county column under its GB/T 2260 name (行政区划代码), 收入年度 and 家庭纯收入
blank, measure categories by their usual names, leads that carry only a name and a phone or an invalid
证件号码."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
from support.ingest_files import valid_id, write_csv

from flows.screening import concentrated_screening
from tasks.ingest.load import ingest_file
from tasks.reference.provinces import parse_provinces
from tasks.screening.params import ScreeningParams
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.storage.reads import read_table
from tasks.synthetic.seed import seed_database

RECEIVED = date(2023, 6, 20)


def test_county_files_go_through_ingest_and_the_screening_with_every_row_accounted_for(prefect_harness,
                                                                                          tmp_path):
    engine = build_engine()
    db.upgrade(engine)
    seed_database(engine, 300, parse_provinces("52"), defect_rate=0.0, output_dir=tmp_path)
    county = read_table(engine, "households")["county_code"].iloc[0]
    new = f"{county}77000001"
    head, spouse = valid_id(county, "19700101", seq=11), valid_id(county, "19720202", seq=12)
    not_a_number = head[:-1] + ("0" if head[-1] != "0" else "1")  # its checksum broken

    files = {
        # 收入年度 and 家庭纯收入 blank: the threshold of the campaign's year; 8,000 × 3 = 24,000 of net income,
        # of which 13,000 of compliant expenditure is more than half: rigid expenditure, a new candidate.
        "农户.csv": (["户编号", "行政区划代码", "家庭人口数", "是否脱贫户", "收入年度", "家庭纯收入", "家庭人均纯收入",
                     "上年家庭人均纯收入", "合规自付支出"],
                    [[new, county, "3", "否", "", "", "8000", "8200", "13000"]]),
        "家庭成员.csv": (["户编号", "证件号码", "姓名", "性别", "与户主关系", "劳动技能"],
                      [[new, head, "王测试", "男", "户主", "普通劳动力"],
                       [new, spouse, "李测试", "女", "配偶", "普通劳动力"]]),
        "帮扶措施.csv": (["户编号", "帮扶措施类别", "开始时间"],
                      [[new, "小额信贷", "2023-05-01"], [new, "临时救助", "2023-05-02"]]),
        "问题线索.csv": (["线索编号", "线索来源渠道", "县代码", "证件号码", "姓名", "联系电话", "户编号", "风险类型",
                       "反映时间", "线索状态"],
                      [["LT1", "12317", county, "", "赵测试", "13912345678", "", "因病", "2023-05-10 09:00", "待核实"],
                       ["LT2", "个人申报", county, not_a_number, "钱测试", "", "", "因学", "2023-05-11 10:00",
                        "待核实"],
                       ["LT3", "干部走访", county, head, "王测试", "", "", "因病", "2023-05-12 11:00", "待核实"]]),
    }
    for name, (header, rows) in files.items():
        report = ingest_file(engine, write_csv(tmp_path / name, header, rows), output_dir=tmp_path / "in",
                             today=RECEIVED)
        assert (report.status, report.rows_read, report.loaded, report.quarantined) == \
               ("loaded", len(rows), len(rows), 0), (name, report.reasons)
    measures = read_table(engine, "measures").query("household_no == @new")
    assert sorted(measures["category"]) == ["comprehensive_security", "finance"]

    summary = concentrated_screening(ScreeningParams(year=2023, provinces=["52 贵州省"], as_of="2023-06-30"))
    folder = tmp_path / "outputs" / "screening" / "2023" / "progress-2023-06-30"
    assert json.loads((folder / "summary.json").read_text("utf-8"))["leads"] == summary["leads"]
    leads = summary["leads"]
    assert leads["matched"] + leads["unmatched"] + leads["dismissed"] == leads["total"]
    assert summary["inputs"]["leads"]["quarantined"] == summary["inputs"]["households"]["quarantined"] == 0

    unmatched = pd.read_csv(folder / "unmatched_leads.csv", dtype=str).set_index("线索编号")
    assert unmatched.loc[["LT1", "LT2"], "未匹配原因"].tolist() == ["无证件号码和户编号", "证件号码无效"]
    assert unmatched.loc["LT1", "联系电话"] == "139****5678" and unmatched.loc["LT1", "姓名"] == "赵**"
    assert "LT3" not in unmatched.index  # matched through its person
    candidates = pd.read_csv(folder / "new_candidates.csv", dtype=str).set_index("户编号")
    assert "刚性支出较大" in candidates.loc[new, "触发规则"]
    text = " ".join(p.read_text("utf-8", errors="ignore") for p in folder.rglob("*") if p.suffix in {".csv", ".json"})
    assert not any(secret in text for secret in (head, not_a_number, "13912345678", "赵测试"))

"""Linkage-fund project ledger (衔接资金项目台账, issue 37): a county's ledger through the real ingest, every row
accounted for; the quarter's checks (operating projects without 联农带农, ledgers against the allotments, the
share to industry); the release counting its funds from the ledger; and the quarter run again later gives
the same figures unless its own data was corrected."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.ingest_files import write_csv
from support.workbooks import sheet_rows

from flows.fund_ledger import fund_ledger
from flows.release import press_release
from tasks.funds.params import FundLedgerParams
from tasks.ingest.load import ingest_file
from tasks.release.params import ReleaseParams
from tasks.storage.reads import read_table

HEADER = ["项目编号", "县代码", "资金年度", "资金下达季度", "项目名称", "资金用途", "衔接资金(万元)", "是否经营性项目",
          "联农带农机制", "带动脱贫户和监测户数", "填报日期"]
PARAMS = FundLedgerParams(period="2023Q2", provinces=["52 贵州省", "53 云南省"])





def test_a_quarter_of_the_fund_ledger(two_provinces_seeded, tmp_path, monkeypatch):
    from tasks.settings import get_settings

    engine = two_provinces_seeded
    allotted = read_table(engine, "linkage_funds", ["52"]).query("year == 2023 and quarter == 2")
    itemised = set(read_table(engine, "fund_projects", ["52"]).query("year == 2023")["county_code"])
    county = sorted(set(allotted["county_code"]) - itemised)[0]  # a county that has sent no ledger yet
    uses = allotted[allotted["county_code"].eq(county)].set_index("use")["amount"]
    routes = tmp_path / "channels.toml"  # the county has a channel of its own; the others are named by province
    routes.write_text(f'default = "#coordinators"\n[campaigns]\nfund-ledger = "#funds"\n'
                      f'[counties]\n"{county}" = "#county"\n', "utf-8")
    monkeypatch.setenv("CAMPAIGNS_SLACK_CHANNELS_FILE", str(routes))
    get_settings.cache_clear()
    before = released_funds()

    # Its Q2 ledger: the industry allotment in two operating projects and 10 万元 more (one without its
    # mechanism), every other use in one public project; a quarter that does not exist; a row sent twice.
    industry = round(float(uses["industry"]), 2)
    day = "2023-07-08"
    rows = [[f"{county}-A1", county, "2023", "2", "食用菌基地", "产业发展", "10.00", "是", "订单生产", "40", day],
            [f"{county}-A2", county, "2023", "2", "肉牛养殖", "产业", f"{industry:.2f}", "是", "", "25", day]]
    rows += [[f"{county}-B{i}", county, "2023", "2", f"项目{i}", use, f"{float(amount):.2f}", "否", "", "", day]
             for i, (use, amount) in enumerate(uses.drop("industry").items())]
    rows += [[f"{county}-X", county, "2023", "5", "季度填错", "产业发展", "3", "是", "吸纳就业", "3", "2023-07-08"],
             rows[0]]
    sent = write_csv(tmp_path / f"{county}-衔接资金项目台账2023Q2.csv", HEADER, rows)
    report = ingest_file(engine, sent, output_dir=tmp_path / "ingest", today=date(2023, 7, 9))
    assert report.kind == "fund_projects"  # told by its header
    assert (report.rows_read, report.loaded, report.quarantined) == (len(rows), len(rows) - 2, 2)
    assert any(r.startswith("quarter.valid") for r in report.reasons)
    assert any(r.startswith("row.duplicate") for r in report.reasons)
    assert any(w.startswith("mechanism.of_operating") for w in report.warnings)

    summary = fund_ledger(PARAMS)

    folder = Path(summary["folder"])
    assert json.loads((folder / "summary.json").read_text("utf-8")) == summary
    projects = sheet_rows(folder, "52", "需关注项目") + sheet_rows(folder, "53", "需关注项目")
    assert len(projects) == summary["projects_of_concern"] and all(p["关注事项"] for p in projects)
    counted = [sheet_rows(folder, code, "全省")[0] for code in ("52", "53")]
    assert sum(p["台账项目数"] for p in counted) == summary["projects"]
    assert sum(p["需关注项目数"] for p in counted) == summary["projects_of_concern"]
    ours = {p["项目编号"]: p for p in projects if p["县代码"] == county}
    assert set(ours) == {f"{county}-A2"}  # A1 names its mechanism and households; B… are public works
    a2 = ours[f"{county}-A2"]
    assert a2["关注事项"] == "经营性项目未建立联农带农机制" and a2["资金用途"] == "产业发展"  # 产业: an alias
    quarter = next(r for r in sheet_rows(folder, "52", "县核对") if r["县代码"] == county and r["资金下达季度"] == 2)
    assert quarter["差额(万元)"] == pytest.approx(10.0) and quarter["关注事项"] == "台账合计与资金下达数不一致"
    province = sheet_rows(folder, "52", "全省")[0]
    share = province["其中用于产业发展(万元)"] / province["衔接资金(万元)"]
    assert province["用于产业发展比例"] == pytest.approx(share)

    # The release counts the county's quarter from its ledger: 10 万元 more, all of it to industry.
    after = released_funds()
    assert after == pytest.approx((before[0] + 10.0, before[1] + 10.0), abs=0.01)
    assert after[0] == pytest.approx(summary["funds_total"], abs=0.01)

    with engine.connect() as conn:  # the county hears of its projects; its province names it
        said = conn.execute(sa.text("SELECT dedupe_key, channel, text FROM outbox "
                                    "WHERE campaign = 'fund-ledger'")).all()
    to_county = [(channel, text) for key, channel, text in said if f"county:{county}" in key]
    assert len(to_county) == 1 and to_county[0][0] == "#county" and f"{county}-A2" in to_county[0][1]
    assert not [key for key, _, _ in said if "county:" in key and f"county:{county}" not in key]  # no channel
    to_province = [text for key, _, text in said if key.endswith(":province:52") or ":province:52:" in key]
    assert len(to_province) == 1 and county_name(engine, county) in to_province[0]

    # October: the Q3 ledger of the same county arrives. Q2 run again gives the same figures.
    later = write_csv(tmp_path / f"{county}-衔接资金项目台账2023Q3.csv", HEADER,
                      [[f"{county}-C1", county, "2023", "3", "冷库", "产业发展", "50", "是", "产品代销", "12",
                        "2023-10-08"]])
    assert ingest_file(engine, later, output_dir=tmp_path / "ingest", today=date(2023, 10, 9)).loaded == 1
    listed = sheet_rows(folder, "52", "需关注项目")
    again = fund_ledger(PARAMS)
    assert {k: v for k, v in again.items() if k != "run_id"} == {k: v for k, v in summary.items() if k != "run_id"}
    assert sheet_rows(folder, "52", "需关注项目") == listed

    # The county corrects its Q2 ledger (the mechanism of A2 filled in): Q2 changes by its own data, and only so.
    corrected = write_csv(tmp_path / f"{county}-衔接资金项目台账2023Q2-更正.csv", HEADER,
                          [[*rows[1][:8], "托养托管", "25", "2023-10-10"]])
    assert ingest_file(engine, corrected, output_dir=tmp_path / "ingest", today=date(2023, 10, 10)).loaded == 1
    revised = fund_ledger(PARAMS)
    assert revised["project_flags"]["no_mechanism"] == summary["project_flags"]["no_mechanism"] - 1
    unchanged = ("run_id", "project_flags", "projects_of_concern")
    assert {k: v for k, v in revised.items() if k not in unchanged} == \
        {k: v for k, v in summary.items() if k not in unchanged}


def released_funds() -> tuple[float, float]:
    """The national funds and those to industry (万元) in a draft of the half-year release."""
    figures = press_release(ReleaseParams(period="2023Q2", dry_run=True))["figures"]
    return figures["funds_total"]["value"], figures["funds_industry"]["value"]


def county_name(engine, code: str) -> str:
    return read_table(engine, "counties").set_index("code")["name"][code]

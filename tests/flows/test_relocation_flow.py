"""Relocation follow-up (易地搬迁后续扶持, issue 37): a county's site report through the real ingest, every row
accounted for; the quarter's figures per site from the roster as of the quarter's end; the sites of concern
flagged to their counties; and the quarter run again later gives the same figures unless its own data was
corrected."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import sqlalchemy as sa
from support.ingest_files import write_csv

from flows.relocation import relocation_follow_up
from tasks.ingest.load import ingest_file
from tasks.relocation.params import RelocationParams
from tasks.storage.history_write import write_versions
from tasks.storage.reads import read_table
from tasks.storage.versions import open_batch

HEADER = ["安置点编号", "年度", "季度", "配套学校", "配套卫生服务机构", "就业帮扶车间", "社区综合服务设施",
          "后续扶持专项资金到位(万元)", "填报日期"]
PARAMS = RelocationParams(period="2023Q2", provinces=["52 贵州省", "53 云南省"])


def site_rows(folder: Path, code: str) -> dict[str, dict]:
    """The province workbook's sites, by site code, as a coordinator reads them."""
    sheet = openpyxl.load_workbook(next((folder / "provinces").glob(f"{code}-*.xlsx")), read_only=True)["安置点"]
    rows = list(sheet.iter_rows(values_only=True))
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}




def test_a_quarter_of_relocation_follow_up(two_provinces_seeded, tmp_path, monkeypatch):
    from tasks.settings import get_settings

    engine = two_provinces_seeded
    sites = read_table(engine, "relocation_sites", ["52"])
    site = sites.sort_values("site_code").iloc[0]
    county = site["county_code"]
    routes = tmp_path / "channels.toml"  # the county has a channel of its own; the others are named by province
    routes.write_text(f'default = "#coordinators"\n[campaigns]\nrelocation = "#relocation"\n'
                      f'[counties]\n"{county}" = "#county"\n', "utf-8")
    monkeypatch.setenv("CAMPAIGNS_SLACK_CHANNELS_FILE", str(routes))
    get_settings.cache_clear()
    # The county's report for Q2: its site without a 就业帮扶车间 and no funds; a site no register knows.
    sent = write_csv(tmp_path / f"{county}-安置点2023Q2.csv", HEADER,
                     [[site["site_code"], "2023", "2", "是", "是", "否", "是", "0", "2023-07-05"],
                      ["99999999", "2023", "2", "是", "是", "是", "是", "12", "2023-07-05"]])
    report = ingest_file(engine, sent, output_dir=tmp_path / "ingest", today=date(2023, 7, 6))
    assert report.kind == "relocation_reports"  # told by its header
    assert (report.rows_read, report.loaded, report.quarantined) == (2, 1, 1)
    assert any(r.startswith("site_code.known") for r in report.reasons)
    with engine.begin() as conn:  # a large site (3,000 persons or more) is owed its earmarked funds
        conn.execute(sa.text("UPDATE relocation_sites SET persons = 3500 WHERE site_code = :s"),
                     {"s": site["site_code"]})

    summary = relocation_follow_up(PARAMS)

    folder = Path(summary["folder"])
    assert summary["sites"] == len(read_table(engine, "relocation_sites", ["52", "53"]))
    listed = site_rows(folder, "52")
    ours = listed[site["site_code"]]
    assert ours["就业帮扶车间"] == "否" and ours["规模"] == "大型"
    assert "大型安置点后续扶持专项资金未到位" in ours["关注事项"] and "配套公共服务不全" in ours["关注事项"]
    assert all("本季度未报送安置点情况" in row["关注事项"] for code, row in listed.items() if code != site["site_code"]
               and not _reported(engine, code))
    counted = sum(r["有劳动力但无人就业户数"] for r in listed.values()) + \
        sum(r["有劳动力但无人就业户数"] for r in site_rows(folder, "53").values())
    assert counted == summary["households_below_aim"]
    assert json.loads((folder / "summary.json").read_text("utf-8")) == summary
    with engine.connect() as conn:  # the county's message names its site; its province's, the county
        said = conn.execute(sa.text("SELECT dedupe_key, channel, text FROM outbox WHERE campaign = 'relocation'")).all()
    to_county = [(channel, text) for key, channel, text in said if f"county:{county}" in key]
    assert len(to_county) == 1 and to_county[0][0] == "#county" and site["site_code"] in to_county[0][1]
    assert not [key for key, _, _ in said if "county:" in key and f"county:{county}" not in key]  # no channel
    to_province = [text for key, _, text in said if key.endswith(":province:52") or ":province:52:" in key]
    concern = [r for r in listed.values() if r["关注事项"]]
    below: dict[str, int] = {}
    for r in concern:
        below[r["县代码"]] = below.get(r["县代码"], 0) + r["有劳动力但无人就业户数"]
    worst = min(below, key=lambda code: (-below[code], code))  # the province's message names it first
    assert len(to_province) == 1 and county_name(engine, worst) in to_province[0]
    assert f"有需关注安置点的县 / counties: {len({r['县代码'] for r in concern})}" in to_province[0]

    # September: a relocated worker of the site lost the job (news of 20 Sept.), and the Q3 report arrived.
    persons = read_table(engine, "persons")
    members = read_table(engine, "households").query("relocation_site_code == @site.site_code")["household_no"]
    worker = persons[persons["household_no"].isin(members) & persons["months_employed"].fillna(0).ge(6)].head(1)
    assert len(worker) == 1
    with engine.begin() as conn:
        batch = open_batch(conn, "test 2023-09-20", datetime(2023, 9, 20))
        write_versions(conn, "persons", worker.assign(months_employed=0), batch_id=batch,
                       recorded_on=date(2023, 9, 20))
    later = write_csv(tmp_path / f"{county}-安置点2023Q3.csv", HEADER,
                      [[site["site_code"], "2023", "3", "是", "是", "是", "是", "30", "2023-10-05"]])
    assert ingest_file(engine, later, output_dir=tmp_path / "ingest", today=date(2023, 10, 6)).loaded == 1

    again = relocation_follow_up(PARAMS)
    assert again == summary and site_rows(folder, "52") == listed

    # The county corrects its Q2 report (the workshop was there): Q2 changes by its own data, and only so.
    corrected = write_csv(tmp_path / f"{county}-安置点2023Q2-更正.csv", HEADER,
                          [[site["site_code"], "2023", "2", "是", "是", "是", "是", "0", "2023-07-05"]])
    assert ingest_file(engine, corrected, output_dir=tmp_path / "ingest", today=date(2023, 10, 8)).loaded == 1
    revised = relocation_follow_up(PARAMS)
    assert revised["flags"]["services_missing"] == summary["flags"]["services_missing"] - 1
    assert "配套公共服务不全" not in site_rows(folder, "52")[site["site_code"]]["关注事项"]
    assert {k: v for k, v in revised.items() if k != "flags"} == {k: v for k, v in summary.items() if k != "flags"}


def county_name(engine, code: str) -> str:
    return read_table(engine, "counties").set_index("code")["name"][code]


def _reported(engine, site_code: str) -> bool:
    return bool(pd.read_sql(sa.text("SELECT COUNT(*) AS n FROM relocation_reports WHERE site_code = :s AND year = 2023 "
                                    "AND quarter = 2"), engine, params={"s": site_code})["n"][0])

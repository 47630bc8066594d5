"""Assistance pairings (东西部协作, 中央单位定点帮扶, 驻村帮扶; issue 37): a county's agreement, its quarter's
progress and its village teams through the real ingest, every row accounted for; the quarter's progress against
the targets, the pairings behind or unreported, the teams to rotate; and the quarter run again later gives the
same figures unless its own data was corrected."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from support.ingest_files import write_csv
from support.workbooks import sheet_rows

from flows.pairings import assistance_pairings
from tasks.ingest.load import ingest_file
from tasks.pairings.params import PairingsParams
from tasks.storage.reads import read_table

AGREEMENT = ["结对编号", "帮扶类型", "年度", "帮扶方", "县代码", "协议签订日期", "项目建设目标(个)", "劳务协作目标(人)",
             "消费帮扶目标(万元)", "填报日期"]
PROGRESS = ["结对编号", "年度", "季度", "项目建设完成(个)", "劳务协作完成(人)", "消费帮扶完成(万元)", "填报日期"]
TEAMS = ["工作队编号", "县代码", "村名称", "派出单位", "第一书记", "工作队员人数", "派驻日期", "任期(月)"]
PARAMS = PairingsParams(period="2023Q2", provinces=["52 贵州省", "53 云南省"])





def test_a_quarter_of_the_pairings(two_provinces_seeded, tmp_path, monkeypatch):
    from tasks.settings import get_settings

    engine = two_provinces_seeded
    counties = read_table(engine, "counties", ["52"])
    county = counties.loc[~counties["is_former_poor"], "code"].sort_values().iloc[0]  # no seeded pairing
    routes = tmp_path / "channels.toml"
    routes.write_text(f'default = "#coordinators"\n[campaigns]\npairings = "#pairings"\n'
                      f'[counties]\n"{county}" = "#county"\n', "utf-8")
    monkeypatch.setenv("CAMPAIGNS_SLACK_CHANNELS_FILE", str(routes))
    get_settings.cache_clear()
    ingest = tmp_path / "ingest"

    # The county's 2023 agreement with 浙江省 (and a row without its helper); its Q2 progress: projects on pace,
    # labour behind (100 of 400 by mid-year), consumption ahead; a row for a pairing nobody agreed.
    sent = write_csv(tmp_path / f"{county}-帮扶协作年度协议2023.csv", AGREEMENT,
                     [[f"EW-{county}", "东西部协作", "2023", "浙江省", county, "2023-02-15", "4", "400", "600",
                       "2023-03-01"],
                      [f"EW-{county}-X", "东西部协作", "2023", "", county, "2023-02-15", "1", "1", "1", "2023-03-01"]])
    report = ingest_file(engine, sent, output_dir=ingest, today=date(2023, 3, 2))
    assert report.kind == "pairing_agreements"
    assert (report.rows_read, report.loaded, report.quarantined) == (2, 1, 1)
    assert any(r.startswith("helper.present") for r in report.reasons)
    sent = write_csv(tmp_path / f"{county}-帮扶协作进展2023Q2.csv", PROGRESS,
                     [[f"EW-{county}", "2023", "2", "2", "100", "400", "2023-07-05"],
                      ["EW-000000", "2023", "2", "1", "1", "1", "2023-07-05"]])
    report = ingest_file(engine, sent, output_dir=ingest, today=date(2023, 7, 6))
    assert (report.kind, report.rows_read, report.loaded, report.quarantined) == ("pairing_progress", 2, 1, 1)
    assert any(r.startswith("pairing_no.known") for r in report.reasons)
    # Its teams: one whose two years end on 20 August (within 60 days of 30 June), one that started in 2023,
    # one with a term nobody serves.
    sent = write_csv(tmp_path / f"{county}-驻村工作队.csv", TEAMS,
                     [[f"{county}-T1", county, "花园村", "省农业农村厅", "周书记", "3", "2021-08-20", "24"],
                      [f"{county}-T2", county, "石门村", "市财政局", "吴书记", "2", "2023-03-01", ""],
                      [f"{county}-T3", county, "龙潭村", "县教育局", "郑书记", "2", "2023-03-01", "120"]])
    report = ingest_file(engine, sent, output_dir=ingest, today=date(2023, 7, 6))
    assert (report.kind, report.rows_read, report.loaded, report.quarantined) == ("village_teams", 3, 2, 1)
    assert any(r.startswith("term_months.valid") for r in report.reasons)

    summary = assistance_pairings(PARAMS)

    folder = Path(summary["folder"])
    assert json.loads((folder / "summary.json").read_text("utf-8")) == summary
    listed = sheet_rows(folder, "52", "结对进展") + sheet_rows(folder, "53", "结对进展")
    assert len(listed) == summary["pairings"]
    assert sum(bool(p["关注事项"]) for p in listed) == summary["pairings_of_concern"]
    ours = next(p for p in listed if p["结对编号"] == f"EW-{county}")
    assert ours["帮扶类型"] == "东西部协作" and ours["关注事项"] == "进度滞后" and ours["滞后领域"] == "劳务协作"
    assert ours["劳务协作完成率"] == pytest.approx(0.25) and ours["消费帮扶完成率"] == pytest.approx(400 / 600)
    assert ours["总体完成率"] == pytest.approx((0.5 + 0.25 + 400 / 600) / 3)
    due = sheet_rows(folder, "52", "驻村轮换") + sheet_rows(folder, "53", "驻村轮换")
    assert len(due) == summary["rotations_due"]
    assert [t["工作队编号"] for t in due if t["县代码"] == county] == [f"{county}-T1"]
    assert next(t for t in due if t["工作队编号"] == f"{county}-T1")["任期届满日期"].date() == date(2023, 8, 20)

    with engine.connect() as conn:  # the county hears of its pairing and its team; no other county does
        said = conn.execute(sa.text("SELECT dedupe_key, channel, text FROM outbox "
                                    "WHERE campaign = 'pairings'")).all()
    to_county = [(channel, text) for key, channel, text in said if f"county:{county}" in key]
    assert len(to_county) == 1 and to_county[0][0] == "#county"
    assert f"EW-{county}" in to_county[0][1] and f"{county}-T1" in to_county[0][1]
    assert not [key for key, _, _ in said if "county:" in key and f"county:{county}" not in key]

    # October: Q3 progress arrives and the next team starts in T1's village. Q2 again gives the same figures.
    later = write_csv(tmp_path / f"{county}-帮扶协作进展2023Q3.csv", PROGRESS,
                      [[f"EW-{county}", "2023", "3", "3", "300", "500", "2023-10-05"]])
    assert ingest_file(engine, later, output_dir=ingest, today=date(2023, 10, 6)).loaded == 1
    team = write_csv(tmp_path / f"{county}-驻村工作队-轮换.csv", TEAMS,
                     [[f"{county}-T4", county, "花园村", "省农业农村厅", "冯书记", "3", "2023-08-21", "24"]])
    assert ingest_file(engine, team, output_dir=ingest, today=date(2023, 10, 6)).loaded == 1
    rows = sheet_rows(folder, "52", "结对进展")
    again = assistance_pairings(PARAMS)
    assert {k: v for k, v in again.items() if k != "run_id"} == {k: v for k, v in summary.items() if k != "run_id"}
    assert sheet_rows(folder, "52", "结对进展") == rows

    # The county corrects its Q2 labour (300 had gone out, not 100): Q2 changes by its own data, and only so.
    corrected = write_csv(tmp_path / f"{county}-帮扶协作进展2023Q2-更正.csv", PROGRESS,
                          [[f"EW-{county}", "2023", "2", "2", "300", "400", "2023-10-08"]])
    assert ingest_file(engine, corrected, output_dir=ingest, today=date(2023, 10, 8)).loaded == 1
    revised = assistance_pairings(PARAMS)
    assert revised["flags"]["behind"] == summary["flags"]["behind"] - 1
    assert not next(p for p in sheet_rows(folder, "52", "结对进展") if p["结对编号"] == f"EW-{county}")["关注事项"]
    changed = ("run_id", "flags", "pairings_of_concern", "completion")
    assert {k: v for k, v in revised.items() if k not in changed} == \
        {k: v for k, v in summary.items() if k not in changed}

"""The year-round lead watch on a seeded roster: each county's overdue and late leads of the week, to its
channel over the real Slack client (a local fake server), a workbook coordinators can use, nothing personal
in clear, and the same answer when run again."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from support.fake_slack import seeded_county_with_its_channel
from support.ingest_files import LEAD_HEADER_ZH, lead_rows, write_csv

from flows.lead_watch import lead_watch
from tasks.ingest.load import ingest_file
from tasks.lead_watch.params import LeadWatchParams
from tasks.notify import build_notifier
from tasks.privacy import ID_IN_TEXT
from tasks.storage.engine import build_engine

SUNDAY = date(2023, 9, 17)


@pytest.fixture
def county(tmp_path, monkeypatch, slack) -> str:
    """A seeded roster of 贵州, Slack at the fake, a channel for one county, and that county's leads: one
    overdue since August, one reported on Wednesday and still not accepted, one verified in time."""
    code = seeded_county_with_its_channel(tmp_path, monkeypatch, slack, {"lead-watch": "#leads"})
    rows = lead_rows(code, 3, start=70)
    rows[0][7], rows[0][8] = "2023-08-01 09:00", "2023-08-01 15:00"  # pending ever since: overdue
    rows[1][7], rows[1][8] = "2023-09-13 09:00", ""  # not accepted by 15 September 24:00: late
    rows[2][7], rows[2][8], rows[2][9], rows[2][10] = "2023-09-11 09:00", "2023-09-11 10:00", "2023-09-12", "已核实"
    sent = write_csv(tmp_path / "线索.csv", LEAD_HEADER_ZH, rows)
    report = ingest_file(build_engine(), sent, output_dir=tmp_path / "in", today=date(2023, 9, 18))
    assert report.loaded == 3, report.reasons
    return code


def test_the_weekly_watch_tells_each_county_its_overdue_and_late_leads(prefect_harness, county, slack, tmp_path):
    overdue, late = f"L{county}000070", f"L{county}000071"
    summary = lead_watch(LeadWatchParams(as_of=SUNDAY, provinces=["52 贵州省"]))
    assert summary["overdue"] >= 1 and summary["late"] >= 1

    book = openpyxl.load_workbook(tmp_path / "outputs" / "lead-watch" / str(SUNDAY) / "lead-watch.xlsx")
    assert book.sheetnames == ["县级汇总", "超期未核实线索", "受理迟延线索"]
    counties = list(book["县级汇总"].iter_rows(values_only=True))
    header, ours = counties[0], next(r for r in counties[1:] if r[2] == county)
    row = dict(zip(header, ours, strict=True))
    assert (row["待核实线索"], row["超期未核实"], row["受理迟延"]) == (2, 1, 1)  # numbers, not text
    assert row["待核实较上周"] == 1 and row["县名称"] and row["省份"] == "贵州省"
    rows = list(book["超期未核实线索"].iter_rows(values_only=True))
    listed = {r["线索编号"]: r for r in (dict(zip(rows[0], row, strict=True)) for row in rows[1:])}
    assert listed[overdue]["线索状态"] == "待核实" and listed[overdue]["已等待天数"] == (SUNDAY - date(2023, 8, 1)).days
    assert listed[overdue]["省份"] == "贵州省" and listed[overdue]["县名称"]  # names beside codes
    late_rows = list(book["受理迟延线索"].iter_rows(values_only=True))
    assert late in {dict(zip(late_rows[0], r, strict=True))["线索编号"] for r in late_rows[1:]}

    assert not [m for m in slack.messages if m["channel"] == "#county"]  # the county's waits for its digest
    build_notifier().flush(digests_now=True)
    to_county = [m["text"] for m in slack.messages if m["channel"] == "#county"]
    assert len(to_county) == 1 and overdue in to_county[0] and late in to_county[0]
    assert "线索核查 每日汇总" in to_county[0] and "超期未核实 / overdue: 1" in to_county[0]
    assert any("线索周报" in m["text"] for m in slack.messages if m["channel"] == "#leads")
    assert not any(ID_IN_TEXT.search(m["text"]) or "测试" in m["text"] or "13800138000" in m["text"]
                   for m in slack.messages)

    sent = len(slack.messages)
    assert lead_watch(LeadWatchParams(as_of=SUNDAY, provinces=["52 贵州省"])) == summary | {
        "run_id": summary["run_id"]}
    build_notifier().flush(digests_now=True)
    assert len(slack.messages) == sent  # the same week again: same figures, nobody told twice

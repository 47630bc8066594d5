"""The inbox sweep flow and the `campaigns ingest` command: files moved out, problems sent to the county."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from support.fake_slack import seeded_county_with_its_channel
from support.ingest_files import LEAD_HEADER_ZH, lead_rows, write_csv
from typer.testing import CliRunner

from deployments.cli import app
from tasks.ingest.template import contract_markdown
from tasks.notify import build_notifier
from tasks.privacy import ID_IN_TEXT
from tasks.settings import get_settings

runner = CliRunner()


@pytest.fixture
def county(tmp_path, monkeypatch, slack) -> str:
    """A seeded SQLite roster, Slack at the fake, and a channel for one county."""
    return seeded_county_with_its_channel(tmp_path, monkeypatch, slack, {"ingest": "#stewards"},
                                          INBOX_SETTLE_SECONDS="0")


def test_sweep_moves_every_file_out_and_tells_the_county_about_problems(prefect_harness, county, slack, tmp_path):
    from flows.ingest import ingest_inbox

    inbox = Path("var/inbox")
    (inbox / county).mkdir(parents=True)
    good = write_csv(inbox / county / "good leads.csv", LEAD_HEADER_ZH, lead_rows(county, 5))
    rows = lead_rows(county, 3, start=20)
    rows[0][1] = "微信群"
    write_csv(inbox / county / "bad leads.csv", LEAD_HEADER_ZH, rows)
    (inbox / "junk.csv").write_bytes(bytes(range(256)) * 10)
    (inbox / "~$open.xlsx").write_bytes(b"lock")
    (inbox / "link.csv").symlink_to(good)

    result = ingest_inbox()

    assert result["totals"] == {"files": 4, "waiting": 0, "loaded": 2, "duplicate": 0, "rejected": 2,
                                "rows_loaded": 7, "rows_quarantined": 1}
    assert sorted(p.name for p in inbox.rglob("*") if p.is_file() or p.is_symlink()) == ["~$open.xlsx"]
    day = datetime.now(get_settings().tz).date().isoformat()
    archived = sorted(p.name for p in Path("var/archive", day).iterdir())
    assert len(archived) == 4 and all(re.fullmatch(r"[0-9a-f]{64}__(good|bad) leads\.csv(\.report\.json)?", n)
                                      for n in archived)
    rejected = {p.name for p in Path("var/rejected", day).iterdir()}
    junk = next(n for n in rejected if n.endswith("__junk.csv"))
    assert {junk, f"{junk}.error.txt", f"{junk}.report.json", "link.csv", "link.csv.error.txt",
            "link.csv.report.json"} == rejected
    assert "binary content" in Path("var/rejected", day, f"{junk}.error.txt").read_text("utf-8")
    assert "symbolic link" in Path("var/rejected", day, "link.csv.error.txt").read_text("utf-8")
    for folder in ("var/archive", "var/rejected", f"var/archive/{day}", f"var/rejected/{day}"):
        assert Path(folder).stat().st_mode & 0o777 == 0o700  # county files: readable by the owner only

    build_notifier().flush(digests_now=True)  # the county's message waited for its digest
    by_channel = {}
    for m in slack.messages:
        by_channel.setdefault(m["channel"], []).append(m["text"])
    assert len(by_channel["#county"]) == 1  # from the county's folder and rows
    county_message = by_channel["#county"][0]
    assert "bad leads.csv" in county_message and "线索来源渠道填写不规范" in county_message  # the rule's name
    assert "channel.code" not in county_message and "隔离行" in county_message  # not its id; the workbook
    assert len(by_channel["#stewards"]) == 2  # no county to tell: the data stewards
    assert any("junk.csv" in t for t in by_channel["#stewards"])
    assert not any("good leads.csv" in t for texts in by_channel.values() for t in texts)
    assert not any(ID_IN_TEXT.search(t) for texts in by_channel.values() for t in texts)

    # The same content dropped again: nothing loaded, moved out all the same.
    write_csv(inbox / county / "good leads again.csv", LEAD_HEADER_ZH, lead_rows(county, 5))
    again = ingest_inbox()
    assert again["totals"]["duplicate"] == 1 and again["totals"]["rows_loaded"] == 0


def test_files_still_arriving_wait_for_the_next_sweep(county, monkeypatch):
    monkeypatch.setenv("CAMPAIGNS_INBOX_SETTLE_SECONDS", "3600")
    get_settings.cache_clear()
    inbox = Path("var/inbox")
    inbox.mkdir(parents=True)
    write_csv(inbox / "new.csv", LEAD_HEADER_ZH, lead_rows(county, 2))
    result = runner.invoke(app, ["ingest", "--inbox"])
    assert result.exit_code == 0, result.output
    assert "left for the next sweep" in result.output and (inbox / "new.csv").exists()
    old = inbox / "new.csv"
    os.utime(old, (old.stat().st_mtime - 7200,) * 2)
    assert runner.invoke(app, ["ingest", "--inbox"]).exit_code == 0
    assert not old.exists()


def test_cli_reports_per_file_and_fails_on_a_rejected_one(county, tmp_path):
    good = write_csv(tmp_path / "good.csv", LEAD_HEADER_ZH, lead_rows(county, 3))
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(good), str(bad)])
    assert result.exit_code == 1
    assert "good.csv：问题线索，读取 3 行，入库 3 行，隔离 0 行" in result.output
    assert "拒收 empty.csv：" in result.output and "the file is empty" in result.output
    assert "Traceback" not in result.output
    assert good.exists() and bad.exists()  # files named on the command line stay where they are
    unknown = runner.invoke(app, ["ingest", str(good), "--kind", "people"])
    assert unknown.exit_code == 2 and "unknown kind 'people'" in unknown.output


def test_template_filled_in_is_accepted(county, tmp_path):
    path = tmp_path / "leads.xlsx"
    assert runner.invoke(app, ["ingest", "--template", "leads", "--output", str(path)]).exit_code == 0
    book = load_workbook(path)
    sheet = book["问题线索"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["*线索编号", "*线索来源渠道", "推送部门"]
    row = dict(zip(LEAD_HEADER_ZH, lead_rows(county, 1)[0], strict=True))
    for index, name in enumerate(header, start=1):
        sheet.cell(row=2, column=index, value=row.get(name.lstrip("*")))
    book.save(path)
    result = runner.invoke(app, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert "leads.xlsx：问题线索，读取 1 行，入库 1 行，隔离 0 行" in result.output


def test_contract_document_is_generated_from_the_contract():
    committed = (Path(__file__).parents[2] / "expectations" / "data_contract.md").read_text("utf-8")
    assert committed == contract_markdown(), "run `campaigns ingest --contract -o expectations/data_contract.md`"
    result = runner.invoke(app, ["ingest", "--contract"])
    assert result.exit_code == 0 and "| 证件号码 | `id_number` |" in result.output


def test_ingest_report_json_has_no_personal_data(county, tmp_path):
    rows = lead_rows(county, 2)
    rows[0][3] = rows[0][3][:-1] + ("0" if rows[0][3][-1] != "0" else "1")  # checksum broken: kept, to visit
    rows[1][1] = "微信群"  # no such channel: set aside
    inbox = Path("var/inbox")
    inbox.mkdir(parents=True)
    write_csv(inbox / "leads.csv", LEAD_HEADER_ZH, rows)
    assert runner.invoke(app, ["ingest", "--inbox"]).exit_code == 0
    report = next(Path("var/archive").rglob("*.report.json"))
    data = json.loads(report.read_text("utf-8"))
    assert data["quarantined"] == 1 and "channel.code" in next(iter(data["reasons"]))
    assert data["loaded"] == 1 and "id_number.valid" in next(iter(data["warnings"]))
    assert not ID_IN_TEXT.search(report.read_text("utf-8")) and "测试" not in report.read_text("utf-8")

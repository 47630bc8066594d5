"""The threshold what-if on a seeded roster: its counts agree with the screening run at the candidate
threshold, households it cannot test are set aside and counted, its workbook holds numbers under Chinese
headers, and its output check is not a formality."""

from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from flows.what_if import threshold_what_if
from tasks.screening.core import new_candidates
from tasks.screening.rules import ScreeningRules
from tasks.settings import get_settings
from tasks.storage.reads import read_tables
from tasks.storage.versions import RosterView, latest_batch
from tasks.what_if.params import ThresholdWhatIfParams
from tasks.what_if.threshold import monotone

AS_OF = date(2023, 6, 30)


def _screened(engine, change: float = 0.0, amount: float | None = None) -> int:
    """The screening's own new candidates as of AS_OF, with every province's 2023 threshold moved."""
    tables = read_tables(engine, ["households", "persons", "measures", "leads", "monitoring_thresholds"],
                         view=RosterView(AS_OF, latest_batch(engine)))
    thresholds = tables["monitoring_thresholds"]
    this_year = thresholds["year"] == 2023
    moved = amount if amount is not None else thresholds.loc[this_year, "threshold"].astype(float) * (1 + change / 100)
    thresholds.loc[this_year, "threshold"] = moved
    households = tables["households"]
    households["threshold"] = households["province_code"].map(
        thresholds[this_year].drop_duplicates("province_code").set_index("province_code")["threshold"]).astype(float)
    return len(new_candidates(tables, date(2023, 1, 1), pd.Timestamp(AS_OF), ScreeningRules()))


def test_the_what_if_counts_what_the_screening_would_find_at_each_threshold(prefect_harness, seeded, tmp_path,
                                                                            monkeypatch):
    monkeypatch.setenv("CAMPAIGNS_REPORTS_URL", "http://127.0.0.1:4201/")  # as `campaigns serve` sets it
    get_settings.cache_clear()
    summary = threshold_what_if(ThresholdWhatIfParams(year=2023, as_of=AS_OF, thresholds=[8000],
                                                      changes_pct=[10, -10]))
    scenarios = summary["scenarios"]
    assert list(scenarios) == ["8,000元", "现行+10%", "现行-10%"]
    now = _screened(seeded)
    for name, expected in (("8,000元", _screened(seeded, amount=8000)), ("现行+10%", _screened(seeded, 10)),
                           ("现行-10%", _screened(seeded, -10))):
        s = scenarios[name]
        assert s["candidates_now"] == now and s["candidates_then"] == expected, name
        assert s["candidates_then"] == now + s["entering_households"] - s["leaving_households"]
    assert scenarios["现行+10%"]["entering_households"] > 0 and scenarios["现行+10%"]["leaving_households"] == 0
    assert scenarios["现行-10%"]["leaving_households"] > 0 and scenarios["现行-10%"]["entering_households"] == 0
    assert scenarios["现行+10%"]["entering_persons"] >= scenarios["现行+10%"]["entering_households"]

    folder = tmp_path / "outputs" / "what-if" / "2023" / str(AS_OF)
    book = openpyxl.load_workbook(folder / "what-if.xlsx")
    assert book.sheetnames == ["分省", "分县", "分类别", "测算说明"]
    rows = list(book["分省"].iter_rows(values_only=True))
    header = rows[0]
    assert header[:5] == ("测算方案", "省代码", "省份", "现行监测范围(元)", "测算监测范围(元)")
    first = dict(zip(header, rows[1], strict=True))
    assert isinstance(first["新增建议监测户数"], int) and first["省份"]  # numbers as numbers, names beside codes
    by_province = sum(r[header.index("新增建议监测户数")] for r in rows[1:] if r[0] == "现行+10%")
    assert by_province == scenarios["现行+10%"]["entering_households"]
    types = {r[1] for r in list(book["分类别"].iter_rows(values_only=True))[1:]}
    assert types <= {"脱贫不稳定户", "边缘易致贫户", "突发严重困难户"} and types
    assert (folder / "what-if.png").stat().st_size > 1000
    with seeded.connect() as conn:  # the coordinators' message links the workbook, not a path on the server
        told = conn.execute(sa.text("SELECT text FROM outbox WHERE campaign = 'what-if'")).scalars().all()
    assert any("http://127.0.0.1:4201/what-if/2023/" in t and t.rstrip().find("what-if.xlsx") > 0 for t in told)
    assert not any(str(tmp_path) in t for t in told)


def test_households_it_cannot_test_are_set_aside_and_counted(prefect_harness, seeded):
    with seeded.begin() as conn:
        missing = conn.execute(sa.text("SELECT household_no FROM households WHERE monitoring_type IS NULL LIMIT 3")
                               ).scalars().all()
        conn.execute(sa.text("UPDATE households SET per_capita_net_income = NULL WHERE household_no IN "
                             "(:a, :b, :c)"), dict(zip("abc", missing, strict=True)))
    summary = threshold_what_if(ThresholdWhatIfParams(year=2023, as_of=AS_OF, changes_pct=[5], dry_run=True))
    assert summary["set_aside"] == 3 and summary["households"] == 800
    assert summary["folder"] is None  # a dry run writes no workbook


def test_the_output_check_fails_when_a_higher_threshold_finds_fewer_candidates():
    results = pd.DataFrame({
        "scenario": ["7,000元", "8,000元"], "threshold_now": [7500.0, 7500.0], "threshold_then": [7000.0, 8000.0],
        "province_code": ["52", "52"], "county_code": ["520102", "520102"], "candidate_type": ["marginal"] * 2,
        "candidates_now": [10, 10], "candidates_then": [8, 9], "entering_households": [0, 0],
        "entering_persons": [0, 0], "leaving_households": [2, 1], "leaving_persons": [4, 2]})
    checked = monotone(results).set_index("scenario")["monotone"]
    assert checked["7,000元"] and not checked["8,000元"]  # 9 at 8,000 元 but 10 at the current 7,500 元


def test_the_form_asks_for_a_candidate_and_says_so_in_chinese():
    # One click weighs ±5 % on each province's own threshold; a form cleared of every candidate is refused.
    assert ThresholdWhatIfParams(year=2023).changes_pct == [5.0, -5.0]
    with pytest.raises(ValidationError, match="请至少填写一个候选监测范围"):
        ThresholdWhatIfParams(year=2023, changes_pct=[])
    with pytest.raises(ValidationError, match="不在 1,000–100,000 元之间"):
        ThresholdWhatIfParams(year=2023, thresholds=[70])
    schema = ThresholdWhatIfParams.model_json_schema()["properties"]
    assert schema["thresholds"]["title"].startswith("候选监测范围")
    assert schema["changes_pct"]["title"].startswith("在现行") and schema["changes_pct"]["default"] == [5.0, -5.0]


def test_the_command_without_candidates_weighs_the_forms_own(prefect_harness, seeded):
    """`campaigns run threshold-what-if` with neither --threshold nor --change tries what a one-click run of
    the form tries (±5 % on each province's threshold), instead of refusing."""
    from typer.testing import CliRunner

    from deployments.cli import app

    result = CliRunner().invoke(app, ["run", "threshold-what-if", "--year", "2023", "--as-of", str(AS_OF),
                                      "--provinces", "52", "--dry-run"])
    assert result.exit_code == 0, result.output
    tried = [line.split(":")[0] for line in result.output.splitlines() if "新增" in line]
    assert len(tried) == 2 and any("+5" in name for name in tried) and any("-5" in name for name in tried), tried

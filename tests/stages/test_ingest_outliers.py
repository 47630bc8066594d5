"""Outliers on each county submission (issue 23, part 2): once a file is loaded, its county's indicators as
the roster then stands are judged against the county's earlier submissions and the province's other
counties. A county whose incomes were typed per month and one that sent its leads twice are flagged, with
the reason in Chinese, to the county and the province, and in the county's workbook; a clean resubmission
and a file of measures are not."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from tasks.ingest.inbox import tell_provinces
from tasks.ingest.load import ingest_file
from tasks.ingest.outliers import SOURCE, roster_indicators
from tasks.model import metadata
from tasks.model.history import DATABASE_COLUMNS
from tasks.notify import build_notifier
from tasks.reference.provinces import parse_provinces
from tasks.settings import get_settings
from tasks.storage.reads import read_table
from tasks.synthetic.seed import seed_database

TODAY = date(2023, 6, 20)
MONTHLY = ["wage_income", "business_income", "property_income", "transfer_income", "business_expenses", "net_income",
           "per_capita_net_income"]  # every amount of the year


@pytest.fixture
def roster(engine):
    # 16 counties of about 125 households: a real county is larger still, a toy one's ratios swing.
    seed_database(engine, 2000, parse_provinces("11"), year=2023, seed=7)
    return engine


def _file(tmp_path: Path, name: str, table: str, frame: pd.DataFrame) -> Path:
    columns = [c.name for c in metadata.tables[table].columns if c.name not in DATABASE_COLUMNS]
    path = tmp_path / name
    frame[columns].to_csv(path, index=False)
    return path


def _ingest(engine, path: Path, day: date = TODAY):
    report = ingest_file(engine, path, output_dir=path.parent / "out", today=day,
                         notifier=build_notifier(get_settings(), engine))
    assert report.status == "loaded", report.problem
    return report


def _earlier_submissions(engine, days: int = 4, noise: float = 0.05) -> None:
    """The counties' indicators after each of four earlier submissions: today's clean values, each moved
    by a few per cent."""
    clean = roster_indicators(engine, ["11"], TODAY).dropna(subset=["value"])
    rng = np.random.default_rng(3)
    rows = [{"source": SOURCE, "as_of": TODAY - timedelta(days=30 * k), "province_code": r.province_code,
             "county_code": r.county_code, "indicator": r.indicator,
             "value": (r.value if r.indicator != "share_set_aside" else 0.01) * (1 + rng.normal(0, noise)),
             "campaign_run_id": None, "recorded_at": datetime(2023, 1, 1)}
            for k in range(1, days + 1) for r in clean.itertuples()]
    with engine.begin() as conn:
        conn.execute(metadata.tables["county_indicators"].insert(), rows)


def _name(engine, county: str) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT name FROM counties WHERE code = :c"), {"c": county}).scalar_one()


def _flagged(engine, county: str) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT indicator, outlier FROM county_indicators WHERE source = :s AND county_code = :c AND as_of = :d "
            "AND outlier IS NOT NULL"), {"s": SOURCE, "c": county, "d": TODAY}).all())


def test_a_month_of_incomes_and_leads_sent_twice_are_flagged_and_clean_files_are_not(roster, tmp_path):
    _earlier_submissions(roster)
    households, leads = read_table(roster, "households"), read_table(roster, "leads")
    sizes = households.groupby("county_code").size()
    counties = sizes[sizes >= 60].index.tolist()
    monthly, clean = counties[0], counties[1]
    twice = leads[leads["county_code"].isin(counties[2:])].groupby("county_code").size().idxmax()

    typed = households[households["county_code"] == monthly].copy()
    typed[MONTHLY] = typed[MONTHLY] / 12
    typed_report = _ingest(roster, _file(tmp_path, "农户_按月.csv", "households", typed))
    assert any("家庭人均纯收入平均值" in line for line in typed_report.outliers), typed_report.outliers
    assert "本县以往4期中位数" in _flagged(roster, monthly)["income_per_capita"]

    again = leads[leads["county_code"] == twice].assign(lead_no=lambda f: f["lead_no"] + "B")
    twice_report = _ingest(roster, _file(tmp_path, "线索_重复.csv", "leads", again))
    assert [line for line in twice_report.outliers if "每千户问题线索数" in line], twice_report.outliers
    assert set(_flagged(roster, twice)) == {"leads_per_1000"}  # a file of leads is judged on its leads

    # The same county's roster sent again as it is, and a file of measures: nothing to question.
    clean_report = _ingest(roster, _file(tmp_path, "农户_原样.csv", "households",
                                         households[households["county_code"] == clean]))
    assert clean_report.outliers == [] and _flagged(roster, clean) == {}
    measures = read_table(roster, "measures")
    of_clean = measures[measures["household_no"].isin(households.loc[households["county_code"] == clean,
                                                                     "household_no"])]
    assert _ingest(roster, _file(tmp_path, "措施.csv", "measures", of_clean)).outliers == []

    # The province's coordinator gets one summary of the files handled together (a sweep, a command).
    tell_provinces(build_notifier(get_settings(), roster), [typed_report, twice_report, clean_report])
    with roster.connect() as conn:
        messages = dict(conn.execute(sa.text("SELECT dedupe_key, text FROM outbox")).all())
        kept = conn.execute(sa.text("SELECT COUNT(*) FROM county_indicators WHERE source = :s AND as_of = :d"),
                            {"s": SOURCE, "d": TODAY}).scalar_one()
    [summary] = [text for key, text in messages.items() if key.startswith("ingest-outliers:11:")]
    assert "北京市" in summary and "农户_按月.csv" in summary and "线索_重复.csv" in summary
    assert "农户_原样.csv" not in summary
    # One message per file, to the county (else its province): the reason in Chinese, the county named with
    # its province and code, and the workbook that lists it.
    about = {report.sha256: [text for key, text in messages.items() if key.startswith(f"ingest:{report.sha256}:")]
             for report in (typed_report, clean_report)}
    [to_county] = about[typed_report.sha256]
    assert "异常值提示" in to_county and "请核实收入是否按月填报" in to_county and typed_report.set_aside in to_county
    assert f"北京市{_name(roster, monthly)}（{monthly}）" in to_county
    assert not any(":outliers:" in key for key in messages)  # no second message of the county's
    assert not any("异常值提示" in text for text in about[clean_report.sha256])
    # Per county, the indicators its files are judged on, as they stood after its last file of the day.
    assert kept == 4 + 1 + 4 + 1

    # The county's workbook lists them, though no row of the file was set aside.
    book = openpyxl.load_workbook(next((tmp_path / "out").rglob(f"{monthly}*.xlsx")))
    rows = list(book["异常值提示"].iter_rows(values_only=True))
    assert rows[0][:4] == ("省份", "县代码", "县名称", "指标") and any("家庭人均纯收入平均值" in r for r in rows[1:])


def test_a_file_sent_again_later_the_same_day_replaces_its_counties_record(roster, tmp_path):
    households = read_table(roster, "households")
    county = households["county_code"].value_counts().index[0]
    own = households[households["county_code"] == county]
    _ingest(roster, _file(tmp_path, "农户1.csv", "households", own))
    typed = own.copy()
    typed[MONTHLY] = typed[MONTHLY] / 12  # a different file (another hash), the same day
    _ingest(roster, _file(tmp_path, "农户2.csv", "households", typed))
    with roster.connect() as conn:
        rows = conn.execute(sa.text("SELECT indicator, value FROM county_indicators WHERE source = :s AND "
                                    "county_code = :c"), {"s": SOURCE, "c": county}).all()
    income = dict(rows)["income_per_capita"]
    assert len(rows) == 4 and income == pytest.approx(own["per_capita_net_income"].mean() / 12, rel=1e-6)


def test_the_database_sums_a_county_as_the_campaigns_sum_its_rows(roster):
    """The submission's sums come from the database (a province at a time); they are the campaigns'
    (`county_sums` of the rows), so that one definition holds."""
    from tasks.quality.county_indicators import county_sums, indicators

    h, m, leads = (read_table(roster, t) for t in ("households", "measures", "leads"))
    end = pd.Timestamp(TODAY) + pd.Timedelta(days=1)
    recent = leads[(leads["reported_at"] >= end - pd.Timedelta(days=365)) & (leads["reported_at"] < end)]
    expected = indicators(county_sums(h, recent, m, h[["province_code", "county_code"]]))
    got = roster_indicators(roster, ["11"], TODAY)
    keys = ["province_code", "county_code", "indicator"]
    both = expected.merge(got, on=keys, suffixes=("_rows", "_db"), validate="one_to_one")
    assert len(both) == len(expected) == len(got) == 16 * 6
    assert np.allclose(both["value_rows"].astype(float), both["value_db"].astype(float), rtol=1e-9, equal_nan=True)
    assert (both["households_rows"] == both["households_db"]).all()

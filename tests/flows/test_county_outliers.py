"""Outliers among the counties' indicators at the screening's input stage (issue 23, part 2): a county whose
incomes were typed per month, one that submitted its leads twice and one whose leads vanished are flagged,
with the reason in Chinese, to the county and the province, and listed in the county's validation workbook;
the other counties of the province are not."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from flows.assessment import annual_assessment
from flows.screening import concentrated_screening
from tasks.assessment.params import AssessmentParams
from tasks.model import CountyIndicator
from tasks.quality.county_indicators import history, outliers
from tasks.quality.outliers import OutlierRules, detect
from tasks.reference.provinces import parse_provinces
from tasks.screening.params import ScreeningParams
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.storage.history_write import write_versions
from tasks.storage.reads import read_table
from tasks.storage.versions import open_batch
from tasks.synthetic.seed import seed_database

AS_OF = date(2023, 6, 30)
MONTHLY = ["wage_income", "business_income", "property_income", "transfer_income", "business_expenses", "net_income",
           "per_capita_net_income"]  # every amount of the year


@pytest.fixture
def roster(tmp_path):
    engine = build_engine()
    db.upgrade(engine)
    # Counties of about 190 households: a real county's roster is larger still, a toy one's ratios swing.
    seed_database(engine, 6000, parse_provinces("11,12"), year=2023, seed=7)
    return engine


def _screen() -> dict:
    return concentrated_screening(ScreeningParams(year=2023, as_of=AS_OF, mode="close_out"))


def _earlier_years(engine, noise: float = 0.05, source: str = "screening", day: date = AS_OF) -> None:
    """Five earlier years' indicators as those years' runs of `source` would have kept them: this year's
    clean values, each moved by a few per cent."""
    current = pd.read_sql(sa.text("SELECT * FROM county_indicators WHERE source = :s AND as_of = :d"), engine,
                          params={"s": source, "d": day})
    rng = np.random.default_rng(1)
    rows = [{"source": source, "as_of": day.replace(year=year), "province_code": r.province_code,
             "county_code": r.county_code, "indicator": r.indicator,
             "value": r.value * (1 + rng.normal(0, noise)), "campaign_run_id": None,
             "recorded_at": datetime(year + 1, 1, 1)}
            for year in range(day.year - 5, day.year) for r in current.itertuples() if pd.notna(r.value)]
    pd.DataFrame(rows).to_sql("county_indicators", engine, if_exists="append", index=False)


def _type_per_month(engine, county: str, day: date) -> None:
    """The county's incomes of the year typed per month, recorded on `day` as the ingest records a file
    (incomes are news from the day recorded)."""
    households = read_table(engine, "households")
    typed = households[households["county_code"] == county].copy()
    typed[MONTHLY] = typed[MONTHLY] / 12
    with engine.begin() as conn:
        batch = open_batch(conn, "test: a month's incomes", datetime.combine(day, datetime.min.time()))
        write_versions(conn, "households", typed, batch_id=batch, recorded_on=day)


def _county_with_most_leads(engine, but: tuple[str, ...] = ()) -> str:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT county_code, COUNT(*) FROM leads GROUP BY county_code ORDER BY 2 DESC, 1"
                                    )).all()
    return next(code for code, _ in rows if code not in but)


def test_typed_per_month_submitted_twice_and_vanished_are_flagged_and_nothing_else(prefect_harness, roster,
                                                                                   tmp_path):
    first = _screen()  # no history yet: only a county far from its province's others could be flagged
    counties = pd.read_sql(sa.text("SELECT DISTINCT county_code FROM county_indicators"), roster)["county_code"]
    assert len(first["county_outliers"]) <= 0.01 * len(counties)
    _earlier_years(roster)

    twice = _county_with_most_leads(roster)
    vanished = _county_with_most_leads(roster, but=(twice,))
    with roster.connect() as conn:
        monthly = conn.execute(sa.text("SELECT county_code FROM households GROUP BY county_code HAVING COUNT(*) >= 40 "
                                       "ORDER BY county_code LIMIT 1")).scalar_one()
    _type_per_month(roster, monthly, date(2023, 6, 20))
    leads = read_table(roster, "leads")
    again = leads[leads["county_code"] == twice].assign(lead_no=lambda f: f["lead_no"] + "B")
    with roster.begin() as conn:  # as the ingest records a county's file (tasks.ingest.load)
        batch = open_batch(conn, "test: leads sent twice", datetime(2023, 6, 20))
        write_versions(conn, "leads", again, batch_id=batch, recorded_on=date(2023, 6, 20))
        for table in ("leads", "leads_history"):  # never sent: the county's leads are not in the roster
            conn.execute(sa.text(f"DELETE FROM {table} WHERE county_code = :c"), {"c": vanished})

    flagged = _screen()["county_outliers"]
    by_county: dict[str, set[str]] = {}
    for key in flagged:
        county, indicator = key.split(":")
        by_county.setdefault(county, set()).add(indicator)
    assert "income_per_capita" in by_county.get(monthly, set())
    assert "leads_per_1000" in by_county.get(twice, set())
    assert "leads_per_1000" in by_county.get(vanished, set())
    clean = set(counties) - {monthly, twice, vanished}
    assert len(set(by_county) & clean) <= 0.01 * len(clean)  # false alarms: under 1 % of counties

    with roster.connect() as conn:
        reasons = dict(conn.execute(sa.text(
            "SELECT indicator, outlier FROM county_indicators WHERE county_code = :c AND as_of = :d "
            "AND outlier IS NOT NULL"), {"c": monthly, "d": AS_OF}).all())
        messages = dict(conn.execute(sa.text("SELECT dedupe_key, text FROM outbox WHERE dedupe_key LIKE "
                                             "'%:outliers:%'")).all())
    income = reasons["income_per_capita"]
    assert "家庭人均纯收入平均值" in income and "本县以往5期中位数" in income and "请核实收入是否按月填报" in income
    to_county = next(text for key, text in messages.items() if f":outliers:{monthly}:" in key)
    assert "异常值提示" in to_county and "请核实" in to_county  # to the county, the reason in Chinese
    assert any(f":outliers:{monthly[:2]}:" in key for key in messages)  # and to its province

    # The county's validation workbook lists them beside its rows set aside.
    folder = tmp_path / "outputs" / "screening" / "2023" / f"close_out-{AS_OF}" / "隔离行"
    book = openpyxl.load_workbook(next(folder.glob(f"{monthly}*.xlsx")))
    rows = list(book["异常值提示"].iter_rows(values_only=True))
    assert rows[0][:4] == ("省份", "县代码", "县名称", "指标") and any("家庭人均纯收入平均值" in r for r in rows[1:])


def test_the_assessment_judges_each_county_against_its_earlier_years(prefect_harness, roster):
    year_end = date(2023, 12, 31)
    params = AssessmentParams(year=2023, provinces=["11 北京市", "12 天津市"])
    first = annual_assessment(params)
    kept = pd.read_sql(sa.text("SELECT * FROM county_indicators WHERE source = 'assessment'"), roster)
    assert set(kept["as_of"].astype(str)) == {str(year_end)} and kept["county_code"].nunique() == 32
    assert len(first["county_outliers"]) <= 0.01 * 32 * 6
    _earlier_years(roster, source="assessment", day=year_end)
    monthly = kept.groupby("county_code").size().index[3]
    _type_per_month(roster, monthly, date(2023, 12, 20))

    flagged = annual_assessment(params)["county_outliers"]
    assert f"{monthly}:income_per_capita" in flagged
    assert {key.split(":")[0] for key in flagged} == {monthly}  # and no other county
    with roster.connect() as conn:  # the rerun replaced the year's record
        rows = conn.execute(sa.text("SELECT COUNT(*) FROM county_indicators WHERE source = 'assessment' "
                                    "AND as_of = :d"), {"d": year_end}).scalar_one()
    assert rows == len(kept)


def test_a_period_is_compared_with_the_same_day_of_earlier_years(engine):
    """Leads and events count from the start of a window or year: a progress run of 15 May is not compared
    with the close-outs of 30 June."""
    table = CountyIndicator.__table__
    rows = [{"source": "screening", "as_of": day, "province_code": "11", "county_code": "110101",
             "indicator": "leads_per_1000", "value": value, "recorded_at": datetime(2023, 1, 1)}
            for day, value in ((date(2021, 6, 30), 40.0), (date(2022, 6, 30), 42.0), (date(2022, 5, 15), 20.0),
                               (date(2023, 5, 15), 21.0))]
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    assert history(engine, "screening", date(2023, 5, 15), ["110101"])["value"].tolist() == [20.0]
    assert sorted(history(engine, "screening", date(2023, 6, 30), ["110101"])["value"]) == [40.0, 42.0]
    everything = history(engine, "screening", date(2023, 6, 30), ["110101"], same_day_of_year=False)
    assert sorted(everything["value"]) == [20.0, 21.0, 40.0, 42.0]


def test_the_usual_range_of_a_share_is_shown_within_what_a_share_can_be(engine):
    table = CountyIndicator.__table__
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"source": "ingest", "as_of": date(2023, 5, day), "province_code": "11",
                                       "county_code": "110115", "indicator": "share_set_aside", "value": 0.0,
                                       "recorded_at": datetime(2023, 5, day)} for day in (1, 8, 15)])
    values = pd.DataFrame([{"province_code": "11", "county_code": "110115", "indicator": "share_set_aside",
                            "value": 0.288, "households": 400}])
    found = outliers(engine, "ingest", date(2023, 6, 1), values, OutlierRules(), same_day_of_year=False)
    assert found.loc[0, "outlier"]
    assert "正常范围约0.0%至5.0%" in found.loc[0, "reason"] and "-" not in found.loc[0, "reason"]


def test_the_false_alarm_rate_on_clean_counties_stays_under_one_per_cent():
    """2,000 counties, six indicators, five earlier years moving by 5 % a year around each county's own
    level, and a clean current year: fewer than 1 % of counties flagged."""
    rng = np.random.default_rng(23)
    levels = {"share_monitored": (0.05, 0.02), "income_per_capita": (12000, 3000), "income_change": (0.07, 0.03),
              "leads_per_1000": (20, 8), "measures_per_monitored": (2.0, 0.5), "share_set_aside": (0.02, 0.01)}
    from tasks.quality.county_indicators import INDICATORS

    current, history = [], []
    for county in range(2000):
        for indicator, (mean, spread) in levels.items():
            level = max(0.001, rng.normal(mean, spread))
            current.append({"unit": county, "group": county // 80, "indicator": indicator,
                            "value": level * (1 + rng.normal(0, 0.05)),
                            "relative_floor": INDICATORS[indicator][2], "absolute_floor": INDICATORS[indicator][3]})
            history += [{"unit": county, "indicator": indicator, "value": level * (1 + rng.normal(0, 0.05))}
                        for _ in range(5)]
    found = detect(pd.DataFrame(current), pd.DataFrame(history), OutlierRules())
    assert found.groupby("unit")["outlier"].any().mean() < 0.01
    # …and the same detector finds a county's income typed per month.
    typed = pd.DataFrame(current).assign(value=lambda f: np.where(
        (f["unit"] == 7) & (f["indicator"] == "income_per_capita"), f["value"] / 12, f["value"]))
    again = detect(typed, pd.DataFrame(history), OutlierRules())
    assert again.loc[(again["unit"] == 7) & (again["indicator"] == "income_per_capita"), "outlier"].item()

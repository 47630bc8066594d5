"""The assessment's computation layer on small hand-built tables (no database): indicator values, scores,
renormalised totals, grades, ranks, the red line and lagging key counties, all checked against figures
worked out by hand in the comments."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tasks.assessment.config import load_config
from tasks.assessment.indicators import compute_indicators, national_checks, roster_counts
from tasks.assessment.key_counties import by_province, county_indicators, lagging_counties
from tasks.assessment.scoring import indicator_table, score, score_provinces, weakest
from tasks.quality.derive import threshold_of
from tasks.storage.reads import typed

REPO = Path(__file__).parents[2]
CONFIG_FILE = REPO / "deployments" / "assessment.toml"
YEAR = 2023
NaT = None


def _frame(name: str, columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    return typed(pd.DataFrame(rows, columns=columns), name)


def build_tables() -> dict[str, pd.DataFrame]:
    """Province 52: eight households H1–H8 (counties 520121: H1–H3, 520122: H4–H8).
    Province 53: two 脱贫户 K1 (532101) and K2 (532102), nobody monitored, no leads, no relocation."""
    households = _frame("households", [
        "household_no", "province_code", "county_code", "is_poverty_alleviated", "monitoring_type", "risk_status",
        "income_year", "per_capita_net_income", "prev_per_capita_net_income"], [
        ("H1", "52", "520121", True, "unstable", "at_risk", 2023, 9000.0, 8000.0),
        ("H2", "52", "520121", True, "unstable", "at_risk", 2023, 11000.0, 10000.0),
        ("H3", "52", "520121", True, "marginal", "eliminated", 2023, 7000.0, 7000.0),
        ("H4", "52", "520122", False, "sudden", "at_risk", 2023, 5000.0, 9000.0),
        ("H5", "52", "520122", True, "unstable", "at_risk", 2023, 3000.0, 3000.0),
        ("H6", "52", "520122", True, None, None, 2023, 5000.0, 6000.0),  # below 6,000, not monitored
        ("H7", "52", "520122", True, None, None, 2023, 12000.0, 10000.0),
        ("H8", "52", "520122", True, None, None, 2022, 4000.0, 3000.0),  # another income year: left out
        ("K1", "53", "532101", True, None, None, 2023, 8000.0, 8000.0),
        ("K2", "53", "532102", True, None, None, 2023, 9000.0, 10000.0),
    ])
    households["identified_on"] = pd.to_datetime(["2022-04-01"] * 5 + [None] * 5)
    households["eliminated_on"] = pd.to_datetime([None, None, "2023-09-30", *[None] * 7])
    persons = _frame("persons", [
        "person_no", "household_no", "province_code", "labour_skill", "relocated", "months_employed", "in_school",
        "schooling"], [
        ("H1-1", "H1", "52", "ordinary", True, 8, False, "junior"),
        ("H1-2", "H1", "52", "none", False, 0, True, "vocational"),
        ("H2-1", "H2", "52", "skilled", True, 3, False, "senior"),
        ("H3-1", "H3", "52", "ordinary", False, 12, False, "junior"),
        ("H4-1", "H4", "52", "lost", False, 0, False, "primary"),
        ("H5-1", "H5", "52", "none", False, 0, False, "illiterate"),
        ("H6-1", "H6", "52", "weak", False, 0, False, "primary"),
        ("H7-1", "H7", "52", "weak", False, 2, False, "primary"),
        ("H7-2", "H7", "52", "none", False, 0, True, "college"),
        ("H8-1", "H8", "52", "weak", False, 10, False, "junior"),
        ("K1-1", "K1", "53", "ordinary", False, 9, False, "junior"),
        ("K2-1", "K2", "53", "none", False, 0, False, "primary"),
    ]).assign(dibao=False, tekun=False)  # nobody on 低保 or 特困: the safety net is the measures'
    measures = _frame("measures", ["measure_no", "household_no", "province_code", "category", "start_on",
                                   "end_on"], [
        ("M1", "H1", "52", "industry", "2023-03-01", NaT),  # running on 31 Dec
        ("M2", "H2", "52", "employment", "2023-01-01", "2023-06-30"),  # ended before 31 Dec
        ("M3", "H2", "52", "health", "2023-01-01", NaT),  # not development-type
        ("M4", "H4", "52", "comprehensive_security", "2022-01-01", "2023-12-31"),  # ends on 31 Dec: running
        ("M5", "H5", "52", "comprehensive_security", "2024-01-05", NaT),  # starts after 31 Dec
    ])
    leads = _frame("leads", ["lead_no", "province_code", "outcome", "reported_at", "verified_at"], [
        ("L1", "52", "identified", "2023-03-01 00:00", "2023-03-16 00:00"),  # exactly 15 days: timely
        ("L2", "52", "identified", "2023-04-01 00:00", "2023-04-20 00:00"),  # 19 days
        ("L3", "52", "no_risk", "2023-05-01 00:00", "2023-05-02 00:00"),  # not identified
        ("L4", "52", "identified", "2022-12-01 00:00", "2022-12-30 00:00"),  # verified the year before
        ("L5", "52", "identified", NaT, "2023-06-01 00:00"),  # no report time: not timely
    ])
    funds = _frame("linkage_funds", ["county_code", "year", "quarter", "use", "province_code", "amount"], [
        ("520121", 2023, 1, "industry", "52", 60.0),
        ("520122", 2023, 2, "industry", "52", 10.0),
        ("520121", 2023, 1, "infrastructure", "52", 30.0),
        ("520121", 2022, 1, "industry", "52", 1000.0),
        ("532101", 2023, 1, "industry", "53", 50.0),
        ("532101", 2023, 1, "other", "53", 50.0),
    ])
    employment = _frame("employment", ["province_code", "year", "quarter", "employed"], [
        ("52", 2023, 4, 1100), ("52", 2022, 4, 1000), ("52", 2023, 3, 5000),
        ("53", 2023, 4, 900), ("53", 2022, 4, 1000),
    ])
    loans = _frame("microcredit_loans", ["loan_no", "household_no", "province_code", "issued_on"], [
        ("XD1", "H1", "52", "2023-05-01"),
        ("XD1b", "H1", "52", "2023-09-01"),  # a second loan: still one household
        ("XD3", "H3", "52", "2022-11-01"),  # the year before
        ("XD4", "H4", "52", "2023-05-01"),  # not a 脱贫户
    ])
    training = _frame("training_enrolments", ["enrolment_no", "person_no", "household_no", "province_code", "year",
                                              "programme"], [
        ("T1", "H7-2", "H7", "52", 2023, "yulu"),
        ("T2", "H1-2", "H1", "52", 2022, "yulu"),  # the year before
        ("T3", "H1-1", "H1", "52", 2023, "skills"),
    ])
    thresholds = _frame("monitoring_thresholds", ["province_code", "year", "threshold"], [
        ("52", 2023, 6000.0), ("52", 2022, 5700.0), ("53", 2023, 7000.0)])
    counties = _frame("counties", ["code", "name", "province_code", "is_former_poor", "is_key_assistance"], [
        ("520121", "甲县", "52", True, True), ("520122", "乙县", "52", True, False),
        ("532101", "丙县", "53", True, True), ("532102", "丁县", "53", True, True)])
    households["threshold"] = threshold_of(households, thresholds, 2023)  # as the input stage's facts carry it
    return {"households": households, "persons": persons, "measures": measures, "leads": leads,
            "linkage_funds": funds, "employment": employment, "microcredit_loans": loans,
            "training_enrolments": training, "monitoring_thresholds": thresholds, "counties": counties}


@pytest.fixture
def config():
    return load_config(CONFIG_FILE, YEAR)


@pytest.fixture
def indicators(config):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no division by zero anywhere
        return compute_indicators(build_tables(), YEAR, config).set_index("province_code", drop=False)


def test_province_52_indicator_values(indicators):
    row = indicators.loc["52"]
    assert row["province"] == "贵州省"
    assert row["industry_fund_share"] == pytest.approx(70 / 100)
    assert row["employment_change"] == pytest.approx(1100 / 1000)
    # labour "full", monitored, at risk: H1 (industry running) and H2 (measure ended) -> 1 of 2
    assert (row["development_coverage_numerator"], row["development_coverage_denominator"]) == (1, 2)
    assert row["development_coverage"] == pytest.approx(0.5)
    # labour "none", monitored: H4 (covered, ends on 31 Dec) and H5 (starts in 2024) -> 1 of 2
    assert (row["safety_net_coverage_numerator"], row["safety_net_coverage_denominator"]) == (1, 2)
    # L1 (15 days), L2 (19 days), L5 (no report time) -> 1 of 3
    assert (row["identification_timeliness_numerator"], row["identification_timeliness_denominator"]) == (1, 3)
    # monitored H1–H5, eliminated H3
    assert row["risk_elimination"] == pytest.approx(1 / 5)
    # 脱贫户 of 2023 income: H1, H2, H3, H5, H6, H7 -> 47,000 / 44,000 - 1
    assert row["income_growth_numerator"] == 47000 and row["income_growth_denominator"] == 44000
    assert row["income_growth"] == pytest.approx(47000 / 44000 - 1)
    # relocated full labour: H1-1 (8 months), H2-1 (3 months)
    assert row["relocation_employment"] == pytest.approx(0.5)
    # credit: 脱贫户 with full labour H1, H2, H3; H1 borrowed in 2023 -> 1/3, / 0.3 capped at 1
    # yulu: H1-2 and H7-2 in school (vocational, college); H7-2 enrolled in 2023 -> 1/2, / 0.8 = 0.625
    assert row["credit"] == pytest.approx(1 / 3) and row["yulu"] == pytest.approx(0.5)
    assert row["microcredit_training_numerator"] == pytest.approx(1.625)
    assert row["microcredit_training_denominator"] == 2
    assert row["microcredit_training"] == pytest.approx(0.8125)
    # 脱贫户 H1–H3, H5–H8 = 7; returned to poverty (under the 4,500 line): H5 (3,000), though monitored. H6
    # (5,000) is under its monitoring threshold, at risk but not poor; H8's income is of 2022.
    assert row["returned_share"] == pytest.approx(1 / 7)


def test_province_without_monitored_households_has_nan_coverage(indicators):
    row = indicators.loc["53"]
    for key in ("development_coverage", "safety_net_coverage", "risk_elimination", "relocation_employment",
                "identification_timeliness"):
        assert row[f"{key}_denominator"] == 0
        assert row[f"{key}_numerator"] == 0
        assert math.isnan(row[key]), key
    assert row["industry_fund_share"] == pytest.approx(0.5)
    assert row["employment_change"] == pytest.approx(0.9)
    assert row["income_growth"] == pytest.approx(17000 / 18000 - 1)
    # credit 0 of 1 (K1), yulu has no one to count: the mean is over the credit part alone
    assert row["microcredit_training"] == 0 and row["microcredit_training_denominator"] == 1
    assert row["returned_share"] == 0


def test_scores_totals_grades_and_ranks(indicators, config):
    scores = score_provinces(indicators.reset_index(drop=True), config).set_index("province_code")
    s52 = scores.loc["52"]
    assert s52["industry_fund_share_score"] == 100 and s52["employment_change_score"] == 100
    assert s52["income_growth_score"] == pytest.approx(100 * (47000 / 44000 - 1) / 0.075)
    assert s52["microcredit_training_score"] == pytest.approx(62.5)
    assert s52["development_coverage_score"] == 0 and s52["risk_elimination_score"] == 0
    expected = 15 + 15 + 0.10 * 100 * (47000 / 44000 - 1) / 0.075 + 0.07 * 62.5
    assert s52["total"] == pytest.approx(expected)  # about 43.47: all weights present
    assert s52["grade"] == "较差"  # by its total; on the red line it would be 较差 whatever its total
    # 53: only industry (50), employment (0), income (0), microcredit (0) scored; weights 0.15+0.15+0.10+0.07
    s53 = scores.loc["53"]
    assert math.isnan(s53["development_coverage_score"])
    assert s53["development_coverage_weight"] == 0
    assert s53["industry_fund_share_weight"] == pytest.approx(0.15 / 0.47)
    assert s53["total"] == pytest.approx(0.15 * 50 / 0.47)
    assert scores[[f"{k}_weight" for k in config.keys]].sum(axis=1).tolist() == pytest.approx([1, 1])
    assert scores["red_line"].tolist() == [True, False]
    assert scores["rank"].tolist() == [2, 1]  # 52 scores higher but is on the red line: ranked after 53
    # ties keep the configuration's order
    assert s52["weakest_keys"] == ["development_coverage", "safety_net_coverage"]
    assert s53["weakest_keys"] == ["employment_change", "income_growth"]
    assert s52["weakest"] == ["有劳动能力监测户开发式帮扶覆盖率", "无劳动能力监测户兜底保障覆盖率"]


def test_indicator_table_long_form(indicators, config):
    scores = score_provinces(indicators.reset_index(drop=True), config)
    table = indicator_table(indicators.reset_index(drop=True), scores, config)
    assert len(table) == 2 * 9
    assert not table.duplicated(["province_code", "indicator"]).any()
    row = table[(table["province_code"] == "52") & (table["indicator"] == "development_coverage")].iloc[0]
    assert (row["numerator"], row["denominator"], row["value"], row["share_value"]) == (1, 2, 0.5, 0.5)
    growth = table[table["indicator"] == "income_growth"]
    assert growth["share_value"].isna().all()  # a growth rate is not a share


def test_score_function():
    assert score(0.60, 0.60, 0.40) == 100
    assert score(0.75, 0.60, 0.40) == 100
    assert score(0.40, 0.60, 0.40) == 0
    assert score(0.10, 0.60, 0.40) == 0
    assert score(0.50, 0.60, 0.40) == pytest.approx(50)
    assert score(0.45, 0.60, 0.40) == pytest.approx(25)
    assert math.isnan(score(float("nan"), 0.60, 0.40))
    # lower is better: target 0.1, floor 0.3
    assert score(0.2, 0.1, 0.3, "lower") == pytest.approx(50)
    assert score(0.05, 0.1, 0.3, "lower") == 100
    assert score(0.4, 0.1, 0.3, "lower") == 0
    series = score(pd.Series([0.9, 0.95, 1.2, np.nan], index=list("abcd")), 1.0, 0.9)
    assert series.index.tolist() == list("abcd")
    assert series.iloc[:3].tolist() == pytest.approx([0, 50, 100]) and np.isnan(series["d"])
    with pytest.raises(ValueError):
        score(0.5, 0.4, 0.6, "higher")


def _only_industry(values: list[float], shares: list[float] | None = None) -> pd.DataFrame:
    """Indicator frame with one scored indicator (industry_fund_share), the others NaN."""
    config = load_config(CONFIG_FILE, YEAR)
    n = len(values)
    frame = pd.DataFrame({"province_code": [f"{50 + i}" for i in range(n)]})
    for key in config.keys:
        frame[key] = np.nan
    frame["industry_fund_share"] = values
    frame["returned_share"] = shares if shares is not None else [0.0] * n
    return frame


def test_ranks_share_ties_and_have_no_gaps_otherwise(config):
    distinct = score_provinces(_only_industry([0.45, 0.6, 0.5, 0.55]), config)
    assert distinct["rank"].tolist() == [4, 1, 3, 2]  # 1..n, no gap, no repeat
    tied = score_provinces(_only_industry([0.6, 0.5, 0.5, 0.45]), config)
    assert tied["total"].tolist() == pytest.approx([100, 50, 50, 25])
    assert tied["rank"].tolist() == [1, 2, 2, 4]  # "min": ties share the best rank
    assert score_provinces(_only_industry([0.6, 0.5, 0.5, 0.45]), config, ties="ordered")["rank"].tolist() == [
        1, 2, 3, 4]


def test_grades_at_thresholds(config):
    assert [config.grade_of(t) for t in (100, 90, 89.999, 80, 79.99, 60, 59.99, 0)] == [
        "好", "好", "较好", "较好", "一般", "一般", "较差", "较差"]
    assert config.grade_of(float("nan")) is None
    # industry share 0.58 -> 90 points exactly, 0.56 -> 80, 0.52 -> 60
    graded = score_provinces(_only_industry([0.58, 0.56, 0.52, 0.519]), config)
    assert graded["total"].tolist() == pytest.approx([90, 80, 60, 59.5])
    assert graded["grade"].tolist() == ["好", "较好", "一般", "较差"]


def test_red_line_strictly_above_the_share(config):
    frame = _only_industry([0.6, 0.6, 0.6, 0.6], shares=[0.0101, 0.01, 0.005, np.nan])
    assert score_provinces(frame, config)["red_line"].tolist() == [True, False, False, False]


def test_the_red_line_vetoes_the_grade_and_ranks_last(config):
    """一票否决: the best total on the red line is graded 较差 and ranked after every province off it; no
    reader sees a province first, 好 and on the red line."""
    scored = score_provinces(_only_industry([0.6, 0.55, 0.5], shares=[0.02, 0.0, 0.0]), config)
    assert scored["total"].tolist() == pytest.approx([100, 75, 50])
    assert scored["grade"].tolist() == ["较差", "一般", "较差"] and scored["rank"].tolist() == [3, 1, 2]
    ordered = score_provinces(_only_industry([0.6, 0.55, 0.5], shares=[0.02, 0.0, 0.0]), config, ties="ordered")
    assert ordered["rank"].tolist() == [3, 1, 2]


def test_province_with_nothing_scored_has_no_total(config):
    frame = _only_industry([0.6, np.nan])
    out = score_provinces(frame, config)
    assert math.isnan(out["total"][1]) and out["grade"][1] is None and pd.isna(out["rank"][1])
    assert out["rank"][0] == 1


def test_weakest_skips_unscored():
    row = pd.Series({"a_score": 50.0, "b_score": np.nan, "c_score": 10.0, "d_score": 80.0, "total": 40.0})
    assert weakest(row) == ["c", "a"]
    assert weakest(row, k=1) == ["c"]


def test_key_counties_and_lagging(config):
    tables = build_tables()
    counties = county_indicators(roster_counts(tables, YEAR, config), tables["counties"], tables["linkage_funds"],
                                 YEAR).set_index("county_code")
    assert counties.index.tolist() == ["520121", "532101", "532102"]  # 520122 is not a key county
    c = counties.loc["520121"]
    assert c["county"] == "甲县" and c["province"] == "贵州省"
    assert c["development_coverage"] == pytest.approx(0.5)
    assert math.isnan(c["safety_net_coverage"])
    assert c["risk_elimination"] == pytest.approx(1 / 3)
    assert c["relocation_employment"] == pytest.approx(0.5)
    assert c["growth"] == pytest.approx(27000 / 25000 - 1)  # 0.08
    assert c["province_growth"] == pytest.approx(47000 / 44000 - 1)
    assert counties.loc["532102", "growth"] == pytest.approx(-0.1)
    lagging = lagging_counties(counties.reset_index()).set_index("county_code")
    # 532102 grows less than 云南 (-10 % < -5.6 %) and is the bottom county (ceil(3 × 0.1) = 1)
    assert lagging["lagging"].tolist() == [False, False, True]
    assert "低于全省平均" in lagging.loc["532102", "reason"] and "后10%" in lagging.loc["532102", "reason"]
    assert lagging.loc["520121", "reason"] is None
    # 脱贫劳动力 (普通/技能) who worked 6 months or more: H1-1 (8), H3-1 (12) of H1-1, H2-1 (3), H3-1; 贵州 the same
    assert c["labour_employment"] == pytest.approx(2 / 3) and c["labour_employment_province"] == pytest.approx(2 / 3)
    assert c["risk_elimination_province"] == pytest.approx(1 / 5)
    # linkage funds of 2023: 60 industry + 30 infrastructure to 520121; 100 to 532101, half industry; none to 532102
    assert counties["funds"].tolist() == [90.0, 100.0, 0.0]
    assert c["funds_industry_share"] == pytest.approx(60 / 90)
    provinces = by_province(lagging.reset_index(), tables["linkage_funds"], YEAR).set_index("province_code")
    assert provinces.loc["52", ["key_counties", "lagging", "funds"]].tolist() == [1, 0, 90.0]
    assert provinces.loc["52", "funds_share"] == pytest.approx(0.9)  # of 贵州's 100 in 2023
    assert provinces.loc["53", ["key_counties", "lagging"]].tolist() == [2, 1]


def test_a_key_county_behind_its_province_on_two_indicators_lags():
    """重点帮扶县 evaluation (issue 19, 8): growth is not the only yardstick."""
    frame = pd.DataFrame({
        "county_code": ["A", "B", "C"], "growth": [0.30, 0.30, 0.30], "province_growth": [0.05] * 3,
        "labour_employment": [0.5, 0.5, 0.9], "labour_employment_province": [0.8] * 3,
        "development_coverage": [0.7, 0.95, 0.95], "development_coverage_province": [0.9] * 3,
        "safety_net_coverage": [np.nan] * 3, "safety_net_coverage_province": [0.9] * 3,
        "risk_elimination": [0.6, 0.6, 0.6], "risk_elimination_province": [0.5] * 3,
    })
    frame = pd.concat([frame] * 4, ignore_index=True)  # 12 counties: the bottom tenth is the one slowest
    frame.loc[3:, "county_code"] = [f"Z{i}" for i in range(9)]
    frame.loc[3:, "growth"] = np.arange(9) / 100 + 0.1  # the slowest two: Z0, Z1
    out = lagging_counties(frame).set_index("county_code")
    assert out.loc["A", "lagging"] and "脱贫劳动力务工就业率、开发式帮扶覆盖率" in out.loc["A", "reason"]
    assert not out.loc["B", "lagging"]  # behind on one only
    assert not out.loc["C", "lagging"]


def test_lagging_bottom_tenth_nationally():
    # 20 counties, growth 1 %..20 %, each above its province's 0 %: only the two slowest lag (bottom tenth)
    frame = pd.DataFrame({"county_code": [f"c{i}" for i in range(20)], "growth": np.arange(1, 21) / 100,
                          "province_growth": 0.0})
    frame.loc[10, "province_growth"] = 0.5  # c10 grows 11 %, below its province's 50 %
    frame.loc[19, "growth"] = np.nan  # no figure: not flagged, not counted (19 known -> ceil(1.9) = 2)
    out = lagging_counties(frame)
    assert out.loc[out["lagging"], "county_code"].tolist() == ["c0", "c1", "c10"]
    assert out.loc[10, "reason"].startswith("收入增长低于全省平均")


def test_national_employment_check(config):
    check = national_checks(build_tables(), YEAR, config)[0]
    assert check["value"] == 2000 and check["threshold"] == 30_000_000 and check["passed"] is False
    assert check["provinces"] == 2


def test_default_config_weights_and_year_override(tmp_path):
    base = load_config(CONFIG_FILE, YEAR)
    assert base.weights_sum == pytest.approx(1)
    assert base.red_line_share == 0.01 and base.poverty_line == 4_500
    assert base.national_employment_min == 30_000_000
    assert base.indicator("industry_fund_share").target == 0.60
    assert base.param("identification_timeliness", "max_days") == 15
    text = CONFIG_FILE.read_text(encoding="utf-8") + (
        "\n[years.2024]\nred_line_share = 0.04\npoverty_line = 4_700\n[years.2024.targets]\n"
        "industry_fund_share = 0.65\n")
    path = tmp_path / "assessment.toml"
    path.write_text(text, encoding="utf-8")
    assert load_config(path, 2024).indicator("industry_fund_share").target == 0.65
    assert load_config(path, 2024).red_line_share == 0.04 and load_config(path, 2024).poverty_line == 4_700
    assert load_config(path, 2023).indicator("industry_fund_share").target == 0.60


@pytest.mark.parametrize(("extra", "message"), [
    ("\n[years.2024.weights]\nindustry_fund_share = 0.25\n", "sum to 1.1"),
    ("\n[years.2024.targets]\nno_such_indicator = 0.5\n", "no_such_indicator"),
    ("\n[years.2024]\nred_line = 0.1\n", "unknown key"),
])
def test_bad_year_override_raises(tmp_path, extra, message):
    path = tmp_path / "bad.toml"
    path.write_text(CONFIG_FILE.read_text(encoding="utf-8") + extra, encoding="utf-8")
    with pytest.raises(ValueError, match=message) as error:
        load_config(path, 2024)
    assert "bad.toml" in str(error.value)


def test_weights_not_summing_to_one_raise(tmp_path):
    text = CONFIG_FILE.read_text(encoding="utf-8").replace("weight = 0.07", "weight = 0.17")
    path = tmp_path / "heavy.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=r"heavy\.toml: indicators: indicator weights sum to 1\.1"):
        load_config(path, YEAR)


def test_bad_indicator_fields_raise(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(CONFIG_FILE.read_text(encoding="utf-8").replace('direction = "higher"\nunit = "growth"',
                                                                    'direction = "up"\nunit = "growth"'),
                    encoding="utf-8")
    with pytest.raises(ValueError, match=r"typo\.toml: indicators\.income_growth\.direction"):
        load_config(path, YEAR)


def test_events_after_the_year_do_not_count_into_it(config):
    """The scheduled run on 20 January sees the roster as it stood on 31 December: H2 identified and H3's risk
    eliminated in January count as not yet monitored and still at risk."""
    tables = build_tables()
    tables["households"].loc[tables["households"]["household_no"] == "H2", "identified_on"] = pd.Timestamp("2024-01-05")
    tables["households"].loc[tables["households"]["household_no"] == "H3", "eliminated_on"] = pd.Timestamp("2024-01-10")
    row = compute_indicators(tables, YEAR, config).set_index("province_code").loc["52"]
    # monitored by 31 December: H1, H3, H4, H5; eliminated by then: none
    assert row["risk_elimination"] == 0
    assert row["risk_elimination_denominator"] == 4
    # Monitored or not, H5 is the one 脱贫户 under the poverty line
    assert row["returned_share"] == pytest.approx(1 / 7)


def test_a_member_on_dibao_covers_a_household_without_labour_as_the_screening_counts_it():
    """Issue 19, rule 3: one definition of safety-net cover (tasks.quality.derive.safety_net_cover). H5 has
    no labour and no 综合保障 measure running; a member on 低保 covers it, in the assessment as in the
    screening's coverage gaps."""
    tables = build_tables()
    persons = tables["persons"]
    tables["persons"] = persons.assign(dibao=persons["person_no"].eq("H5-1"), tekun=False)
    row = compute_indicators(tables, YEAR, load_config(CONFIG_FILE, YEAR)).set_index("province_code").loc["52"]
    assert (row["safety_net_coverage_numerator"], row["safety_net_coverage_denominator"]) == (2, 2)

"""The press release's pure layer: periods, figures, comparison and the checkpoint rules, on hand-built
frames (no database). Expected values are computed by hand in the comments."""

from __future__ import annotations

import re
from datetime import date, datetime

import pandas as pd
import pytest

from tasks.release.checks import large_changes, personal_data_check, revisions, sum_check, suppress_small_cells
from tasks.release.figures import FIGURES, compare, compute_figures, figure_values
from tasks.release.period import Period, default_period
from tasks.storage.reads import typed

Q2 = Period(2023, 2)


# --- period ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("label", "release_type", "english", "end", "previous", "last_year"), [
    ("2023Q1", "一季度", "first quarter", date(2023, 3, 31), "2022Q4", "2022Q1"),
    ("2023Q2", "上半年", "first half", date(2023, 6, 30), "2023Q1", "2022Q2"),
    ("2023Q3", "前三季度", "first three quarters", date(2023, 9, 30), "2023Q2", "2022Q3"),
    ("2023Q4", "全年", "full year", date(2023, 12, 31), "2023Q3", "2022Q4"),
    ("2024Q1", "一季度", "first quarter", date(2024, 3, 31), "2023Q4", "2023Q1"),
])
def test_period_types_dates_and_neighbours(label, release_type, english, end, previous, last_year):
    period = Period.parse(label)
    assert period.label == label
    assert period.release_type == release_type
    assert period.release_type_en == english
    assert period.start == date(period.year, 1, 1)  # year to date
    assert period.end == end
    assert period.previous().label == previous
    assert period.same_period_last_year().label == last_year


def test_period_parse_is_lenient_about_case_and_spaces():
    assert Period.parse(" 2023q2 ") == Period(2023, 2)
    assert Period.parse("2023Q2").title == "2023年上半年巩固拓展脱贫攻坚成果数据发布"
    assert Period.parse("2024Q4").title == "2024年全年巩固拓展脱贫攻坚成果数据发布"


@pytest.mark.parametrize("text", ["2023Q5", "2023Q0", "2023-Q2", "23Q2", "2023", "Q2 2023", "", "2020Q4",
                                  "2101Q1"])
def test_period_parse_errors_name_the_text(text):
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        Period.parse(text)


def test_period_parse_error_message():
    with pytest.raises(ValueError, match="'2023Q5'"):
        Period.parse("2023Q5")
    with pytest.raises(ValueError, match="between 2021 and 2100"):
        Period.parse("2020Q4")


@pytest.mark.parametrize(("at", "expected"), [
    (datetime(2024, 1, 15), "2023Q4"),
    (datetime(2023, 4, 15), "2023Q1"),
    (datetime(2023, 7, 1, 0, 30), "2023Q2"),
    (datetime(2023, 12, 31, 23, 59), "2023Q3"),
    (date(2023, 10, 1), "2023Q3"),
])
def test_default_period_is_the_quarter_before(at, expected):
    assert default_period(at).label == expected


# --- hand-built tables ----------------------------------------------------------------------------------------

def _households(rows: list[tuple]) -> pd.DataFrame:
    columns = ["household_no", "province_code", "is_poverty_alleviated", "monitoring_type", "identified_on",
               "risk_status", "eliminated_on"]
    return typed(pd.DataFrame(rows, columns=columns), "households")


def _persons(members: dict[str, list[bool]], province: dict[str, str]) -> pd.DataFrame:
    rows = [(f"{h}-{i}", h, province[h], job) for h, jobs in members.items() for i, job in enumerate(jobs)]
    return typed(pd.DataFrame(rows, columns=["person_no", "household_no", "province_code", "public_welfare_job"]),
                 "persons")


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    households = _households([
        # 52: monitored H1, H2, H5 (3); new in 2023 H2, H5 (2); eliminated by 30 June H1 (1)
        ("H1", "52", True, "unstable", "2022-05-01", "eliminated", "2023-03-01"),
        ("H2", "52", False, "marginal", "2023-02-10", "at_risk", None),
        ("H3", "52", False, "sudden", "2023-07-05", "at_risk", None),  # identified after the period
        ("H4", "52", True, None, None, None, None),  # 脱贫户, not monitored
        ("H5", "52", False, "sudden", "2023-06-30", "eliminated", "2023-07-10"),  # eliminated after the period
        ("H6", "52", False, None, None, None, None),  # neither
        ("H7", "52", False, "marginal", None, "at_risk", None),  # no identification date: not counted
        # 53: monitored K1, K2 (2); new K2 (1); eliminated K1 (1)
        ("K1", "53", True, "unstable", "2021-08-01", "eliminated", "2022-12-01"),
        ("K2", "53", False, "sudden", "2023-01-01", "at_risk", None),
    ])
    province = dict(zip(households["household_no"], households["province_code"], strict=True))
    persons = _persons({
        "H1": [True, False, False], "H2": [True, False], "H3": [True, False], "H4": [True, True], "H5": [False],
        "H6": [True], "H7": [False], "K1": [True, False, False, False], "K2": [False, False],
    }, province)
    employment = typed(pd.DataFrame([
        ("52", 2023, 2, 1000, 100, 300),
        ("52", 2023, 1, 900, 90, 270),  # another quarter: not used
        ("52", 2022, 2, 800, 80, 240),
        ("53", 2023, 2, 2000, 200, 0),
    ], columns=["province_code", "year", "quarter", "employed", "employed_relocated", "employed_key_counties"]),
        "employment")
    funds = typed(pd.DataFrame([
        ("520101", 2023, 1, "industry", "52", 60.0),
        ("520101", 2023, 1, "infrastructure", "52", 40.0),
        ("520102", 2023, 2, "industry", "52", 30.0),
        ("520102", 2023, 3, "industry", "52", 1000.0),  # after the period
        ("520101", 2022, 1, "industry", "52", 50.0),
        ("530101", 2023, 1, "industry", "53", 100.0),
        ("530101", 2023, 2, "other", "53", 100.0),
    ], columns=["county_code", "year", "quarter", "use", "province_code", "amount"]), "linkage_funds")
    loans = typed(pd.DataFrame([
        ("L1", "H1", "52", "2023-03-01", 50000.0),
        ("L2", "H1", "52", "2023-06-30", 10000.0),  # last day counts
        ("L3", "H4", "52", "2022-12-31", 30000.0),  # last year
        ("L4", "H2", "52", "2023-07-01", 20000.0),  # after the period
        ("L5", "K1", "53", "2023-01-01", 20000.0),
        ("L6", "K2", "53", "2023-05-05", 15000.0),
    ], columns=["loan_no", "household_no", "province_code", "issued_on", "amount"]), "microcredit_loans")
    incomes = typed(pd.DataFrame([
        ("52", 2023, 2, 7000.0, 1000.0),
        ("52", 2023, 1, 4000.0, 1000.0),  # another quarter: not used
        ("52", 2022, 2, 6500.0, 1010.0),
        ("53", 2023, 2, 8000.0, 3000.0),
        ("53", 2022, 2, 7600.0, 3000.0),
    ], columns=["province_code", "year", "quarter", "income", "population"]), "rural_incomes")
    return {"households": households, "persons": persons, "employment": employment, "linkage_funds": funds,
            "rural_incomes": incomes, "microcredit_loans": loans}


def _row(figures: pd.DataFrame, code: str) -> pd.Series:
    return figures.set_index("province_code").loc[code]


# --- figures ------------------------------------------------------------------------------------------------

def test_figures_rows_and_columns(tables):
    figures = compute_figures(tables, Q2)
    assert figures["province_code"].tolist() == ["00", "52", "53"]
    assert figures["province"].tolist() == ["全国", "贵州省", "云南省"]
    expected = ["province_code", "province"] + [c for f in FIGURES for c in (f.key, f.cells)]
    assert figures.columns.tolist() == expected


EXPECTED = {
    # key: (52, 53, national)
    "employed": (1000, 2000, 3000),
    "employed_relocated": (100, 200, 300),
    "employed_key_counties": (300, 0, 300),
    # survey means: nationally weighted by the rural population, (7,000 × 1,000 + 8,000 × 3,000) / 4,000
    "area_income": (7000, 8000, 7750),
    # 7,000 / 6,500 - 1; 8,000 / 7,600 - 1; nationally 7,750 over last year's (6,500 × 1,010 + 7,600 × 3,000) / 4,010
    "area_income_growth": (7000 / 6500 - 1, 8000 / 7600 - 1, 7750 / (29_365_000 / 4010) - 1),
    "funds_total": (130, 200, 330),  # 60 + 40 + 30; 100 + 100
    "funds_industry": (90, 100, 190),
    "funds_industry_share": (90 / 130, 0.5, 190 / 330),  # recomputed, not the mean 0.596
    "monitored_households": (3, 2, 5),
    "monitored_persons": (6, 6, 12),  # H1 3 + H2 2 + H5 1; K1 4 + K2 2
    "newly_identified_households": (2, 1, 3),
    "eliminated_households": (1, 1, 2),
    "eliminated_persons": (3, 4, 7),  # H1's 3 members; K1's 4
    "eliminated_share": (3 / 6, 4 / 6, 7 / 12),  # of monitored people, as published; recomputed, not averaged
    "public_welfare_job_persons": (4, 1, 5),  # H1 1 + H2 1 + H4 2 (H3, H6 neither 脱贫户 nor monitored); K1 1
    "microcredit_amount": (6, 3.5, 9.5),  # 万元: 50,000 + 10,000 元; 20,000 + 15,000 元
    "microcredit_households": (1, 2, 3),
}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_figure_by_hand(tables, key):
    figures = compute_figures(tables, Q2)
    for code, expected in zip(("52", "53", "00"), EXPECTED[key], strict=True):
        assert _row(figures, code)[key] == pytest.approx(expected), (key, code)


def test_small_cell_counts(tables):
    figures = compute_figures(tables, Q2)
    for key in ("monitored_households", "monitored_persons"):
        assert figures[f"{key}_households"].tolist() == [5, 3, 2]  # the monitored households (00, 52, 53)
    assert figures["newly_identified_households_households"].tolist() == [3, 2, 1]  # the households counted
    assert figures["eliminated_households_households"].tolist() == [2, 1, 1]
    assert figures["eliminated_persons_households"].tolist() == [2, 1, 1]
    assert figures["eliminated_share_households"].tolist() == [2, 1, 1]  # min(eliminated, not eliminated)
    assert figures["microcredit_amount_households"].tolist() == [3, 1, 2]  # distinct borrowers
    assert figures["public_welfare_job_persons_households"].tolist() == [4, 3, 1]  # H1, H2, H4; K1
    for key in ("employed", "funds_total", "funds_industry_share"):
        assert figures[f"{key}_households"].isna().all()  # aggregate tables: never suppressed


def test_missing_reports_stay_missing(tables):
    figures = compute_figures(tables, Period(2022, 2))
    # 2022Q2: 53 reported neither employment nor funds; roster counts are zero, not missing.
    assert pd.isna(_row(figures, "53")["employed"]) and pd.isna(_row(figures, "53")["funds_total"])
    assert _row(figures, "00")["employed"] == 800  # the provinces that reported
    assert _row(figures, "53")["newly_identified_households"] == 0
    assert _row(figures, "52")["monitored_households"] == 1  # H1, identified 2022-05-01
    assert _row(figures, "00")["microcredit_amount"] == 0  # L3 was issued on 31 December


def test_compare_against_last_year_and_previous_release(tables):
    current = compute_figures(tables, Q2)
    last_year = compute_figures(tables, Period(2022, 2))
    long = compare(current, last_year, {"00:employed": 2900.0})
    assert len(long) == 3 * len(FIGURES)
    assert long.columns.tolist() == ["key", "province_code", "province", "figure", "name", "unit", "kind", "value",
                                     "households", "same_period_last_year", "change", "change_pct",
                                     "previous_release"]
    rows = long.set_index("key")
    assert rows.loc["52:employed", "same_period_last_year"] == 800
    assert rows.loc["52:employed", "change"] == 200
    assert rows.loc["52:employed", "change_pct"] == pytest.approx(0.25)
    assert rows.loc["00:employed", "change_pct"] == pytest.approx(2200 / 800)
    assert rows.loc["00:employed", "previous_release"] == 2900
    assert rows.loc["52:employed", "previous_release"] is None
    assert rows.loc["53:employed", "same_period_last_year"] is None  # not reported last year
    assert rows.loc["53:employed", "change_pct"] is None
    assert rows.loc["53:newly_identified_households", "same_period_last_year"] == 0
    assert rows.loc["53:newly_identified_households", "change_pct"] is None  # zero base
    assert rows.loc["52:monitored_households", "change_pct"] == pytest.approx(2.0)  # 1 → 3
    assert rows.loc["52:monitored_households", "households"] == 3
    assert rows.loc["00:funds_total", "households"] is None


def test_compare_without_any_base(tables):
    long = compare(compute_figures(tables, Q2))
    assert long["change_pct"].isna().all() and long["previous_release"].isna().all()
    assert long.set_index("key").loc["00:microcredit_amount", "value"] == pytest.approx(9.5)


# --- checks -------------------------------------------------------------------------------------------------

def test_sum_check_passes_and_detects_a_wrong_national_figure(tables):
    figures = compute_figures(tables, Q2)
    result = sum_check(figures)
    assert result.columns.tolist() == ["figure", "rule", "from_provinces", "national", "difference",
                                       "relative_difference", "ok"]
    assert result["ok"].all()
    wrong = figures.copy()
    wrong.loc[wrong["province_code"] == "00", "employed"] = 2999
    wrong.loc[wrong["province_code"] == "00", "eliminated_share"] = 2 / 5  # counted by households
    result = sum_check(wrong).set_index("figure")
    assert result.loc["employed", "difference"] == -1
    assert result.loc["employed", "relative_difference"] == pytest.approx(1 / 3000)
    assert not result.loc["employed", "ok"]
    assert result.loc["eliminated_share", "rule"] == "ratio"
    assert result.loc["eliminated_share", "from_provinces"] == pytest.approx(7 / 12)
    assert not result.loc["eliminated_share", "ok"]
    assert result.drop(["employed", "eliminated_share"])["ok"].all()
    # A weighted mean lies between its provinces' figures (7,000 and 8,000): 9,000 cannot be one.
    wrong.loc[wrong["province_code"] == "00", "area_income"] = 9000.0
    result = sum_check(wrong).set_index("figure")
    assert result.loc["area_income", "rule"] == "mean" and result.loc["area_income", "from_provinces"] == 8000
    assert not result.loc["area_income", "ok"] and result.loc["area_income_growth", "ok"]


def test_income_is_said_in_yuan_and_its_growth_in_words():
    from tasks.release.render import growth, show

    assert show({"value": 15111.0, "unit": "元"}) == "15,111元"
    assert growth({"value": 0.0753}) == "名义增长7.5%" and growth({"value": -0.012}) == "名义下降1.2%"
    assert growth({"value": None}) == "上年同期无可比数据"


def test_sum_check_tolerates_rounding(tables):
    figures = compute_figures(tables, Q2)
    figures.loc[figures["province_code"] == "00", "funds_total"] = 330 * (1 + 1e-9)
    assert sum_check(figures)["ok"].all()


def test_large_change_flagged_at_31_percent_not_at_29(tables):
    current = compute_figures(tables, Q2)
    before = current.copy()
    before["employed"] = [200.0, 100.0, 100.0]
    current["employed"] = [260.0, 131.0, 129.0]  # national +30 % exactly: not more than 30 %
    flagged = large_changes(compare(current, before))
    assert flagged["key"].tolist() == ["52:employed"]
    assert flagged.loc[0, "change_pct"] == pytest.approx(0.31)
    assert flagged.loc[0, "warning"] == "贵州省 脱贫人口务工就业规模: 同比增长31.0% (100 → 131)"
    current["employed"] = [120.0, 70.0, 50.0]  # falls of 40 % and 50 % flagged, of 30 % not
    falls = large_changes(compare(current, before))
    assert falls["key"].tolist() == ["00:employed", "53:employed"]
    assert falls["warning"].tolist() == ["全国 脱贫人口务工就业规模: 同比下降40.0% (200 → 120)",
                                         "云南省 脱贫人口务工就业规模: 同比下降50.0% (100 → 50)"]


def test_large_changes_only_in_published_cells_from_enough_households_and_shares_in_points(tables):
    """1 → 2 monitored households is +100 % by chance: not put to the approver. A share is compared in
    percentage points (30.5 % → 64.9 % is 34.3 points, not +112.4 %), and a suppressed cell never warns."""
    current = compute_figures(tables, Q2)
    before = current.copy()
    before["monitored_households"] = [2.0, 1.0, 1.0]
    current["monitored_households"] = [4.0, 2.0, 2.0]  # each +100 %, from 5, 3 and 2 households
    before["eliminated_share"] = [0.3054, 0.40, 0.50]
    current["eliminated_share"] = [0.6486, 0.45, 0.55]  # +34.3, +5, +5 points
    long = compare(current, before)
    flagged = large_changes(long, min_households=1)
    assert "52:monitored_households" in flagged["key"].tolist()  # tiny, but the base allows it here
    assert "00:eliminated_share" in flagged["key"].tolist()
    assert "52:eliminated_share" not in flagged["key"].tolist()  # 5 points: not large
    share = flagged.set_index("key").loc["00:eliminated_share"]
    assert share["warning"] == "全国 风险已消除监测对象占比: 同比上升34.3个百分点 (30.5% → 64.9%)" and share["national"]
    at_base = large_changes(long, min_households=3)  # the cells from 2 households drop out
    assert {"00:monitored_households", "52:monitored_households"} <= set(at_base["key"])
    assert "53:monitored_households" not in set(at_base["key"])
    hidden = long["key"].ne("52:monitored_households")  # suppressed in the published table
    assert "52:monitored_households" not in set(large_changes(long, published=hidden, min_households=1)["key"])


def test_revisions_detected_and_not_when_equal(tables):
    figures = compute_figures(tables, Q2)
    long = compare(figures)
    published = figure_values(figures)
    assert revisions(long, published).empty
    assert revisions(long, None).empty
    published["00:employed"] = 2999.0
    published["52:funds_industry_share"] = None  # was not published then: appears now
    published["99:employed"] = 5.0  # a figure that no longer exists
    found = revisions(long, published).set_index("key")
    assert sorted(found.index) == ["00:employed", "52:funds_industry_share", "99:employed"]
    assert found.loc["00:employed", "published"] == 2999 and found.loc["00:employed", "value"] == 3000
    assert found.loc["00:employed", "difference"] == 1
    assert found.loc["52:funds_industry_share", "published"] is None
    assert found.loc["99:employed", "value"] is None
    assert found.loc["00:employed", "message"] == "全国 脱贫人口务工就业规模: 已发布 2,999，现为 3,000"


def test_small_cells_suppressed_at_9_households_not_at_10():
    rows = [(f"A{i}", "52", True, "unstable", "2023-02-01", "eliminated" if i < 3 else "at_risk",
             "2023-05-01" if i < 3 else None) for i in range(9)]
    rows += [(f"B{i}", "53", True, "marginal", "2023-03-01", "at_risk", None) for i in range(10)]
    households = _households(rows)
    province = dict(zip(households["household_no"], households["province_code"], strict=True))
    persons = _persons({h: [False, False] for h in households["household_no"]}, province)
    empty = {name: typed(pd.DataFrame(columns=columns), name) for name, columns in (
        ("employment", ["province_code", "year", "quarter", "employed", "employed_relocated",
                        "employed_key_counties"]),
        ("linkage_funds", ["county_code", "year", "quarter", "use", "province_code", "amount"]),
        ("rural_incomes", ["province_code", "year", "quarter", "income", "population"]),
        ("microcredit_loans", ["loan_no", "household_no", "province_code", "issued_on", "amount"]))}
    employment = typed(pd.DataFrame([("52", 2023, 2, 5, 1, 0), ("53", 2023, 2, 7, 0, 0)],
                                    columns=empty["employment"].columns), "employment")
    figures = compute_figures({**empty, "households": households, "persons": persons, "employment": employment},
                              Q2)
    published, suppressed = suppress_small_cells(figures, min_households=10)
    rows52, rows53, national = _row(published, "52"), _row(published, "53"), _row(published, "00")
    monitoring = ["monitored_households", "monitored_persons", "newly_identified_households",
                  "eliminated_households", "eliminated_share"]
    for key in monitoring:
        assert rows52[key] is None
    for key in monitoring[:3]:
        assert national[key] is not None  # 19 households nationally
    # Only 3 households were eliminated nationally: the count and the share rest on 3, fewer than 10.
    assert national["eliminated_households"] is None and national["eliminated_share"] is None
    for key in ("monitored_households", "monitored_persons", "newly_identified_households"):
        assert rows53[key] is not None  # 10 households
    # 53: nobody eliminated: "0 of 10" tells something of each of the ten, so it is withheld too.
    assert rows53["eliminated_households"] is None and rows53["eliminated_share"] is None
    assert rows53["monitored_households"] == 10 and rows53["monitored_persons"] == 20
    assert national["monitored_households"] == 19  # the suppressed province stays in the total
    assert figures.loc[figures["province_code"] == "00", "eliminated_share"].iloc[0] == pytest.approx(3 / 19)
    assert rows52["employed"] == 5  # aggregate tables are never suppressed
    by_key = {(s.province_code, s.figure): s for s in suppressed}
    assert all(("52", key) in by_key for key in monitoring)
    assert not any(code == "53" and key in monitoring[:3] for code, key in by_key)
    assert by_key[("52", "monitored_households")].households == 9
    assert by_key[("52", "monitored_households")].province == "贵州省"
    # No one holds a post and nobody borrowed: those counts rest on 0 households, so they are withheld too,
    # nationally as well.
    assert national["microcredit_amount"] is None and ("00", "microcredit_amount") in by_key
    assert not any(key.startswith(("employed", "funds")) for _, key in by_key)
    assert pd.isna(figures.loc[figures["province_code"] == "52", "funds_total"]).all()  # input untouched
    assert figures.loc[figures["province_code"] == "52", "monitored_households"].item() == 9


def test_personal_data_check_catches_id_and_phone_numbers():
    table = pd.DataFrame({"省份": ["贵州省", "云南省", "联系人 11010519491231002X"],
                          "务工就业(万人)": ["0.10", "0.20", "13,274"],
                          "电话": [13812345678.0, None, 3000.0]})
    text = "# 2023年上半年\n全国脱贫人口务工就业规模3,274万人\n咨询电话：138-1234-5678。\n金额13274000000.5元"
    result = personal_data_check({"tables.csv": table, "release.md": text})
    assert result.columns.tolist() == ["source", "row", "column", "has_id_number", "has_phone",
                                       "has_personal_data", "excerpt"]
    assert len(result) == 3 + 8 + 4  # header, 8 non-missing cells, 4 lines
    flagged = result[result["has_personal_data"]]
    assert list(zip(flagged["source"], flagged["row"], flagged["column"], strict=True)) == [
        ("tables.csv", 0, "电话"), ("tables.csv", 2, "省份"), ("release.md", 2, None)]
    assert flagged["has_id_number"].tolist() == [False, True, False]
    assert flagged["has_phone"].tolist() == [True, False, True]
    # The check's own output carries no personal data.
    assert flagged["excerpt"].tolist() == ["138****5678", "联系人 110105********002X", "咨询电话：138****5678。"]
    assert not result.loc[~result["has_personal_data"], "excerpt"].str.contains("X").any()


def test_a_province_whose_change_differs_from_every_other_is_listed_for_the_approver():
    """Twelve provinces' loans grew by 4–6 % on the year, 贵州省's fell by 25 %: under the 30 % of a large change,
    but far from its peers. It is listed (in the approval form: never blocking); the others are not."""
    from tasks.release.approval import must_read
    from tasks.release.outliers import figure_outliers

    codes = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "52"]
    growth = [0.04, 0.05, 0.06, 0.045, 0.055, 0.05, 0.04, 0.06, 0.052, 0.048, 0.05, -0.25]
    long = pd.DataFrame({"key": [f"{c}:microcredit_amount" for c in codes], "province_code": codes,
                         "province": [f"省{c}" for c in codes[:-1]] + ["贵州省"], "figure": "microcredit_amount",
                         "name": "脱贫人口小额信贷发放金额", "unit": "万元", "kind": "amount",
                         "value": [100 * (1 + g) for g in growth], "households": 500,
                         "same_period_last_year": 100.0, "change": [100 * g for g in growth], "change_pct": growth,
                         "previous_release": None})
    flagged = figure_outliers(None, Q2, long, pd.Series(True, index=long.index),
                              history=pd.DataFrame(columns=["unit", "indicator", "value"]))
    assert flagged["province_code"].tolist() == ["52"]
    reason = flagged["reason"].iloc[0]
    assert reason.startswith("贵州省 脱贫人口小额信贷发放金额: 同比-25.0%") and "各省中位数+5.0%" in reason
    text = "\n".join(must_read([], [], [], [], None, outliers=[reason]))
    assert "【异常值提示，请核对】1 项" in text and reason in text


def test_a_share_changes_in_percentage_points_and_each_value_keeps_its_units_format(tmp_path):
    """62.11 % against 27.58 % is up 34.5 points, not 125.2 %; a count is written #,##0, an amount #,##0.00."""
    import openpyxl

    from tasks.outputs.spreadsheets import write_workbook
    from tasks.release.render import BY_UNIT, CHANGE_PCT, CHANGE_POINTS, change, unit_formats
    from tasks.release.stages import comparison_table

    share = {"name": "衔接资金用于产业比例", "unit": "%", "value": 0.6211, "same_period_last_year": 0.2758,
             "change_pct": 1.252, "previous_release": None}
    count = {"name": "脱贫人口务工就业规模", "unit": "人", "value": 32_982_500.0, "same_period_last_year": 31_000_000.0,
             "change_pct": 0.0639, "previous_release": None}
    assert change(share) == "同比上升34.5个百分点" and change(count) == "同比增长6.4%"
    table = comparison_table({"funds_industry_share": share, "employed": count})
    rows = table.set_index("代码")
    shares = rows.loc["funds_industry_share"]
    assert shares[CHANGE_POINTS] == 34.5 and shares[CHANGE_PCT] == ""
    assert rows.loc["employed", CHANGE_PCT] == 6.4 and rows.loc["employed", CHANGE_POINTS] == ""
    path = write_workbook(tmp_path / "t.xlsx", {"全国数据对比": table},
                          formats_by={h: ("单位", unit_formats()) for h in BY_UNIT})
    sheet = openpyxl.load_workbook(path)["全国数据对比"]
    header = [c.value for c in sheet[1]]
    formats = {r[header.index("代码")].value: r[header.index("本期")].number_format for r in sheet.iter_rows(min_row=2)}
    assert formats == {"funds_industry_share": "#,##0.0", "employed": "#,##0"}


def test_the_approval_form_carries_what_must_be_read_in_its_first_field():
    """The Resume dialog gives the form's description what the fields leave: nothing on a 1366×650 screen.
    The note that asks again, the figures beside last year's and the changes to answer are the first field's
    description; the description above is short."""
    from tasks.release.approval import DraftLinks, approval_form, form_description, must_read

    lines = must_read(["脱贫人口务工就业规模 3,298.25万人（上年同期 3,145.00万人，同比增长4.9%）"],
                      ["全国 脱贫人口务工就业规模: 同比增长40.0%"], [f"省{i}: 同比下降35.0%" for i in range(8)], [],
                      1, note="上次填写未采纳：审核码不正确")
    assert lines[0] == "【请先处理】上次填写未采纳：审核码不正确" and lines[1].startswith("【本期数字】")
    assert "全国 1 项、分省 8 项" in lines[-1] and "省4" in lines[-1] and "省5" not in lines[-1]
    assert "另有分省 3 项" in lines[-1] and any(line.startswith("【已发布 v1】") for line in lines)
    schema = approval_form(lines).model_json_schema()
    assert next(iter(schema["properties"])) == "decision"
    assert schema["properties"]["decision"]["description"] == "\n".join(lines)
    assert set(schema["required"]) >= {"decision", "reviewer", "approval_code"}
    above = form_description("2023年上半年", DraftLinks("http://x/r.html", "http://x/t.xlsx", "http://ui/1"),
                             note="上次填写未采纳")
    assert len(above.splitlines()) == 4 and "http://x/t.xlsx" in above


def test_a_release_is_dated_the_day_it_is_published():
    """Drafted on the 15th, approved on the 17th: the signature says the 17th; nothing else changes."""
    from tasks.release.render import redate

    draft = ("# 2026年前三季度巩固拓展脱贫攻坚成果数据发布\n\n农业农村部 2026年10月15日\n\n"
             "截至2026年9月底，……农业农村部 2026年10月15日")
    published = redate(draft, "农业农村部", "2026年10月17日")
    assert published.splitlines()[2] == "农业农村部 2026年10月17日"
    assert published.replace("2026年10月17日", "2026年10月15日", 1) == draft  # only the signature line

"""The derived facts the suites check, on hand-made frames."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from tasks.quality.derive import first_positions, household_facts, labour_class


def frames():
    households = pd.DataFrame({
        "household_no": ["A", "B", "C"], "province_code": ["52"] * 3, "income_year": [2023] * 3,
        "household_size": [2, 1, 1],
        "wage_income": [1000.0, -5.0, 0.0], "business_income": [0.0] * 3, "property_income": [0.0] * 3,
        "transfer_income": [0.0] * 3, "business_expenses": [0.0] * 3, "net_income": [1000.0, -5.0, 0.0],
        "per_capita_net_income": [500.0, -5.0, 0.0],
        **{f"prev_{c}": [0.0] * 3 for c in ("wage_income", "business_income", "property_income", "transfer_income",
                                            "business_expenses", "net_income", "per_capita_net_income")},
        "compliant_oop_expenditure": [0.0, 0.0, -1.0],
        "identified_on": pd.to_datetime(["2022-01-01", None, "2023-01-01"]),
        "eliminated_on": pd.to_datetime(["2022-02-15", None, None]),
        **{f"risk_code_{i}": [None, None, None] for i in range(2, 6)},
        "risk_code_1": ["07", "Z9", None],
    })
    persons = pd.DataFrame({"household_no": ["A", "A", "B", "C"], "relation": ["head", "head", "head", "spouse"],
                            "labour_skill": ["lost", "weak", "ordinary", "none"]})
    measures = pd.DataFrame({"household_no": ["B", "C"], "category": ["industry", "industry"],
                             "start_on": pd.to_datetime(["2023-01-01", "2023-01-01"]),
                             "end_on": pd.to_datetime([None, "2023-06-29"])})
    thresholds = pd.DataFrame({"province_code": ["52"], "year": [2023], "threshold": [6600.0]})
    return households, persons, measures, thresholds


def test_household_facts():
    h = household_facts(*frames(), as_of=date(2023, 6, 30)).set_index("household_no")
    assert h["head_count"].to_dict() == {"A": 2, "B": 1, "C": 0}
    assert h["member_count"].to_dict() == {"A": 2, "B": 1, "C": 1}
    assert h["labour_class"].to_dict() == {"A": "weak", "B": "full", "C": "none"}
    assert h["has_active_development"].to_dict() == {"A": False, "B": True, "C": False}  # C's ended the day before
    assert h.loc["A", "days_to_elimination"] == 45
    assert h["has_risk_07"].to_dict() == {"A": True, "B": False, "C": False}
    assert h.loc["B", "negative_income_fields"] == "wage_income"
    assert h.loc["C", "negative_income_fields"] == "compliant_oop_expenditure"
    assert pd.isna(h.loc["A", "negative_income_fields"])
    assert h.loc["B", "unknown_risk_codes"] == "Z9" and pd.isna(h.loc["A", "unknown_risk_codes"])
    assert (h["threshold"] == 6600.0).all()
    assert h["per_capita_gap"].max() < 0.01 and h["net_income_gap"].max() < 0.01


def test_labour_class_with_only_minors_and_elderly_is_none():
    persons = pd.DataFrame({"household_no": ["X", "X"], "labour_skill": ["none", "lost"]})
    assert labour_class(persons, pd.Index(["X"]).get_indexer(persons["household_no"]), 1).tolist() == ["none"]


@pytest.mark.parametrize("wanted_count", [3, 400])  # few among many (hashed the other way), and many
def test_first_positions_finds_each_values_first_row_whichever_way_it_hashes(wanted_count):
    rng = np.random.default_rng(3)
    keys = pd.Series(rng.choice([f"K{i}" for i in range(300)] + [None], 2_000), dtype="str")
    wanted = pd.Series(rng.choice([f"K{i}" for i in range(0, 600, 2)] + [None], wanted_count), dtype="str")
    first: dict[str, int] = {}
    for row, key in enumerate(keys):
        if isinstance(key, str):
            first.setdefault(key, row)
    expected = [first.get(w, -1) if isinstance(w, str) else -1 for w in wanted]
    assert first_positions(keys, wanted).tolist() == expected
    assert -1 in expected and max(expected) >= 0  # both outcomes occur
    assert first_positions(keys, pd.Series(["nowhere", None], dtype="str")).tolist() == [-1, -1]
    assert first_positions(keys.iloc[:0], pd.Series(["K1"], dtype="str")).tolist() == [-1]


def test_the_threshold_is_the_campaigns_years_whatever_the_income_year_says():
    """Issue 19, rule 1: 收入年度 is no national-system field; blank or of another year, the household gets
    its province's threshold of the campaign's year (here 2023), never none."""
    households, persons, measures, _ = frames()
    households["income_year"] = pd.array([None, 2022, 2023], dtype="Int64")
    thresholds = pd.DataFrame({"province_code": ["52", "52"], "year": [2022, 2023], "threshold": [6300.0, 6600.0]})
    h = household_facts(households, persons, measures, thresholds, as_of=date(2023, 6, 30))
    assert h["threshold"].tolist() == [6600.0, 6600.0, 6600.0]

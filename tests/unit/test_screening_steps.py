"""Every screening rule on small hand-made frames, with the edges."""

import pandas as pd
import pytest

from tasks.screening.rules import ScreeningRules
from tasks.screening.steps import (
    assistance_coverage,
    elimination_candidates,
    lead_timeliness,
    match_leads,
    screen_risks,
    unmatched_leads,
)

AS_OF = pd.Timestamp("2023-06-30")
T = 6600.0
RULES = ScreeningRules()


def households(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "household_no": [f"H{i}" for i in range(n)], "county_code": ["520121"] * n,
        "is_poverty_alleviated": [True] * n, "monitoring_type": [None] * n, "risk_status": [None] * n,
        "identified_on": pd.to_datetime([None] * n), "per_capita_net_income": [20000.0] * n,
        "prev_per_capita_net_income": [19000.0] * n, "net_income": [60000.0] * n,
        "compliant_oop_expenditure": [0.0] * n, "housing_secure": [True] * n, "education_secure": [True] * n,
        "medical_secure": [True] * n, "drinking_water_secure": [True] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def no_leads() -> pd.DataFrame:
    return pd.DataFrame({"lead_no": [], "status": [], "outcome": [], "risk_code": [],
                         "matched_household_no": []}, dtype=object)


def screen(h, leads=None):
    out = screen_risks(h, leads if leads is not None else no_leads(), pd.Series([T] * len(h)), RULES)
    return dict(zip(out["household_no"], zip(out["candidate_type"], out["rules_met"], strict=True), strict=True))


def test_income_exactly_at_threshold_is_not_below_it():
    found = screen(households(per_capita_net_income=[T, T - 0.01], prev_per_capita_net_income=[T, T]))
    assert found == {"H1": ("unstable", "income_below_threshold")}


def test_sharp_drop_needs_last_years_income_and_stays_under_one_and_a_half_t():
    h = households(is_poverty_alleviated=[False] * 4,
                   per_capita_net_income=[7000.0, 7000.0, 7000.0, 10000.0],
                   prev_per_capita_net_income=[10000.0, None, 9999.0, 20000.0])
    # H0 fell 30 % and is under 1.5 T; H1 has no last year; H2 fell 29.99 %; H3 fell 50 % but is over 1.5 T.
    assert screen(h) == {"H0": ("sudden", "sharp_income_drop")}


def test_rigid_expenditure_and_security_gap_and_types():
    h = households(is_poverty_alleviated=[False, False, True], compliant_oop_expenditure=[30000.0, 0.0, 0.0],
                   housing_secure=[True, False, True], drinking_water_secure=[True, True, False])
    assert screen(h) == {"H0": ("sudden", "rigid_expenditure"), "H1": ("marginal", "security_gap"),
                         "H2": ("unstable", "security_gap")}


def test_every_rule_met_is_listed_and_monitored_households_are_not_candidates():
    h = households(per_capita_net_income=[1000.0, 1000.0], prev_per_capita_net_income=[5000.0, 5000.0],
                   compliant_oop_expenditure=[3000.0, 0.0], net_income=[3000.0, 3000.0],
                   monitoring_type=[None, "marginal"], risk_status=[None, "at_risk"])
    assert screen(h) == {"H0": ("unstable", "income_below_threshold,sharp_income_drop,rigid_expenditure")}


def test_verified_illness_lead_makes_a_sudden_hardship_candidate():
    h = households(is_poverty_alleviated=[False, False])
    leads = pd.DataFrame({"lead_no": ["L1", "L2"], "status": ["verified", "pending"], "outcome": ["identified", None],
                          "risk_code": ["01", "06"], "matched_household_no": ["H0", "H1"]})
    assert screen(h, leads) == {"H0": ("sudden", "verified_lead")}


def test_leads_are_matched_by_id_number_then_household_and_the_rest_listed():
    persons = pd.DataFrame({"id_number": ["11010519491231002X"], "household_no": ["H0"]})
    leads = pd.DataFrame({"lead_no": ["L1", "L2", "L3", "L4"],
                          "id_number": ["11010519491231002X", None, "440524188001010014", None],
                          "household_no": [None, "H1", None, "NOPE"],
                          "outcome": [None, None, None, "no_risk"]})
    out = match_leads(leads, persons, households(per_capita_net_income=[1.0, 1.0])).set_index("lead_no")
    assert out["match"].to_dict() == {"L1": "id_number", "L2": "household_no", "L3": "none", "L4": "none"}
    assert out["matched_household_no"].fillna("").to_dict() == {"L1": "H0", "L2": "H1", "L3": "", "L4": ""}
    assert out["accounted_as"].to_dict() == {"L1": "matched", "L2": "matched", "L3": "unmatched",
                                             "L4": "dismissed"}


def test_provinces_screened_together_match_a_lead_only_in_its_own_province():
    """A partition screens its provinces together; a lead still matches only its own province's roster, as
    when each province was screened alone: a person or household of another province is not its match."""
    persons = pd.DataFrame({"id_number": ["11010519491231002X", "440524188001010014"], "household_no": ["H0", "H1"],
                            "province_code": ["52", "53"]})
    h = households(per_capita_net_income=[1.0, 1.0], province_code=["52", "53"])
    leads = pd.DataFrame({"lead_no": ["L1", "L2", "L3", "L4"], "province_code": ["52", "52", "53", "52"],
                          "id_number": ["11010519491231002X", "440524188001010014", "440524188001010014", None],
                          "household_no": [None, None, None, "H1"], "outcome": [None] * 4})
    out = match_leads(leads, persons, h).set_index("lead_no")
    assert out["matched_household_no"].fillna("").to_dict() == {"L1": "H0", "L2": "", "L3": "H1", "L4": ""}
    assert out["accounted_as"].to_dict() == {"L1": "matched", "L2": "unmatched", "L3": "matched",
                                             "L4": "unmatched"}


def test_leads_without_a_usable_identity_are_listed_to_visit_with_why():
    """Issue 19, rule 6: a name and a phone only, or an invalid 证件号码, is a lead to visit, never lost;
    an invalid number with a known 户编号 is matched by the household."""
    persons = pd.DataFrame({"id_number": ["11010519491231002X"], "household_no": ["H0"]})
    leads = pd.DataFrame({"lead_no": ["L1", "L2", "L3", "L4", "L5"],
                          "id_number": [None, "110105194912310021", "110105194912310021", "440524188001010014",
                                        "11010519491231002X"],
                          "household_no": [None, None, "H1", None, None], "outcome": [None] * 5})
    matched = match_leads(leads, persons, households(per_capita_net_income=[1.0, 1.0]))
    assert matched["accounted_as"].tolist() == ["unmatched", "unmatched", "matched", "unmatched", "matched"]
    out = unmatched_leads(matched, AS_OF).set_index("lead_no")["unmatched_reason"]
    assert out.to_dict() == {"L1": "no_identity", "L2": "invalid_id_number", "L4": "not_in_roster"}


def test_elimination_candidates_need_time_income_no_gap_no_open_lead_and_labour():
    h = households(
        monitoring_type=["marginal"] * 6, risk_status=["at_risk"] * 5 + ["eliminated"],
        identified_on=pd.to_datetime(["2022-12-30", "2023-01-15", "2022-06-01", "2022-06-01", "2022-06-01",
                                      "2022-06-01"]),
        per_capita_net_income=[T, T, T - 1, T, T, T], housing_secure=[True] * 6)
    labour = pd.Series(["weak", "full", "full", "none", "full", "full"])
    leads = pd.DataFrame({"status": ["pending"], "matched_household_no": ["H4"]})
    out = elimination_candidates(h, labour, leads, pd.Series([T] * 6), AS_OF, RULES)
    # H0: six months on the dot and income exactly T; H1 too recent; H2 under T; H3 no labour (stays);
    # H4 has an open lead; H5 already eliminated.
    assert out["household_no"].tolist() == ["H0"]


def test_coverage_gaps_with_a_measure_ending_the_day_before():
    h = households(monitoring_type=["marginal"] * 5, risk_status=["at_risk"] * 4 + ["eliminated"])
    labour = pd.Series(["full", "full", "none", "weak", "full"])
    persons = pd.DataFrame({"household_no": ["H2"], "dibao": [False], "tekun": [False]})
    measures = pd.DataFrame({
        "household_no": ["H0", "H1"], "category": ["industry", "employment"],
        "start_on": pd.to_datetime(["2023-01-01", "2023-01-01"]),
        "end_on": pd.to_datetime([None, "2023-06-29"]),  # H1's only measure ended the day before as_of
    })
    out = assistance_coverage(h, persons, measures, labour, AS_OF)
    assert dict(zip(out["household_no"], out["gap"], strict=True)) == {
        "H1": "labour_without_development", "H2": "no_labour_without_safety_net", "H3": "weak_labour_to_explore"}


def test_only_minors_and_elderly_on_dibao_have_safety_net_cover():
    h = households(monitoring_type=["marginal"], risk_status=["at_risk"])
    persons = pd.DataFrame({"household_no": ["H0", "H0"], "dibao": [True, False], "tekun": [False, False]})
    empty = pd.DataFrame({"household_no": [], "category": [], "start_on": pd.to_datetime([]),
                          "end_on": pd.to_datetime([])})
    assert assistance_coverage(h, persons, empty, pd.Series(["none"]), AS_OF).empty


@pytest.mark.parametrize(("as_of", "reported", "accepted", "status", "overdue", "late"), [
    # 15 days to verify from the day after reporting: reported 15 June, the limit ends at 24:00 on 30 June
    ("2023-06-30", "2023-06-15 00:00", "2023-06-15 10:00", "pending", False, False),
    ("2023-06-30", "2023-06-15 23:59", "2023-06-15 23:59", "pending", False, False),
    ("2023-06-30", "2023-06-14 23:59", "2023-06-15 08:00", "pending", True, False),  # ended 29 June 24:00
    ("2023-06-30", "2023-06-01 09:00", "2023-06-01 10:00", "verified", False, False),
    # 2 days to accept: reported 20 June (any hour), in time until 24:00 on 22 June, the instant included
    ("2023-06-30", "2023-06-20 09:00", "2023-06-22 23:59", "verified", False, False),
    ("2023-06-30", "2023-06-20 23:00", "2023-06-23 00:00", "verified", False, False),
    ("2023-06-30", "2023-06-20 09:00", "2023-06-23 00:01", "verified", False, True),
    ("2023-06-30", "2023-06-28 09:00", None, "pending", False, False),  # not accepted, limit ends 30 June 24:00
    ("2023-06-30", "2023-06-27 09:00", None, "pending", False, True),   # not accepted, limit ended 29 June 24:00
    # month ends: reported 27 February, 15 days are 28 Feb and 1-14 March
    ("2023-03-14", "2023-02-27 10:00", "2023-02-28 09:00", "pending", False, False),
    ("2023-03-15", "2023-02-27 10:00", "2023-02-28 09:00", "pending", True, False),
    # a leap year: reported 31 January, 2 days are 1 and 2 February
    ("2024-02-29", "2024-01-31 18:00", "2024-02-02 23:59", "verified", False, False),
    ("2024-02-29", "2024-01-31 18:00", "2024-02-03 00:30", "verified", False, True),
])
def test_lead_time_limits_count_days_as_the_policy_does(as_of, reported, accepted, status, overdue, late):
    """Issue 19, rule 5: the day of reporting is not counted; a limit ends at 24:00 of its last day."""
    leads = pd.DataFrame({"lead_no": ["L"], "channel": ["platform"], "county_code": ["520121"],
                          "reported_at": pd.to_datetime([reported]), "accepted_at": pd.to_datetime([accepted]),
                          "status": [status]})
    out = lead_timeliness(leads, pd.Timestamp(as_of), RULES)
    got = (False, False) if out.empty else (bool(out["overdue"].iloc[0]), bool(out["late_accepted"].iloc[0]))
    assert got == (overdue, late)
    if not out.empty:
        assert out["days_waiting"].iloc[0] == (pd.Timestamp(as_of) - pd.Timestamp(reported).normalize()).days


def test_published_lists_are_masked_and_the_output_check_would_catch_a_leak():
    from tasks.screening.report import for_people, unmasked_id_check

    leads = pd.DataFrame({"lead_no": ["L1"], "id_number": ["11010519491231002X"], "name": ["欧阳娜娜"],
                          "channel": ["platform"]})
    published = for_people(leads, "11")
    assert published["证件号码"].tolist() == ["110105********002X"] and published["姓名"].tolist() == ["欧***"]
    assert not unmasked_id_check({"unmatched_leads": published})["has_unmasked_id"].any()
    assert unmasked_id_check({"unmatched_leads": leads})["has_unmasked_id"].all()


def test_rigid_expenditure_without_net_income_uses_per_capita_income_times_size():
    """Issue 19, rule 2: 家庭纯收入 blank is per-capita income × size (8,000 × 3 = 24,000): 12,000 of
    compliant expenditure is half of it, rigid; 11,999 is not."""
    h = households(is_poverty_alleviated=[False, False], net_income=[None, None], household_size=[3, 3],
                   per_capita_net_income=[8000.0, 8000.0], prev_per_capita_net_income=[8000.0, 8000.0],
                   compliant_oop_expenditure=[12000.0, 11999.0])
    assert screen(h) == {"H0": ("sudden", "rigid_expenditure")}


def test_a_province_with_nothing_to_do_gets_no_message():
    from tasks.screening.announce import needs_action

    quiet = {"leads": {"total": 12, "unmatched": 0, "overdue": 0}, "new_candidates": {"total": 0},
             "elimination_candidates": 0, "coverage_gaps": {"labour_without_development": 0,
                                                           "no_labour_without_safety_net": 0},
             "weak_labour_to_explore": 0, "quarantined": {"households": 0}}
    assert not needs_action(quiet)  # twelve leads, all matched and in time: nothing to ask
    assert needs_action({**quiet, "leads": {**quiet["leads"], "overdue": 1}})
    assert needs_action({**quiet, "quarantined": {"households": 0, "persons": 2}})


def test_the_lists_made_once_for_all_provinces_are_each_provinces_lists():
    """The lists are made as coordinators read them for all of a partition's provinces at once (a province
    at a time cost a second of a 20,000-household run in pandas' fixed costs): each province's sheet is
    what its own list gives, a province with nothing listed included."""
    from tasks.screening.lists import BY_NAME, LIST_NAMES
    from tasks.screening.partition import ProvinceScreening
    from tasks.screening.report import for_people, people_lists, province_sheets

    def lead_list(rows: list[tuple]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=["lead_no", "id_number", "name", "channel", "county_code"])

    rows = {"11": [("L1", "11010519491231002X", "欧阳娜娜", "platform", "110105"),
                   ("L2", None, "李四", "cadre_visit", "110106")],
            "12": [],
            "13": [("L3", "130102198001010011", "王五", "self_report", "130102")]}
    results = [ProvinceScreening(code, {name: lead_list(listed) for name in LIST_NAMES}, leads=lead_list([]))
               for code, listed in rows.items()]

    sheets, lists = province_sheets(results)
    published = people_lists(results)

    for r in results:
        for name in LIST_NAMES:
            alone = for_people(r.lists[name], r.province)
            pd.testing.assert_frame_equal(sheets[r.province][BY_NAME[name].title], alone, check_dtype=False)
    for name in LIST_NAMES:
        each = pd.concat([for_people(r.lists[name], r.province) for r in results], ignore_index=True)
        pd.testing.assert_frame_equal(published[name], each, check_dtype=False)
        pd.testing.assert_frame_equal(lists[BY_NAME[name].title], each, check_dtype=False)
    assert published[LIST_NAMES[0]]["省份"].tolist() == ["北京市", "北京市", "河北省"]

"""A period rerun gives the same answer: a site's income per head does not depend on the order the database
returns its households in (PostgreSQL's changes with its plan, after an ANALYZE)."""

from itertools import permutations

import pandas as pd

from tasks.relocation.sites import employment


def test_a_sites_income_per_head_is_the_same_whatever_the_order_of_its_households():
    # A site of CI's failing run: float sums in one order differ from another in the last digit.
    households = pd.DataFrame({
        "household_no": ["52062200000003", "52062200000007", "52062200000010"],
        "in_relocation_area": True, "relocation_site_code": "520622AZ001",
        "household_size": [1, 7, 4], "per_capita_net_income": [18581.98, 18608.30, 15939.79]})
    persons = pd.DataFrame({"person_no": ["p1"], "household_no": ["52062200000003"], "labour_skill": ["普通劳动力"],
                            "months_employed": [8]})
    incomes = {employment(households.iloc[list(order)], persons, 6)["income_per_capita"].iloc[0]
               for order in permutations(range(3))}
    assert len(incomes) == 1

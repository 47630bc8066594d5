"""A published release is checked figure for figure when it is run again (tasks.release.publication): its
float sums must not depend on the order the database returns rows in (a county's or province's report sent
again goes to the end; PostgreSQL's order changes with its plan). 0.1 + 0.2 + 0.3 is not 0.3 + 0.2 + 0.1."""

from itertools import permutations

import pandas as pd

from tasks.model.funds import funds_by_use
from tasks.release.figures import _incomes, funds_by_province
from tasks.release.period import Period

PERIOD = Period(2023, 2)


def test_a_provinces_funds_are_the_same_whatever_the_order_of_its_counties_rows():
    funds = pd.DataFrame({"county_code": ["520102", "520103", "520111"], "year": 2023, "quarter": 1,
                          "use": "industry", "province_code": "52", "amount": [0.1, 0.2, 0.3]})
    totals = {tuple(funds_by_province(funds.iloc[list(order)], PERIOD).loc["52"]) for order in permutations(range(3))}
    assert len(totals) == 1


def test_a_countys_itemised_funds_are_the_same_whatever_the_order_of_its_projects():
    allotments = pd.DataFrame({"county_code": ["520102"], "year": [2023], "quarter": [1], "use": ["industry"],
                               "province_code": ["52"], "amount": [1.0]})
    projects = pd.DataFrame({"project_no": ["P1", "P2", "P3"], "county_code": "520102", "year": 2023, "quarter": 1,
                             "use": "industry", "province_code": "52", "amount": [0.1, 0.2, 0.3]})
    amounts = {funds_by_use(allotments, projects.iloc[list(order)])["amount"].iloc[0]
               for order in permutations(range(3))}
    assert len(amounts) == 1


def test_the_national_income_is_the_same_whatever_the_order_of_the_provinces_reports():
    incomes = pd.DataFrame({"province_code": ["11", "12", "13"] * 2, "year": [2023] * 3 + [2022] * 3, "quarter": 2,
                            "income": [0.1, 0.2, 0.3, 0.3, 0.2, 0.1], "population": 1.0})
    national = {tuple(_incomes(incomes.iloc[[*order, 3, 4, 5]], PERIOD)[1].values())
                for order in permutations(range(3))}
    assert len(national) == 1

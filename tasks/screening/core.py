"""The screening's pure core: one roster (households with their derived facts, persons, measures, leads) in,
the lists and the accounted leads out. Plain pandas, no database, no Prefect: the flow, the assessment's red
line and the bare benchmark all call these, so the rules are wired once."""

from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.quality.derive import household_positions, labour_class
from tasks.runs.as_of import households_as_of, leads_as_of, period_end
from tasks.screening.lists import LISTS
from tasks.screening.rules import ScreeningRules
from tasks.screening.steps import (
    assistance_coverage,
    elimination_candidates,
    lead_timeliness,
    match_leads,
    screen_risks,
    unmatched_leads,
)

# What `screen_province` reads, found by leaving out each column of a 20,000-household roster in turn and
# keeping those whose absence changed a list (or failed); the households' `threshold` comes from the
# thresholds table. 特困 (`tekun`) changed no list at 20,000 and 19 coverage gaps at 1,000,000: a column a
# rule reads fails loudly when absent (tasks.quality.derive.safety_net_cover), not by the lists.
READS = {
    "households": ["household_no", "province_code", "county_code", "is_poverty_alleviated", "monitoring_type",
                   "identified_on", "risk_status", "eliminated_on", "net_income", "per_capita_net_income",
                   "prev_per_capita_net_income", "compliant_oop_expenditure", "housing_secure",
                   "education_secure", "medical_secure", "drinking_water_secure"],
    "persons": ["household_no", "id_number", "labour_skill", "dibao", "tekun"],
    "measures": ["household_no", "category", "start_on", "end_on"],
    "leads": ["lead_no", "channel", "county_code", "id_number", "name", "phone", "household_no", "risk_code",
              "reported_at", "accepted_at", "verified_at", "status", "outcome"],
    "monitoring_thresholds": ["province_code", "year", "threshold"],
}


def leads_of_window(roster: dict[str, pd.DataFrame], households: pd.DataFrame, window_start: date,
                    as_of: pd.Timestamp) -> pd.DataFrame:
    """The leads reported from `window_start` to the end of `as_of`, as they stood then (tasks.runs.as_of),
    each with the household it concerns and how it is accounted for (matched, unmatched, dismissed)."""
    leads = leads_as_of(roster["leads"], period_end(as_of))
    return match_leads(leads[leads["reported_at"] >= pd.Timestamp(window_start)], roster["persons"], households)


def new_candidates(roster: dict[str, pd.DataFrame], window_start: date, as_of: pd.Timestamp,
                   rules: ScreeningRules) -> pd.DataFrame:
    """The new monitoring candidates alone, as of the end of `as_of` (the assessment's red line counts them)."""
    h = households_as_of(roster["households"], period_end(as_of))
    return screen_risks(h, leads_of_window(roster, h, window_start, as_of), h["threshold"], rules)


def screen_province(roster: dict[str, pd.DataFrame], window_start: date, as_of: pd.Timestamp,
                    rules: ScreeningRules) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every list of one province (tasks.screening.lists) as the roster stood at the end of `as_of`, and its
    leads of the window with how each is accounted for. Households carry `threshold`
    (tasks.quality.derive.threshold_of)."""
    h, persons = households_as_of(roster["households"], period_end(as_of)), roster["persons"]
    leads = leads_of_window(roster, h, window_start, as_of)
    threshold = h["threshold"]
    labour = pd.Series(labour_class(persons, household_positions(h, persons), len(h)), index=h.index)
    coverage = assistance_coverage(h, persons, roster["measures"], labour, as_of)
    timeliness = lead_timeliness(leads, as_of, rules)
    computed = {
        "new_candidates": screen_risks(h, leads, threshold, rules),
        "elimination_candidates": elimination_candidates(h, labour, leads, threshold, as_of, rules),
        "coverage_gaps": coverage[coverage["gap"] != "weak_labour_to_explore"],
        "weak_labour_to_explore": coverage[coverage["gap"] == "weak_labour_to_explore"],
        "unmatched_leads": unmatched_leads(leads, as_of),
        "overdue_leads": timeliness[timeliness["overdue"]],
        "late_leads": timeliness[timeliness["late_accepted"]],
    }
    # Each list publishes its declared columns, in order (a step that lost one fails here, not in a report).
    lists = {lst.name: computed[lst.name][list(lst.columns)].reset_index(drop=True) for lst in LISTS}
    return lists, leads

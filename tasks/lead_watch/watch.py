"""The lead watch's rules, plain pandas: which leads a week's watch covers, which of them are overdue or were
accepted late (the screening's own time limits, tasks.screening.steps.lead_timeliness), and the figures of
each county with their change on the week before."""

from __future__ import annotations

import pandas as pd

from tasks.runs.as_of import leads_as_of, period_end
from tasks.screening.rules import LeadRules
from tasks.screening.steps import lead_timeliness

WEEK = pd.Timedelta(days=7)
COUNTY = ["province_code", "county_code"]
FIGURES = ("pending", "overdue", "late")  # per county, each with its change on the week before


def watched_leads(leads: pd.DataFrame, as_of: pd.Timestamp, rules: LeadRules) -> pd.DataFrame:
    """The leads the week ending `as_of` watches, as they stood at its end: every lead still 待核实, whenever
    reported, and every lead accepted during the week; each with `overdue`, `late_accepted` and
    `days_waiting`. A lead accepted late is counted in the week it was accepted; one still not accepted, every
    week until it is."""
    end = period_end(as_of)
    then = leads_as_of(leads, end)
    watched = then[then["status"].eq("pending") | (then["accepted_at"] >= end - WEEK)].copy()
    flags = lead_timeliness(watched, as_of, rules).set_index("lead_no")
    for column in ("overdue", "late_accepted"):
        watched[column] = watched["lead_no"].map(flags[column]).fillna(False).astype(bool)
    watched["days_waiting"] = watched["lead_no"].map(flags["days_waiting"])
    watched["county_code"] = watched["county_code"].fillna("")  # a lead without 县代码 counts for its province
    return watched.reset_index(drop=True)


def county_figures(watched: pd.DataFrame) -> pd.DataFrame:
    """Per county (province_code, county_code): leads watched, 待核实, overdue, accepted late. The leads
    watched add up to the watched frame's rows unless a lead fell out of every county (the output check)."""
    frame = pd.DataFrame({
        **{c: watched[c] for c in COUNTY}, "watched": 1,
        "pending": watched["status"].eq("pending"), "overdue": watched["overdue"], "late": watched["late_accepted"],
    })
    return frame.groupby(COUNTY, as_index=False)[["watched", *FIGURES]].sum()


def with_trend(this_week: pd.DataFrame, last_week: pd.DataFrame) -> pd.DataFrame:
    """This week's county figures with the change on last week's (`<figure>_change`); a county in either week
    is listed, the other week counting zero."""
    both = this_week.merge(last_week.drop(columns="watched"), on=COUNTY, how="outer", suffixes=("", "_last"))
    both = both.fillna({"watched": 0, **{f"{f}{s}": 0 for f in FIGURES for s in ("", "_last")}})
    both["watched"] = both["watched"].astype(int)
    for figure in FIGURES:
        both[figure] = both[figure].astype(int)
        both[f"{figure}_change"] = both[figure] - both.pop(f"{figure}_last").astype(int)
    return both.sort_values(COUNTY, ignore_index=True)

"""The roster as it stood at the end of the as-of day: facts dated after it are outside the period."""

from __future__ import annotations

import pandas as pd

from tasks.runs.as_of import households_as_of, leads_as_of, period_end

END = period_end(pd.Timestamp("2023-06-30"))
T = pd.Timestamp


def test_the_period_ends_at_midnight_after_the_as_of_day():
    assert period_end(T("2023-06-30 17:45")) == END == T("2023-07-01 00:00")


def test_leads_keep_what_was_done_by_then_and_forget_what_was_done_since():
    leads = pd.DataFrame({
        "lead_no": ["same-day", "next-day", "verified-late-evening", "reported-since", "accepted-since"],
        "reported_at": [T("2023-06-30 10:00"), T("2023-06-30 15:00"), T("2023-06-29 09:00"), T("2023-07-01 08:00"),
                        T("2023-06-30 23:00")],
        "accepted_at": [pd.NaT, T("2023-06-30 16:00"), T("2023-06-29 10:00"), T("2023-07-01 09:00"),
                        T("2023-07-01 00:00")],
        "verified_at": [pd.NaT, T("2023-07-01 10:00"), T("2023-06-30 23:59"), pd.NaT, pd.NaT],
        "status": ["pending", "verified", "verified", "pending", "pending"],
        "outcome": [None, "identified", "no_risk", None, None],
    })
    seen = leads_as_of(leads, END).set_index("lead_no")
    assert list(seen.index) == ["same-day", "next-day", "verified-late-evening", "accepted-since"]
    assert seen.loc["next-day", "status"] == "pending" and pd.isna(seen.loc["next-day", "outcome"])
    assert pd.isna(seen.loc["next-day", "verified_at"]) and seen.loc["next-day", "accepted_at"] == T("2023-06-30 16:00")
    assert seen.loc["verified-late-evening", "status"] == "verified"
    assert seen.loc["verified-late-evening", "outcome"] == "no_risk"
    assert pd.isna(seen.loc["accepted-since", "accepted_at"])
    assert leads.loc[1, "status"] == "verified"  # the caller's frame is left as it was


def test_households_identified_or_eliminated_since_are_seen_as_they_were():
    households = pd.DataFrame({
        "household_no": ["monitored", "identified-since", "eliminated-since", "eliminated-before"],
        "monitoring_type": ["unstable", "sudden", "marginal", "unstable"],
        "identified_on": pd.to_datetime(["2022-03-01", "2023-07-01", "2022-05-01", "2022-01-01"]),
        "risk_status": ["at_risk", "at_risk", "eliminated", "eliminated"],
        "elimination_way": [None, None, "stable_income", "stable_income"],
        "eliminated_on": pd.to_datetime([None, None, "2023-07-15", "2023-06-30"]),
    })
    seen = households_as_of(households, END).set_index("household_no")
    assert seen.loc["monitored"].equals(households.set_index("household_no").loc["monitored"])
    assert pd.isna(seen.loc["identified-since", "monitoring_type"])
    assert pd.isna(seen.loc["identified-since", "identified_on"])
    assert seen.loc["eliminated-since", "risk_status"] == "at_risk"
    assert pd.isna(seen.loc["eliminated-since", "eliminated_on"])
    assert seen.loc["eliminated-since", "monitoring_type"] == "marginal"
    assert seen.loc["eliminated-before", "risk_status"] == "eliminated"
    unchanged = households.iloc[[0, 3]]
    assert households_as_of(unchanged, END) is unchanged  # nothing after the period: no copy

"""The lead watch's rules on small hand-made frames: which leads a week watches, their flags, and the
counties' figures with the change on the week before."""

import pandas as pd

from tasks.lead_watch.watch import county_figures, watched_leads, with_trend
from tasks.screening.rules import LeadRules

SUNDAY = pd.Timestamp("2023-09-17")  # the week watched: Monday 11 to Sunday 17 September


def leads(*rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["lead_no", "county_code", "reported_at", "accepted_at", "verified_at",
                                        "status"])
    for column in ("reported_at", "accepted_at", "verified_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame.assign(province_code="52", channel="platform", outcome=None)


ROWS = leads(
    ("OLD", "520102", "2023-08-01 09:00", "2023-08-02 09:00", None, "pending"),          # overdue
    ("FRESH", "520102", "2023-09-15 09:00", None, None, "pending"),                      # limit not ended
    ("UNACCEPTED", "520103", "2023-09-13 09:00", None, None, "pending"),                 # late, still
    ("LATE", "520103", "2023-09-01 09:00", "2023-09-12 10:00", "2023-09-13 09:00", "verified"),  # late this week
    ("LATE_BEFORE", "520103", "2023-08-20 09:00", "2023-08-30 10:00", "2023-09-01 09:00", "verified"),  # not watched
    ("VERIFIED_AFTER", "520104", "2023-09-10 09:00", "2023-09-10 10:00", "2023-09-18 08:00", "verified"),
    ("NO_COUNTY", None, "2023-08-01 09:00", "2023-08-01 10:00", None, "pending"),        # overdue, its province
)


def test_a_week_watches_pending_leads_and_leads_accepted_during_it():
    w = watched_leads(ROWS, SUNDAY, LeadRules()).set_index("lead_no")
    assert sorted(w.index) == ["FRESH", "LATE", "NO_COUNTY", "OLD", "UNACCEPTED", "VERIFIED_AFTER"]
    assert w.loc["VERIFIED_AFTER", "status"] == "pending"  # verified after the week: pending then
    assert sorted(w.index[w["overdue"]]) == ["NO_COUNTY", "OLD"]
    assert sorted(w.index[w["late_accepted"]]) == ["LATE", "UNACCEPTED"]
    assert w.loc["NO_COUNTY", "county_code"] == ""
    assert w.loc["OLD", "days_waiting"] == (SUNDAY - pd.Timestamp("2023-08-01")).days


def test_county_figures_and_their_change_on_the_week_before():
    rules = LeadRules()
    this_week = county_figures(watched_leads(ROWS, SUNDAY, rules))
    last_week = county_figures(watched_leads(ROWS, SUNDAY - pd.Timedelta(days=7), rules))
    assert this_week["watched"].sum() == 6
    t = with_trend(this_week, last_week).set_index("county_code")
    assert t.loc["520102", ["pending", "overdue", "late"]].tolist() == [2, 1, 0]
    # A week earlier 520103 had LATE pending and not accepted (late); LATE_BEFORE, accepted the week before
    # that, is in neither week. Now UNACCEPTED is pending and late, LATE was accepted late this week.
    assert t.loc["520103", ["pending", "pending_change", "late", "late_change"]].tolist() == [1, 0, 2, 1]
    assert t.loc["520103", ["overdue", "overdue_change"]].tolist() == [0, 0]
    assert t.loc["520104", ["pending", "pending_change"]].tolist() == [1, 0]
    assert t.loc["", "overdue"] == 1

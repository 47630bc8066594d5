"""A pairing's progress against its agreement (tasks.pairings.progress), on inline frames."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tasks.model import metadata
from tasks.pairings.progress import pairing_progress, rotations_due


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[c.name for c in metadata.tables[table].columns])


AGREEMENT = {"agreement_no": "EW-1-2023", "pairing_no": "EW-1", "pairing_kind": "east_west", "year": 2023,
             "helper": "浙江省", "province_code": "52", "county_code": "520102", "signed_on": date(2023, 2, 1),
             "target_labour": 400.0, "target_projects": 4.0}


def test_behind_is_below_four_fifths_of_the_even_pace():
    progress = frame("pairing_progress", [{"progress_no": "EW-1-2023Q2", "pairing_no": "EW-1", "year": 2023,
                                           "quarter": 2, "done_labour": 150.0, "done_projects": 4.0}])
    agreements, none = frame("pairing_agreements", [AGREEMENT]), frame("pairing_agreements", [])
    row = pairing_progress(agreements, none, progress, 2).iloc[0]
    # Labour: 150 of 400 is 0.375, under 0.8 × 0.5; projects: all four, capped at 1 in the completion.
    assert row["areas_behind"] == "劳务协作" and row["flags"] == "进度滞后"
    assert row["completion"] == pytest.approx((0.375 + 1.0) / 2)


def test_a_pairing_of_last_year_without_this_years_agreement_is_flagged():
    last = frame("pairing_agreements", [{**AGREEMENT, "agreement_no": "EW-1-2022", "year": 2022}])
    row = pairing_progress(frame("pairing_agreements", []), last, frame("pairing_progress", []), 1).iloc[0]
    assert row["flags"] == "本年度未签订协议(责任书)" and not row["has_agreement"]


def test_nothing_to_follow_gives_no_rows():
    empty = pairing_progress(frame("pairing_agreements", []), frame("pairing_agreements", []),
                             frame("pairing_progress", []), 4)
    assert empty.empty


def test_a_term_ends_on_the_same_day_months_later_or_the_months_last():
    teams = frame("village_teams", [
        {"team_no": "T1", "county_code": "520102", "village": "花园村", "started_on": date(2021, 8, 20),
         "term_months": 24},
        {"team_no": "T2", "county_code": "520102", "village": "石门村", "started_on": date(2021, 12, 31),
         "term_months": 20},
        {"team_no": "T3", "county_code": "520102", "village": "龙潭村", "started_on": date(2023, 3, 1),
         "term_months": None}])
    due = rotations_due(teams, date(2023, 6, 30))
    assert due["team_no"].tolist() == ["T1"] and due["due_on"].tolist() == [date(2023, 8, 20)]
    later = rotations_due(teams, date(2023, 8, 31))  # T2: 31 Dec + 20 months is 31 August
    assert later.set_index("team_no")["due_on"].to_dict() == {"T1": date(2023, 8, 20), "T2": date(2023, 8, 31)}

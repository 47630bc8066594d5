"""A weekly progress run says how many entries of each list are new since the previous progress run of the
year: compared with that run's findings only (not an older week's, a close-out's, or another province's)."""

from datetime import date

from sqlalchemy import insert

from tasks.model import ScreeningFinding
from tasks.screening.announce import progress_since_previous


def _finding(as_of: str, list_name: str, *, household: str | None = None, lead: str | None = None,
             mode: str = "progress", province: str = "52") -> dict:
    return {"campaign_run_id": f"screening-2023-{mode}-{as_of}", "year": 2023, "mode": mode,
            "as_of": date.fromisoformat(as_of), "province_code": province, "part": "", "list_name": list_name,
            "household_no": household, "lead_no": lead, "category": None, "details": None}


def test_new_entries_are_counted_against_the_previous_progress_run_only(engine):
    with engine.begin() as conn:
        conn.execute(insert(ScreeningFinding), [
            _finding("2023-06-23", "new_candidates", household="H1"),
            _finding("2023-06-23", "new_candidates", household="H2"),
            _finding("2023-06-23", "overdue_leads", lead="L1"),
            _finding("2023-06-16", "new_candidates", household="H3"),  # an older week: not the previous run
            _finding("2023-06-23", "new_candidates", household="H4", mode="close_out"),
            _finding("2023-06-23", "new_candidates", household="H5", province="53"),  # not a province asked
            _finding("2023-06-23", "coverage_gaps", household="H1"),
        ])
    current = {"new_candidates": {"H1", "H3", "H4", "H5", "H6"}, "overdue_leads": {"L1", "L2"},
               "coverage_gaps": {"H2"}, "late_leads": set()}

    progress = progress_since_previous(engine, 2023, date(2023, 6, 30), ["52"], current)

    assert progress == {"previous_as_of": "2023-06-23",
                        "new": {"new_candidates": 4, "overdue_leads": 1, "coverage_gaps": 1, "late_leads": 0}}
    assert progress_since_previous(engine, 2023, date(2023, 6, 16), ["52"], current) is None  # the first week

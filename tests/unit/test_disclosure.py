"""Complementary suppression on tables built by hand: the issue's three-province case, shares withheld with
their parts, the year's earlier releases, and what no new release can hide."""

from __future__ import annotations

import pytest

from tasks.release.attacker import Attacker, Tabulation, tabulation
from tasks.release.disclosure import protect

# 全国 = 北京市 + 贵州省 + 云南省; 北京市 has 3 monitored households, fewer than 10.
ROWS = {
    "00": {"monitored_households": 183, "monitored_persons": 650, "newly_identified_households": 40,
           "eliminated_households": 90, "eliminated_persons": 320, "public_welfare_job_persons": 300,
           "microcredit_amount": 150.25, "microcredit_households": 60},
    "11": {"monitored_households": 3, "monitored_persons": 9, "newly_identified_households": 1,
           "eliminated_households": 2, "eliminated_persons": 6, "public_welfare_job_persons": 2,
           "microcredit_amount": 1.5, "microcredit_households": 1},
    "52": {"monitored_households": 100, "monitored_persons": 360, "newly_identified_households": 22,
           "eliminated_households": 50, "eliminated_persons": 180, "public_welfare_job_persons": 160,
           "microcredit_amount": 90.0, "microcredit_households": 35},
    "53": {"monitored_households": 80, "monitored_persons": 281, "newly_identified_households": 17,
           "eliminated_households": 38, "eliminated_persons": 134, "public_welfare_job_persons": 138,
           "microcredit_amount": 58.75, "microcredit_households": 24},
}


def _figures(rows: dict) -> dict[str, float]:
    flat = {f"{code}:{key}": float(value) for code, figures in rows.items() for key, value in figures.items()}
    for code, figures in rows.items():
        flat[f"{code}:eliminated_share"] = figures["eliminated_persons"] / figures["monitored_persons"]
    return flat


def _small(rows: dict) -> list[str]:
    return [f"11:{key}" for key in (*ROWS["11"], "eliminated_share")]


def _current(name: str = "2023Q2", quarter: int = 2, rows: dict = ROWS) -> Tabulation:
    return tabulation(name, quarter, _figures(rows), _small(rows), current=True)


def test_small_cells_alone_give_beijing_away_as_the_national_total_minus_the_others():
    table = _current()
    bounds = Attacker().interval([table], 0, ("11", "monitored_households"))
    assert bounds == (pytest.approx(3.0), pytest.approx(3.0))
    audit = protect([table], max_rounds=0)
    assert set(audit.exposed["figure"]) >= {"monitored_households", "monitored_persons", "microcredit_amount"}


def test_complementary_cells_protect_every_withheld_cell_and_spare_the_national_figures():
    audit = protect([_current()])
    assert audit.exposed.empty and audit.holds.all()
    assert audit.complementary and not any(code == "00" for code, _ in audit.complementary)
    # Each column with 北京市 withheld has another province withheld beside it.
    for key in ROWS["11"]:
        assert any(c == (code, key) for c in audit.complementary for code in ("52", "53")), key
    # 北京市's 3 households: the attacker now cannot say better than 0 to at least 3.6.
    row = audit.frame.set_index("cell").loc["2023Q2:11:monitored_households"]
    assert row["lower"] <= 2.4 and row["upper"] >= 3.6


def test_a_share_goes_with_its_numerator_or_denominator():
    audit = protect([_current()])
    for code, figure in audit.complementary:
        if figure in ("eliminated_persons", "monitored_persons"):
            assert (code, "eliminated_share") in audit.withheld


def test_the_years_earlier_release_is_audited_with_the_new_one():
    """Q1 withheld 北京市's loans with 贵州省's; Q2 would publish them all. Year-to-date loans only grow, so Q2's
    published figures would bound Q1's: the audit covers Q1's cells and withholds more of Q2 for them."""
    q1 = protect([_current("2023Q1", 1)])
    earlier = Tabulation("2023Q1 v1", 1, _current("2023Q1", 1).values, q1.withheld)
    later = {code: dict(figures) for code, figures in ROWS.items()}
    later["11"]["microcredit_amount"] = 30.0  # no longer small in money, still one household
    later["00"]["microcredit_amount"] += 28.5
    audit = protect([earlier, tabulation("2023Q2", 2, _figures(later), _small(later), current=True)])
    assert audit.holds.all()
    assert set(audit.frame["release"]) == {"2023Q1 v1", "2023Q2"}


def test_what_earlier_releases_gave_away_is_listed_not_chased():
    """A release published with small cells only (before complementary suppression) gave 北京市 away: no new
    release can hide it again, nor the lower bound it puts on the year-to-date counts that only grow (北京市
    made no new loan, identified nobody new). Those are listed; everything else is protected, and no
    national figure is withheld in a vain chase."""
    leaked = Tabulation("2023Q1 v1", 1, _current("2023Q1", 1).values, frozenset(_current().withheld))
    audit = protect([leaked, _current()])
    before = audit.frame[audit.frame["release"] == "2023Q1 v1"]
    assert before["exposed_before"].all() and not before["protected"].all()
    assert audit.holds.all()
    now = audit.frame[audit.frame["release"] == "2023Q2"]
    given_away = set(now.loc[~now["protected"], "figure"])
    assert given_away and given_away <= {"newly_identified_households", "microcredit_amount", "microcredit_households"}
    assert now.loc[~now["protected"], "exposed_before"].all()
    assert not any(code == "00" for code, _ in audit.complementary)

"""From checked input tables to the assessment's result: indicators, scores, grades, ranks, the red line,
the key counties and the national checks, in the frames the reports, messages and checkpoints read."""

from __future__ import annotations

from datetime import date

import pandas as pd

from tasks.assessment.config import AssessmentConfig
from tasks.assessment.indicators import RosterCounts, indicators_from_counts, national_checks, roster_counts
from tasks.assessment.key_counties import by_province, county_indicators, lagging_counties
from tasks.assessment.report import AssessmentResult
from tasks.assessment.scoring import indicator_table, score_provinces
from tasks.runs.stage import Check
from tasks.screening.core import new_candidates as screening_candidates
from tasks.screening.rules import ScreeningRules

# The assessment's checks: its configuration before anything is counted, its results before they are reported.
WEIGHTS_CHECK = Check("check configuration", "assessment_weights", key="indicator", announce="problems")
SCORES_CHECK = Check("check scores", "assessment_outputs", key="province_code", announce="problems")
INDICATOR_SCORES_CHECK = Check("check indicator scores", "assessment_indicator_outputs", key="province_code",
                               announce="problems")


def indicator_weights(config: AssessmentConfig) -> pd.DataFrame:
    """The configuration as a frame, for the weights checkpoint."""
    return pd.DataFrame({"indicator": config.keys, "weight": [i.weight for i in config.indicators]})


def new_candidates(tables: dict[str, pd.DataFrame], year: int) -> pd.Series:
    """Per province: the new monitoring candidates the screening's own rules find (income under the
    threshold, a sharp drop, rigid expenditure, a 三保障 or water gap, a verified lead of the year), not yet
    monitored."""
    h = tables["households"]
    found = screening_candidates(tables, date(year, 1, 1), pd.Timestamp(year, 12, 31), ScreeningRules())
    province_of = h.drop_duplicates("household_no").set_index("household_no")["province_code"]
    return found["household_no"].map(province_of).value_counts().rename_axis("province_code").rename("candidates")


def new_candidates_share(tables: dict[str, pd.DataFrame], year: int) -> pd.Series:
    """Per province: `new_candidates` over the province's 脱贫户: the red line's measure of a risk of
    large-scale return to poverty."""
    alleviated = tables["households"].loc[tables["households"]["is_poverty_alleviated"].fillna(False).astype(bool),
                                          "province_code"].value_counts()
    return _share_of(new_candidates(tables, year), alleviated)


def assessment_counts(tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig) -> RosterCounts:
    """What the assessment counts from the roster of some provinces: the indicators' sums and the red line's
    candidates. A partition's counts combine with the others' (RosterCounts.combine)."""
    counts = roster_counts(tables, year, config)
    counts.candidates = new_candidates(tables, year)
    return counts


def evaluate(tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig,
             provinces: list[str]) -> AssessmentResult:
    """The whole assessment from the checked tables of every province in one process."""
    return evaluate_counts(assessment_counts(tables, year, config), tables, year, config, provinces)


def evaluate_counts(counts: RosterCounts, tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig,
                    provinces: list[str]) -> AssessmentResult:
    """The assessment from the roster's counts and the national tables (linkage_funds, employment,
    counties)."""
    indicators = indicators_from_counts(counts, tables, year, config, provinces)
    alleviated = counts.of("province_code")[0]["poverty_alleviated"]
    shares = _share_of(counts.candidates, alleviated[alleviated > 0])
    indicators["new_candidates_share"] = indicators["province_code"].map(shares).astype(float)
    # Ranks 1..n without repeats (the output checkpoint's rule): equal totals are ordered by province code.
    scores = score_provinces(indicators, config, ties="ordered").drop(columns=["weakest_keys"])
    counties = lagging_counties(county_indicators(counts, tables["counties"], tables["linkage_funds"], year))
    return AssessmentResult(year, scores, indicator_table(indicators, scores, config), counties,
                            national_checks(tables, year, config), config.as_dict(),
                            county_provinces=by_province(counties, tables["linkage_funds"], year))


def _share_of(candidates: pd.Series, alleviated: pd.Series) -> pd.Series:
    return (candidates.reindex(alleviated.index, fill_value=0) / alleviated).astype(float)

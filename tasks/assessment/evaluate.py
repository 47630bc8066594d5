"""From checked input tables to the assessment's result: indicators, scores, grades, ranks, the red line,
the key counties and the national checks, in the frames the reports, messages and checkpoints read."""

from __future__ import annotations

import pandas as pd

from tasks.assessment.config import AssessmentConfig
from tasks.assessment.indicators import RosterCounts, indicators_from_counts, national_checks, roster_counts
from tasks.assessment.key_counties import by_province, county_indicators, lagging_counties
from tasks.assessment.report import AssessmentResult
from tasks.assessment.scoring import indicator_table, score_provinces
from tasks.runs.check import Check

# The assessment's checks: its configuration before anything is counted, its results before they are reported.
WEIGHTS_CHECK = Check("check configuration", "assessment_weights", key="indicator", announce="problems")
SCORES_CHECK = Check("check scores", "assessment_outputs", key="province_code", announce="problems")
INDICATOR_SCORES_CHECK = Check("check indicator scores", "assessment_indicator_outputs", key="province_code",
                               announce="problems")


def indicator_weights(config: AssessmentConfig) -> pd.DataFrame:
    """The configuration as a frame, for the weights checkpoint."""
    return pd.DataFrame({"indicator": config.keys, "weight": [i.weight for i in config.indicators]})


def assessment_counts(tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig) -> RosterCounts:
    """What the assessment counts from the roster of some provinces: the indicators' sums, the red line's
    among them. A partition's counts combine with the others' (RosterCounts.combine)."""
    return roster_counts(tables, year, config)


def evaluate(tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig,
             provinces: list[str]) -> AssessmentResult:
    """The whole assessment from the checked tables of every province in one process."""
    return evaluate_counts(assessment_counts(tables, year, config), tables, year, config, provinces)


def evaluate_counts(counts: RosterCounts, tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig,
                    provinces: list[str]) -> AssessmentResult:
    """The assessment from the roster's counts and the national tables (linkage_funds, employment,
    counties)."""
    indicators = indicators_from_counts(counts, tables, year, config, provinces)
    # Ranks 1..n without repeats (the output checkpoint's rule): equal totals are ordered by province code.
    scores = score_provinces(indicators, config, ties="ordered").drop(columns=["weakest_keys"])
    counties = lagging_counties(county_indicators(counts, tables["counties"], tables["linkage_funds"], year))
    return AssessmentResult(year, scores, indicator_table(indicators, scores, config), counties,
                            national_checks(tables, year, config), config.as_dict(),
                            county_provinces=by_province(counties, tables["linkage_funds"], year))


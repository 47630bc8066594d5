"""From checked input tables to the assessment's result: indicators, scores, grades, ranks, the red line,
the key counties and the national checks, in the frames the reports, messages and checkpoints read."""

from __future__ import annotations

import pandas as pd

from tasks.assessment.config import AssessmentConfig
from tasks.assessment.indicators import (
    compute_county_indicators,
    compute_indicators,
    lagging_counties,
    national_checks,
)
from tasks.assessment.report import AssessmentResult
from tasks.assessment.scoring import indicator_table, score_provinces


def indicator_weights(config: AssessmentConfig) -> pd.DataFrame:
    """The configuration as a frame, for the weights checkpoint."""
    return pd.DataFrame({"indicator": config.keys, "weight": [i.weight for i in config.indicators]})


def evaluate(tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig,
             provinces: list[str]) -> AssessmentResult:
    indicators = compute_indicators(tables, year, config, provinces)
    # Ranks 1..n without repeats (the output checkpoint's rule): equal totals are ordered by province code.
    scores = score_provinces(indicators, config, ties="ordered").drop(columns=["weakest_keys"])
    counties = lagging_counties(compute_county_indicators(tables, year, config))
    return AssessmentResult(year, scores, indicator_table(indicators, scores, config), counties,
                            national_checks(tables, year, config), config.as_dict())

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
from tasks.screening.rules import ScreeningRules
from tasks.screening.steps import match_leads, screen_risks


def indicator_weights(config: AssessmentConfig) -> pd.DataFrame:
    """The configuration as a frame, for the weights checkpoint."""
    return pd.DataFrame({"indicator": config.keys, "weight": [i.weight for i in config.indicators]})


def new_candidates_share(tables: dict[str, pd.DataFrame], year: int) -> pd.Series:
    """Per province: the new monitoring candidates the screening's own rules find (income under the
    threshold, a sharp drop, rigid expenditure, a 三保障 or water gap, a verified lead of the year), not yet
    monitored, over the province's 脱贫户: the red line's measure of a risk of large-scale return to poverty."""
    h = tables["households"]
    leads = tables["leads"]
    matched = match_leads(leads[leads["reported_at"].dt.year == year], tables["persons"], h)
    by_year = tables["monitoring_thresholds"].set_index(["province_code", "year"])["threshold"]
    threshold = pd.Series(by_year.reindex(pd.MultiIndex.from_arrays([h["province_code"], h["income_year"]]))
                          .to_numpy(), index=h.index)
    found = screen_risks(h, matched, threshold, ScreeningRules())
    province_of = h.drop_duplicates("household_no").set_index("household_no")["province_code"]
    candidates = found["household_no"].map(province_of).value_counts()
    alleviated = h.loc[h["is_poverty_alleviated"].fillna(False).astype(bool), "province_code"].value_counts()
    return (candidates.reindex(alleviated.index, fill_value=0) / alleviated).astype(float)


def evaluate(tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig,
             provinces: list[str]) -> AssessmentResult:
    indicators = compute_indicators(tables, year, config, provinces)
    shares = new_candidates_share(tables, year)
    indicators["new_candidates_share"] = indicators["province_code"].map(shares).astype(float)
    # Ranks 1..n without repeats (the output checkpoint's rule): equal totals are ordered by province code.
    scores = score_provinces(indicators, config, ties="ordered").drop(columns=["weakest_keys"])
    counties = lagging_counties(compute_county_indicators(tables, year, config))
    return AssessmentResult(year, scores, indicator_table(indicators, scores, config), counties,
                            national_checks(tables, year, config), config.as_dict())

"""The assessment's indicators per province and per key assistance county: plain pandas over the checked
input tables (dates datetime64, booleans pandas "boolean"), vectorised because the roster can hold millions
of rows. Each indicator comes as `<key>_numerator`, `<key>_denominator` and `<key>` (the value), so a report
can show what a value rests on; a value is NaN, never a division by zero, when its denominator is 0.

Population rules (why each count is what it is):
- monitored: `monitoring_type` set, as the roster stood on 31 December (identified since: not yet; eliminated
  since: still at risk). Labour capacity is the household's `labour_class` (tasks.quality.derive):
  "full" when a member is 普通/技能劳动力. "With labour capacity" means "full" only: the seed asks for a
  development-type measure for households with labour capacity and only asks to *explore* one for
  弱劳力半劳力 ("weak"), so weak households are in neither coverage indicator's denominator.
- development_coverage: monitored, risk not eliminated, labour "full"; covered when a development-type
  measure (产业, 就业, 金融, 公益岗位) runs on 31 December of the year.
- safety_net_coverage: monitored, labour "none" (whatever the risk status: such households stay under
  monitoring, DOMAIN.md); covered when a 综合保障 measure runs on 31 December.
- identification_timeliness: leads with outcome "identified" verified in the year; timely when verified at
  most `max_days` days after being reported. A lead without a report time counts as not timely.
- risk_elimination: monitored households with risk_status "eliminated".
- income_growth: 脱贫户 with both this and last year's per-capita net income, whose income year is the
  assessed year (or unknown): mean(this year) / mean(last year) - 1 over the same households, carried as
  sums (numerator, denominator) so that the ratio is exactly the ratio of the means.
- relocation_employment: persons with `relocated` true and 普通/技能劳动力; employed when they worked at least
  `min_months` months (half a year), the bar the programme's 务工 figures use.
- microcredit_training: the mean of two attainments, each a share divided by its own target and capped at 1:
  (a) 脱贫户 with labour capacity ("full") that took a loan issued in the year / all such households
  (`credit_target`); (b) members of 脱贫户 in school at 中职/技校 or 大专及以上 enrolled in 雨露计划 that year /
  all such members (`yulu_target`). Both numerators count only members of their denominator, so each share is
  in 0–1. A part whose denominator is 0 is left out; numerator = sum of the attainments, denominator = the
  number of parts present.
- returned_share (red line input): 脱贫户 whose per-capita net income of the year is below the poverty line
  (`red_line.poverty_line`), monitored or not, divided by all 脱贫户 households: the share that returned to
  poverty. Not the monitoring candidates: a household under the province's monitoring threshold is at risk,
  which the monitoring is there to catch, not poor again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from tasks.assessment.config import AssessmentConfig
from tasks.quality.derive import active_measures, household_positions, labour_class, safety_net_cover
from tasks.reference.codes import DEVELOPMENT_CATEGORIES, FULL_LABOUR
from tasks.reference.provinces import PROVINCE_BY_CODE
from tasks.runs.as_of import households_as_of, period_end

TABLES = ("households", "persons", "measures", "leads", "linkage_funds", "employment", "microcredit_loans",
          "training_enrolments", "monitoring_thresholds", "counties")
YULU_SCHOOLING = ("vocational", "college")


@dataclass
class RosterCounts:
    """What the indicators count from the roster: sums of the household and person flags per (province,
    county), the timeliness of identification per province, and the 脱贫户 thresholds. Sums add up, so a
    partition's counts combine with the others' into the country's (flows.counting)."""

    households: pd.DataFrame  # index (province_code, county_code): sums of household_flags
    persons: pd.DataFrame  # index (province_code, county_code): sums of person_flags
    timeliness: pd.DataFrame  # index province_code: num (timely), den (identified in the year)

    @classmethod
    def combine(cls, parts: list[RosterCounts]) -> RosterCounts:
        def add(frames: list[pd.DataFrame]) -> pd.DataFrame:
            whole = pd.concat(frames)
            return whole.groupby(level=list(range(whole.index.nlevels)), dropna=False).sum()

        return cls(add([p.households for p in parts]), add([p.persons for p in parts]),
                   add([p.timeliness for p in parts]))

    def of(self, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Household and person sums per `by` (province_code or county_code); rows without it left out."""
        return (self.households.groupby(level=by).sum(), self.persons.groupby(level=by).sum())


def roster_counts(tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig) -> RosterCounts:
    """The roster's part of the indicators (households, persons, measures, leads, thresholds, loans and
    training of any set of provinces)."""
    # The roster as it stood on 31 December: the run on 20 January must not count January's identifications
    # and eliminations into the year (tasks.runs.as_of).
    tables = {**tables, "households": households_as_of(tables["households"], period_end(date(year, 12, 31)))}
    at = household_positions(tables["households"], tables["persons"])  # once: both flag sets need it
    h = household_flags(tables, year, config, at)
    p = person_flags(tables, h, year, config, at)
    keys = ["province_code", "county_code"]
    return RosterCounts(h.drop(columns="household_no").groupby(keys, dropna=False).sum(),
                        p.groupby(keys, dropna=False).sum(),
                        _timely(tables["leads"], year, config.param("identification_timeliness", "max_days")))


def compute_indicators(tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig,
                       provinces: list[str] | None = None) -> pd.DataFrame:
    """One row per province (`province_code` column, sorted): numerator, denominator and value per
    indicator, the two parts of microcredit_training, and `returned_share` for the red line.
    `provinces` fixes the rows (a province without data gets NaN values); by default every province that
    appears in households, linkage_funds or employment."""
    return indicators_from_counts(roster_counts(tables, year, config), tables, year, config, provinces)


def indicators_from_counts(counts: RosterCounts, tables: dict[str, pd.DataFrame], year: int,
                           config: AssessmentConfig, provinces: list[str] | None = None) -> pd.DataFrame:
    """`compute_indicators` from the roster's counts and the national tables (linkage_funds, employment)."""
    h, p = counts.of("province_code")
    timely = counts.timeliness
    parts = [
        _funds(tables["linkage_funds"], year),
        _employment(tables["employment"], year),
        ratio_columns(h, "dev_covered", "dev_eligible", "development_coverage"),
        ratio_columns(h, "net_covered", "net_eligible", "safety_net_coverage"),
        _columns("identification_timeliness", timely["num"], timely["den"]),
        ratio_columns(h, "eliminated_monitored", "monitored", "risk_elimination"),
        ratio_columns(h, "income_now", "income_prev", "income_growth", minus_one=True),
        ratio_columns(p, "reloc_employed", "reloc_full", "relocation_employment"),
        ratio_columns(h, "credit_reached", "credit_eligible", "credit"),
        ratio_columns(p, "yulu_enrolled", "yulu_eligible", "yulu"),
        ratio_columns(h, "returned", "poverty_alleviated", "returned_share"),
    ]
    by = "province_code"
    if provinces is None:
        seen = pd.concat([pd.Series(h.index), *(tables[t]["province_code"] for t in ("linkage_funds", "employment"))])
        provinces = sorted(seen.dropna().astype(str).unique())
    out = pd.concat(parts, axis=1).reindex(pd.Index(provinces, name=by))
    counted = [c for c in out.columns if c.endswith(("_numerator", "_denominator"))
               and not c.startswith(("employment_change", "industry_fund_share"))]
    out[counted] = out[counted].fillna(0)  # a province with no rows in a table has no one to count
    for name in ("development_coverage", "safety_net_coverage", "risk_elimination", "relocation_employment",
                 "credit", "yulu", "returned_share"):
        out[name] = _divide(out[f"{name}_numerator"], out[f"{name}_denominator"])
    out["income_growth"] = _divide(out["income_growth_numerator"], out["income_growth_denominator"]) - 1
    _combine_credit_and_training(out, config)
    out = out.reset_index()
    out.insert(1, "province", out[by].map(province_label))
    return out


def household_flags(tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig,
                    at: np.ndarray) -> pd.DataFrame:
    """Per household (rows of `households`): its province and county and the 0/1 facts the indicators
    count, so that any grouping (province, county) is one groupby-sum. `at`: each person's household row
    (`household_positions`)."""
    h = tables["households"]
    persons, n = tables["persons"], len(h)
    labour = labour_class(persons, at, n)
    as_of = date(year, 12, 31)
    monitored = h["monitoring_type"].notna().to_numpy()
    eliminated = h["risk_status"].eq("eliminated").fillna(False).to_numpy(dtype=bool)
    development = _has_row(h, active_measures(tables["measures"], as_of, DEVELOPMENT_CATEGORIES))
    safety_net = safety_net_cover(h, persons, tables["measures"], as_of)
    pa = h["is_poverty_alleviated"].fillna(False).to_numpy(dtype=bool)
    this_year = (h["income_year"].isna() | h["income_year"].eq(year)).fillna(False).to_numpy(dtype=bool)
    income = h["per_capita_net_income"].astype(float).to_numpy()
    prev = h["prev_per_capita_net_income"].astype(float).to_numpy()
    paired = pa & this_year & ~np.isnan(income) & ~np.isnan(prev)
    with np.errstate(invalid="ignore"):
        poor = income < config.poverty_line  # a NaN income compares False: not counted
    loans = tables["microcredit_loans"]
    credit = _has_row(h, loans[pd.to_datetime(loans["issued_on"]).dt.year.eq(year).fillna(False)])
    dev_eligible = monitored & ~eliminated & (labour == "full")
    net_eligible = monitored & (labour == "none")
    credit_eligible = pa & (labour == "full")
    return pd.DataFrame({
        "household_no": h["household_no"].to_numpy(),
        "province_code": h["province_code"].to_numpy(),
        "county_code": h["county_code"].to_numpy(),
        "poverty_alleviated": pa,
        "monitored": monitored,
        "eliminated_monitored": monitored & eliminated,
        "dev_eligible": dev_eligible,
        "dev_covered": dev_eligible & development,
        "net_eligible": net_eligible,
        "net_covered": net_eligible & safety_net,
        "income_now": np.where(paired, income, 0.0),
        "income_prev": np.where(paired, prev, 0.0),
        "returned": pa & this_year & poor,
        "credit_eligible": credit_eligible,
        "credit_reached": credit_eligible & credit,
    }, index=h.index)


def person_flags(tables: dict[str, pd.DataFrame], flags: pd.DataFrame, year: int,
                 config: AssessmentConfig, at: np.ndarray) -> pd.DataFrame:
    """Per person: province (the person's own), county (the household's) and the facts of the person-level
    counts: relocation employment, 雨露计划, and the employment of 脱贫劳动力 (the key counties' evaluation).
    `flags` has the households' rows in order; `at`: each person's row there."""
    persons = tables["persons"]
    known = at >= 0
    county = np.where(known, flags["county_code"].to_numpy()[np.where(known, at, 0)], None)
    pa = known & flags["poverty_alleviated"].to_numpy()[np.where(known, at, 0)]
    reloc_full = (persons["relocated"].fillna(False).to_numpy(dtype=bool)
                  & persons["labour_skill"].isin(FULL_LABOUR).to_numpy())
    months = persons["months_employed"].astype(float).fillna(0).to_numpy()
    min_months = config.param("relocation_employment", "min_months")  # the bar of the programme's 务工 figures
    labour_full = pa & persons["labour_skill"].isin(FULL_LABOUR).to_numpy()
    yulu_eligible = (pa & persons["in_school"].fillna(False).to_numpy(dtype=bool)
                     & persons["schooling"].isin(YULU_SCHOOLING).to_numpy())
    training = tables["training_enrolments"]
    yulu = training[training["programme"].eq("yulu").fillna(False) & training["year"].eq(year).fillna(False)]
    enrolled = pd.Index(yulu["person_no"].dropna().unique()).get_indexer(persons["person_no"]) >= 0
    return pd.DataFrame({
        "province_code": persons["province_code"].to_numpy(),
        "county_code": county,
        "reloc_full": reloc_full,
        "reloc_employed": reloc_full & (months >= min_months),
        "labour_full": labour_full,
        "labour_employed": labour_full & (months >= min_months),
        "yulu_eligible": yulu_eligible,
        "yulu_enrolled": yulu_eligible & enrolled,
    }, index=persons.index)


def national_checks(tables: dict[str, pd.DataFrame], year: int, config: AssessmentConfig) -> list[dict]:
    """Checks on national totals. Employment at year end (Q4) summed over the provinces in `employment`:
    with fewer than all provinces in scope, or synthetic data, this only reports pass or fail."""
    e = tables["employment"]
    at_year_end = e[e["year"].eq(year) & e["quarter"].eq(4)]
    total = float(at_year_end["employed"].sum())
    minimum = config.national_employment_min
    return [{"check": "national_employment", "label": "脱贫人口务工就业规模 / employment of the poverty-alleviated",
             "value": total, "threshold": minimum, "passed": bool(total >= minimum),
             "provinces": int(at_year_end["province_code"].nunique())}]


def _funds(funds: pd.DataFrame, year: int) -> pd.DataFrame:
    rows = funds[funds["year"].eq(year)]
    amount = rows["amount"].astype(float)
    sums = pd.DataFrame({"province_code": rows["province_code"], "den": amount,
                         "num": amount.where(rows["use"].eq("industry"), 0.0)}).groupby("province_code").sum()
    return _columns("industry_fund_share", sums["num"], sums["den"])


def _employment(employment: pd.DataFrame, year: int) -> pd.DataFrame:
    """Year-end (Q4) employment this year over last year's. A province missing either year-end figure has no
    value (NaN numerator or denominator): a missing report is not a fall to zero."""
    q4 = employment[employment["quarter"].eq(4)]
    by_year = q4.groupby(["province_code", "year"])["employed"].sum(min_count=1).astype(float).unstack()
    num = by_year[year] if year in by_year else pd.Series(np.nan, index=by_year.index)
    den = by_year[year - 1] if year - 1 in by_year else pd.Series(np.nan, index=by_year.index)
    return _columns("employment_change", num, den)


def _timely(leads: pd.DataFrame, year: int, max_days: float) -> pd.DataFrame:
    """Per province: leads identified in the year (den) and those verified within `max_days` (num)."""
    verified = pd.to_datetime(leads["verified_at"])
    chosen = leads["outcome"].eq("identified").fillna(False) & verified.dt.year.eq(year).fillna(False)
    rows = leads[chosen]
    took = verified[chosen] - pd.to_datetime(rows["reported_at"])
    timely = took.le(pd.Timedelta(days=max_days)).fillna(False)
    frame = pd.DataFrame({"province_code": rows["province_code"], "num": timely.astype(int), "den": 1})
    return frame.groupby("province_code")[["num", "den"]].sum()


def ratio_columns(sums: pd.DataFrame, num: str, den: str, name: str, minus_one: bool = False) -> pd.DataFrame:
    return _columns(name, sums[num].astype(float), sums[den].astype(float), minus_one)


def _columns(name: str, num: pd.Series, den: pd.Series, minus_one: bool = False) -> pd.DataFrame:
    value = _divide(num, den) - (1 if minus_one else 0)
    return pd.DataFrame({f"{name}_numerator": num, f"{name}_denominator": den, name: value})


def _divide(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den, NaN where the denominator is 0 or missing (no warning, no inf)."""
    den = den.astype(float)
    return num.astype(float) / den.where(den > 0)


def _combine_credit_and_training(out: pd.DataFrame, config: AssessmentConfig) -> None:
    key = "microcredit_training"
    credit = (out["credit"] / config.param(key, "credit_target")).clip(upper=1)
    yulu = (out["yulu"] / config.param(key, "yulu_target")).clip(upper=1)
    parts = pd.concat([credit, yulu], axis=1)
    out[f"{key}_numerator"] = parts.sum(axis=1, min_count=1).fillna(0)
    out[f"{key}_denominator"] = parts.notna().sum(axis=1).astype(float)
    out[key] = _divide(out[f"{key}_numerator"], out[f"{key}_denominator"])


def _has_row(households: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """Per household: whether `rows` (measures, loans) holds at least one row for it."""
    at = household_positions(households, rows)
    return np.bincount(at[at >= 0], minlength=len(households)) > 0


def province_label(code: object) -> str | None:
    province = PROVINCE_BY_CODE.get(code) if isinstance(code, str) else None
    return province.name if province else None
